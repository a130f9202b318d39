"""The REST API: organization tokens (created and revoked by coordinators) and the endpoints."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sessions.api"
    label = "api"
    verbose_name = "API"
    default_auto_field = "django.db.models.BigAutoField"
