# Change history (django-simple-history) of responses, safety events and preferences.

import datetime
import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('program_sessions', '0005_notifications_and_preferences'),
        ('programs', '0005_history_of_cohorts_and_enrollments'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
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
                ('assessment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='program_sessions.assessment')),
                ('entered_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('supersedes', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='program_sessions.response')),
            ],
            options={
                'verbose_name': 'historical response',
                'verbose_name_plural': 'historical responses',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
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
                ('response', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='program_sessions.response')),
            ],
            options={
                'verbose_name': 'historical safety event',
                'verbose_name_plural': 'historical safety events',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    ]
