"""Messages Stillwater sends: the outbox, preferences, planning, delivery and Celery tasks."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "sessions.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"
