"""What the numbers say: report definitions, summaries, charts, outcomes, exports and their records."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "sessions.reports"
    label = "reports"
    verbose_name = "Reports"
    default_auto_field = "django.db.models.BigAutoField"
