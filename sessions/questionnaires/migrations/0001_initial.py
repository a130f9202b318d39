# The models below lived in the sessions app (program_sessions) until the nested apps were made.
# Their tables keep their names (Meta.db_table), so this migration moves only Django's picture of
# them (SeparateDatabaseAndState: state operations, no database operations) and their content
# types; not a row of data is touched.

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def _content_types(app_from, app_to, models):
    """Move the content types (and so the permissions) of the moved models to their new app.

    Rows of a database that never had the old ones are left alone; the new app's rows are made
    by Django after migrating, as for any new model."""

    def forwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not ContentType.objects.filter(app_label=app_to, model=model).exists():
                ContentType.objects.filter(app_label=app_from, model=model).update(app_label=app_to)

    def backwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not ContentType.objects.filter(app_label=app_from, model=model).exists():
                ContentType.objects.filter(app_label=app_to, model=model).update(app_label=app_from)

    return migrations.RunPython(forwards, backwards)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('program_sessions', '0007_notification_handed_over_at'),
        ('programs', '0007_enrollment_accepted_and_typed_details'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Assessment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('instruments', models.JSONField(default=list, help_text='Codes asked at this point, fixed when the window is set.')),
                        ('opens_at', models.DateTimeField()),
                        ('closes_at', models.DateTimeField()),
                        ('completed_at', models.DateTimeField(blank=True, null=True)),
                        ('enrollment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assessments', to='programs.enrollment')),
                        ('measurement_point', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assessments', to='programs.measurementpoint')),
                    ],
                    options={
                        'db_table': 'program_sessions_assessment',
                        'ordering': ['opens_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Response',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('instrument', models.CharField(max_length=20)),
                        ('instrument_version', models.CharField(max_length=20)),
                        ('answers', models.JSONField(default=dict)),
                        ('mode', models.CharField(choices=[('self', 'Filled in by the participant'), ('phone', 'Read out by staff on the phone'), ('in_person', 'Entered by staff in person')], default='self', max_length=20)),
                        ('version', models.PositiveSmallIntegerField(default=1)),
                        ('correction_reason', models.CharField(blank=True, max_length=300)),
                        ('started_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='responses', to='questionnaires.assessment')),
                        ('entered_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('supersedes', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='questionnaires.response')),
                    ],
                    options={
                        'db_table': 'program_sessions_response',
                        'ordering': ['assessment', 'instrument', 'version'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalSafetyEvent',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('flag', models.CharField(help_text='The scoring flag that raised it, e.g. item9_positive.', max_length=40)),
                        ('flag_value', models.BooleanField(help_text='True: answered positively; empty: left unanswered, also followed up.', null=True)),
                        ('raised_at', models.DateTimeField(blank=True, editable=False)),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                        ('action_taken', models.TextField(blank=True)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('acknowledged_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('enrollment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='programs.enrollment')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('response', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='questionnaires.response')),
                    ],
                    options={
                        'verbose_name': 'historical safety event',
                        'verbose_name_plural': 'historical safety events',
                        'db_table': 'program_sessions_historicalsafetyevent',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalResponse',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('instrument', models.CharField(max_length=20)),
                        ('instrument_version', models.CharField(max_length=20)),
                        ('answers', models.JSONField(default=dict)),
                        ('mode', models.CharField(choices=[('self', 'Filled in by the participant'), ('phone', 'Read out by staff on the phone'), ('in_person', 'Entered by staff in person')], default='self', max_length=20)),
                        ('version', models.PositiveSmallIntegerField(default=1)),
                        ('correction_reason', models.CharField(blank=True, max_length=300)),
                        ('started_at', models.DateTimeField(blank=True, editable=False)),
                        ('updated_at', models.DateTimeField(blank=True, editable=False)),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('assessment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='questionnaires.assessment')),
                        ('entered_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('supersedes', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='questionnaires.response')),
                    ],
                    options={
                        'verbose_name': 'historical response',
                        'verbose_name_plural': 'historical responses',
                        'db_table': 'program_sessions_historicalresponse',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='SafetyEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('flag', models.CharField(help_text='The scoring flag that raised it, e.g. item9_positive.', max_length=40)),
                        ('flag_value', models.BooleanField(help_text='True: answered positively; empty: left unanswered, also followed up.', null=True)),
                        ('raised_at', models.DateTimeField(auto_now_add=True)),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                        ('action_taken', models.TextField(blank=True)),
                        ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('enrollment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='safety_events', to='programs.enrollment')),
                        ('response', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='safety_events', to='questionnaires.response')),
                    ],
                    options={
                        'db_table': 'program_sessions_safetyevent',
                        'ordering': ['-raised_at'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='assessment',
                    constraint=models.UniqueConstraint(fields=('enrollment', 'measurement_point'), name='one_assessment_per_enrollment_point'),
                ),
                migrations.AddConstraint(
                    model_name='assessment',
                    constraint=models.CheckConstraint(condition=models.Q(('opens_at__lt', models.F('closes_at'))), name='assessment_opens_before_it_closes'),
                ),
                migrations.AddConstraint(
                    model_name='response',
                    constraint=models.UniqueConstraint(fields=('assessment', 'instrument', 'version'), name='one_response_version_per_instrument'),
                ),
                migrations.AddConstraint(
                    model_name='safetyevent',
                    constraint=models.UniqueConstraint(fields=('response', 'flag'), name='one_safety_event_per_response_flag'),
                ),
            ],
        ),
        _content_types(
            "program_sessions",
            "questionnaires",
            ["assessment", "response", "safetyevent", "historicalresponse", "historicalsafetyevent"],
        ),
    ]
