# Questionnaires and notifications became apps of their own (sessions/questionnaires,
# sessions/notifications), which took over these models and their tables as they are (see their
# 0001 migrations). The sessions app lets go of its picture of them; no table changes.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
        ('program_sessions', '0007_notification_handed_over_at'),
        ('questionnaires', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='Notification'),
                migrations.DeleteModel(name='HistoricalPreferences'),
                migrations.DeleteModel(name='Preferences'),
                migrations.DeleteModel(name='WorkerHeartbeat'),
                migrations.DeleteModel(name='HistoricalSafetyEvent'),
                migrations.DeleteModel(name='SafetyEvent'),
                migrations.DeleteModel(name='HistoricalResponse'),
                migrations.DeleteModel(name='Response'),
                migrations.DeleteModel(name='Assessment'),
            ],
        ),
    ]
