# The outbox records when a send attempt starts handing its message to the mail server, so the
# sweep can tell a sender that stopped before that moment (nothing can have arrived: send it
# again) from one that stopped after it (it may have arrived: a reminder becomes "unknown").

from django.db import migrations, models


def sending_rows_may_have_been_handed_over(apps, schema_editor):
    # Rows held by a sender while this runs were claimed without the record: assume the
    # message went to the mail server, so the sweep never sends one of them twice.
    Notification = apps.get_model("program_sessions", "Notification")
    Notification.objects.filter(status="sending").update(handed_over_at=models.F("claimed_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("program_sessions", "0006_history_of_responses_safety_events_preferences"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="handed_over_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the current attempt began giving the message to the mail server; a sender that stops after this may have delivered it, one that stops before has not.",
                null=True,
            ),
        ),
        migrations.RunPython(
            sending_rows_may_have_been_handed_over, migrations.RunPython.noop, elidable=True
        ),
    ]
