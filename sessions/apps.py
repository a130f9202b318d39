from typing import Any

from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # "sessions" is django.contrib.sessions' label; ours is part of table names and
    # migrations, so it is chosen once and never renamed.
    label = "program_sessions"
    verbose_name = "Sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from programs.signals import cohort_schedule_changed, enrollment_schedule_changed

        cohort_schedule_changed.connect(_sync_cohort, dispatch_uid="sessions.sync_cohort")
        enrollment_schedule_changed.connect(
            _sync_enrollment, dispatch_uid="sessions.sync_enrollment"
        )


def _sync_cohort(sender: Any, *, cohort: Any, **kwargs: Any) -> None:
    from sessions.services.schedule import schedule_sync_for_cohort
    from sessions.signals import schedule_changed

    schedule_sync_for_cohort(cohort=cohort)
    schedule_changed.send(sender=sender, cohort=cohort)


def _sync_enrollment(sender: Any, *, enrollment: Any, **kwargs: Any) -> None:
    from sessions.services.schedule import schedule_sync_for_enrollment
    from sessions.signals import schedule_changed

    schedule_sync_for_enrollment(enrollment=enrollment)
    # Sent even when no session moved: an arm or status change moves questionnaire windows.
    schedule_changed.send(sender=sender, enrollment=enrollment)
