"""Celery entry points: thin wrappers that call services.

The top of the app: tasks import the services, never the other way round (the dispatcher
hands rows to deliver_notification by its registered name, delivery.DELIVER_TASK). The `name=`
strings are what queued messages and the beat schedule carry: they never change.
"""

from typing import Any

from celery import shared_task
from celery.signals import worker_process_shutdown

from sessions.notifications.services.delivery import notification_deliver, notifications_tick
from sessions.notifications.services.heartbeat import heartbeat_record
from sessions.notifications.services.mail_connection import mail_connections_close


@worker_process_shutdown.connect
def close_kept_mail_connection(**kwargs: Any) -> None:
    """A sending process keeps its SMTP connection between messages; it says QUIT on its way out."""
    mail_connections_close()


@shared_task(name="sessions.tasks.record_heartbeat")
def record_heartbeat(name: str = "beat") -> int:
    """Record that the worker ran a beat-scheduled job (idempotent; at-least-once is harmless)."""
    return heartbeat_record(name=name).pk


@shared_task(name="sessions.tasks.tick_notifications")
def tick_notifications() -> dict[str, int]:
    """Plan, tidy and hand out due messages (beat, every minute; a second tick finds nothing new)."""
    return notifications_tick()


@shared_task(
    name="sessions.tasks.deliver_notification",
    acks_late=True,
    reject_on_worker_lost=True,
)
def deliver_notification(notification_id: int) -> str:
    """Send one outbox row. Redelivery (a dead worker, a restarted broker) is harmless: the
    row is claimed before sending, so reminders go at most once and safety alerts at least
    once (see delivery.py)."""
    return notification_deliver(notification_id=notification_id)
