"""Questionnaires as they are answered: assessments, responses, corrections, safety events, results."""

from typing import Any

from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "sessions.questionnaires"
    label = "questionnaires"
    verbose_name = "Questionnaires"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sessions.signals import schedule_changed

        schedule_changed.connect(_follow_schedule, dispatch_uid="questionnaires.follow_schedule")


def _follow_schedule(
    sender: Any, *, cohort: Any = None, enrollment: Any = None, **kwargs: Any
) -> None:
    """Questionnaire windows hang off the first and last session: they move with the schedule."""
    from sessions.questionnaires.services.assessments import (
        assessment_windows_sync,
        assessment_windows_sync_for_cohort,
    )

    if enrollment is not None:
        assessment_windows_sync(enrollment=enrollment)
    else:
        assessment_windows_sync_for_cohort(cohort=cohort)
