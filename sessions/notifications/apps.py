"""Messages Stillwater sends: the outbox, preferences, planning, delivery and Celery tasks."""

from typing import Any

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "sessions.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sessions.questionnaires.signals import assessment_completed, safety_events_raised

        # Registers the Celery tasks in every process, the web's too: the dispatcher hands rows
        # to deliver_notification by name (services/delivery.py), so it must be known here.
        from . import tasks  # noqa: F401

        safety_events_raised.connect(_alert, dispatch_uid="notifications.safety_alert")
        assessment_completed.connect(_stop_reminders, dispatch_uid="notifications.assessment_done")


def _alert(sender: Any, *, events: Any, **kwargs: Any) -> None:
    """Write the safety alerts in the answer's own transaction; they leave when it commits."""
    from sessions.notifications.services.outbox import safety_alerts_raise

    safety_alerts_raise(events=events)


def _stop_reminders(sender: Any, *, assessment: Any, **kwargs: Any) -> None:
    """A finished questionnaire stops its waiting reminders at once."""
    from sessions.notifications.services.outbox import notifications_cancel_for_assessment

    notifications_cancel_for_assessment(assessment=assessment)
