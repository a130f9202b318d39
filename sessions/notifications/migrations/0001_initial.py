# The models below lived in the sessions app (program_sessions) until the nested apps were made.
# Their tables keep their names (Meta.db_table), so this migration moves only Django's picture of
# them (SeparateDatabaseAndState: state operations, no database operations) and their content
# types; not a row of data is touched.

import datetime

import django.core.validators
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
        ('accounts', '0005_audit_log_refuses_truncate'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('program_sessions', '0007_notification_handed_over_at'),
        ('programs', '0007_enrollment_accepted_and_typed_details'),
        ('questionnaires', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('session_24h', 'Session coming up (the day before)'), ('session_1h', 'Session coming up (an hour before)'), ('questionnaire_open', 'Check-in ready'), ('questionnaire_closing', 'Check-in closing soon'), ('practice_nudge', 'Daily practice reminder'), ('missed_session', 'Missed session: the material'), ('invitation', 'Invitation to join'), ('follow_up_todo', 'Missed session: a follow-up to do'), ('attendance_missing', 'Attendance not yet recorded'), ('safety_alert', 'Answer that needs a follow-up'), ('weekly_digest', 'Weekly summary')], max_length=30)),
                        ('dedupe_key', models.CharField(max_length=200, unique=True)),
                        ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sending', 'Being sent'), ('sent', 'Sent'), ('failed', 'Failed'), ('unknown', 'Unknown: the sender stopped mid-way'), ('skipped', 'Not sent'), ('cancelled', 'Cancelled')], default='pending', max_length=20)),
                        ('send_at', models.DateTimeField(help_text='When it may go out (UTC), after quiet hours.')),
                        ('about_time', models.DateTimeField(blank=True, help_text='The session start or questionnaire time it was planned for; a change makes it stale.', null=True)),
                        ('for_date', models.DateField(blank=True, help_text="The recipient's local day (practice) or week (digest).", null=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('queued_at', models.DateTimeField(blank=True, null=True)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('handed_over_at', models.DateTimeField(blank=True, help_text='When the current attempt began giving the message to the mail server; a sender that stops after this may have delivered it, one that stops before has not.', null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('message_id', models.CharField(blank=True, max_length=200)),
                        ('last_error', models.CharField(blank=True, max_length=500)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'db_table': 'program_sessions_notification',
                        'ordering': ['-send_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Preferences',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('session_reminders', models.BooleanField(default=True, verbose_name='Reminder the day before each session')),
                        ('session_reminder_1h', models.BooleanField(default=False, verbose_name='Another reminder an hour before each session')),
                        ('questionnaire_reminders', models.BooleanField(default=True, verbose_name='Tell me when a check-in is ready and before it closes')),
                        ('missed_session_material', models.BooleanField(default=True, verbose_name='Send me the material when I miss a session')),
                        ('practice_nudges', models.BooleanField(default=False, verbose_name='A daily practice reminder')),
                        ('practice_nudge_time', models.TimeField(default=datetime.time(19, 0), verbose_name='Time for the practice reminder')),
                        ('quiet_hours_start', models.TimeField(default=datetime.time(21, 0), verbose_name='Quiet from')),
                        ('quiet_hours_end', models.TimeField(default=datetime.time(8, 0), verbose_name='Quiet until')),
                        ('daily_cap', models.PositiveSmallIntegerField(default=3, help_text='Session reminders do not count towards it.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(20)], verbose_name='Most reminders in one day')),
                        ('questionnaire_layout', models.CharField(choices=[('one_question', 'One question on each page'), ('whole', 'A whole questionnaire on one page')], default='one_question', max_length=20, verbose_name='How to show questionnaires')),
                        ('weekly_digest', models.BooleanField(default=True, verbose_name='A weekly summary of my cohorts')),
                        ('digest_weekday', models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')], default=0, verbose_name='Day for the weekly summary')),
                        ('staff_alerts', models.BooleanField(default=True, verbose_name='Attendance and follow-up reminders')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'verbose_name_plural': 'preferences',
                        'db_table': 'program_sessions_preferences',
                    },
                ),
                migrations.CreateModel(
                    name='WorkerHeartbeat',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True)),
                        ('beat_at', models.DateTimeField()),
                        ('count', models.PositiveBigIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'program_sessions_workerheartbeat',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalPreferences',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('session_reminders', models.BooleanField(default=True, verbose_name='Reminder the day before each session')),
                        ('session_reminder_1h', models.BooleanField(default=False, verbose_name='Another reminder an hour before each session')),
                        ('questionnaire_reminders', models.BooleanField(default=True, verbose_name='Tell me when a check-in is ready and before it closes')),
                        ('missed_session_material', models.BooleanField(default=True, verbose_name='Send me the material when I miss a session')),
                        ('practice_nudges', models.BooleanField(default=False, verbose_name='A daily practice reminder')),
                        ('practice_nudge_time', models.TimeField(default=datetime.time(19, 0), verbose_name='Time for the practice reminder')),
                        ('quiet_hours_start', models.TimeField(default=datetime.time(21, 0), verbose_name='Quiet from')),
                        ('quiet_hours_end', models.TimeField(default=datetime.time(8, 0), verbose_name='Quiet until')),
                        ('daily_cap', models.PositiveSmallIntegerField(default=3, help_text='Session reminders do not count towards it.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(20)], verbose_name='Most reminders in one day')),
                        ('questionnaire_layout', models.CharField(choices=[('one_question', 'One question on each page'), ('whole', 'A whole questionnaire on one page')], default='one_question', max_length=20, verbose_name='How to show questionnaires')),
                        ('weekly_digest', models.BooleanField(default=True, verbose_name='A weekly summary of my cohorts')),
                        ('digest_weekday', models.PositiveSmallIntegerField(choices=[(0, 'Monday'), (1, 'Tuesday'), (2, 'Wednesday'), (3, 'Thursday'), (4, 'Friday'), (5, 'Saturday'), (6, 'Sunday')], default=0, verbose_name='Day for the weekly summary')),
                        ('staff_alerts', models.BooleanField(default=True, verbose_name='Attendance and follow-up reminders')),
                        ('updated_at', models.DateTimeField(blank=True, editable=False)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical preferences',
                        'verbose_name_plural': 'historical preferences',
                        'db_table': 'program_sessions_historicalpreferences',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.AddField(
                    model_name='notification',
                    name='assessment',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='questionnaires.assessment'),
                ),
                migrations.AddField(
                    model_name='notification',
                    name='cohort',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='programs.cohort'),
                ),
                migrations.AddField(
                    model_name='notification',
                    name='enrollment',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='programs.enrollment'),
                ),
                migrations.AddField(
                    model_name='notification',
                    name='follow_up',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='program_sessions.followup'),
                ),
                migrations.AddField(
                    model_name='notification',
                    name='invitation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.invitation'),
                ),
                migrations.AddField(
                    model_name='notification',
                    name='recipient',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AddField(
                    model_name='notification',
                    name='requested_by',
                    field=models.ForeignKey(blank=True, help_text="Staff member who pressed 'send now'; empty when planned.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AddField(
                    model_name='notification',
                    name='safety_event',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='questionnaires.safetyevent'),
                ),
                migrations.AddField(
                    model_name='notification',
                    name='scheduled_session',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='program_sessions.scheduledsession'),
                ),
                migrations.AddField(
                    model_name='preferences',
                    name='user',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='preferences', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(condition=models.Q(('status', 'pending')), fields=['send_at'], name='notification_pending_due'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(fields=['recipient', 'sent_at'], name='notification_recipient_sent'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(fields=['enrollment', '-send_at'], name='notification_enrollment'),
                ),
                migrations.AddConstraint(
                    model_name='preferences',
                    constraint=models.CheckConstraint(condition=models.Q(('daily_cap__gte', 1), ('daily_cap__lte', 20)), name='preferences_daily_cap_range'),
                ),
            ],
        ),
        _content_types(
            "program_sessions",
            "notifications",
            ["notification", "preferences", "historicalpreferences", "workerheartbeat"],
        ),
    ]
