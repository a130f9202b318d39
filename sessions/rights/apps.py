"""Participant rights: downloading one's data, leaving a course, erasure."""

from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "sessions.rights"
    label = "rights"
    verbose_name = "Participant rights"
    default_auto_field = "django.db.models.BigAutoField"
