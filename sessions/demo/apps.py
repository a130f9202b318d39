"""Demo data (seed_demo); installed by the local and test settings only."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sessions.demo"
    label = "demo"
    verbose_name = "Demo data"
    default_auto_field = "django.db.models.BigAutoField"
