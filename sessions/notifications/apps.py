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
        from sessions.trials.signals import screening_safety_flagged, waitlist_offer_made

        # Registers the Celery tasks in every process, the web's too: the dispatcher hands rows
        # to deliver_notification by name (services/delivery.py), so it must be known here.
        from . import tasks  # noqa: F401

        safety_events_raised.connect(_alert, dispatch_uid="notifications.safety_alert")
        from sessions.trials.signals import allocation_made

        allocation_made.connect(_allocation_made, dispatch_uid="notifications.allocation_made")
        assessment_completed.connect(_stop_reminders, dispatch_uid="notifications.assessment_done")
        screening_safety_flagged.connect(
            _screening_alert, dispatch_uid="notifications.screening_safety_alert"
        )
        waitlist_offer_made.connect(_offer, dispatch_uid="notifications.waitlist_offer")
        from sessions.signals import session_mode_changed

        session_mode_changed.connect(_session_changed, dispatch_uid="notifications.session_changed")


def _alert(sender: Any, *, events: Any, **kwargs: Any) -> None:
    """Write the safety alerts in the answer's own transaction; they leave when it commits."""
    from sessions.notifications.services.outbox import safety_alerts_raise

    safety_alerts_raise(events=events)


def _allocation_made(sender: Any, *, allocation: Any, dedupe_key: str, **kwargs: Any) -> None:
    """The participant is told their group in the allocation's own transaction."""
    from sessions.notifications.services.outbox import allocation_message_write

    allocation_message_write(allocation=allocation, dedupe_key=dedupe_key)


def _stop_reminders(sender: Any, *, assessment: Any, **kwargs: Any) -> None:
    """A finished questionnaire stops its waiting reminders at once."""
    from sessions.notifications.services.outbox import notifications_cancel_for_assessment

    notifications_cancel_for_assessment(assessment=assessment)


def _screening_alert(sender: Any, *, screening: Any, **kwargs: Any) -> None:
    """A screening answer routed to the safety path: the coordinators are told at once."""
    from sessions.notifications.services.outbox import screening_safety_alerts_raise

    screening_safety_alerts_raise(screening=screening)


def _offer(sender: Any, *, screening: Any, by: Any, **kwargs: Any) -> None:
    """A place was offered: the offer e-mail goes in the outbox in the offer's transaction."""
    from sessions.notifications.services.outbox import waitlist_offer_queue

    waitlist_offer_queue(screening=screening, by=by)


def _session_changed(sender: Any, *, session: Any, by: Any, change_id: int, **kwargs: Any) -> None:
    """A session now meets another way: its participants are told in the change's transaction."""
    from sessions.notifications.services.outbox import session_change_queue

    session_change_queue(session=session, by=by, change_id=change_id)
