"""Reads with access rules for scheduled sessions, attendance, notes and practice logs.

Staff reach session objects through the cohorts they may see (programs.selectors); a
participant reaches only their own. Facilitator notes are never returned for a participant.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from programs.models import Enrollment
from programs.selectors import cohort_list_for_staff, enrollment_list_for_participant

from .models import PracticeLog, ScheduledSession


def scheduled_session_get_for_staff(*, user: User, pk: int) -> ScheduledSession:
    """A session of a cohort the user coordinates or facilitates, or 404."""
    try:
        return ScheduledSession.objects.select_related(
            "cohort__program", "cohort__organization", "program_session", "enrollment__user"
        ).get(pk=pk, cohort__in=cohort_list_for_staff(user=user))
    except ScheduledSession.DoesNotExist:
        raise Http404 from None


def scheduled_session_list_for_participant(*, user: User) -> QuerySet[ScheduledSession]:
    """Every live session of the participant's courses: their group's, and their own one-on-one ones."""
    enrollments = enrollment_list_for_participant(user=user).filter(arm="intervention")
    return (
        ScheduledSession.objects.active()
        .filter(
            Q(enrollment__in=enrollments)
            | Q(enrollment__isnull=True, cohort__enrollments__in=enrollments)
        )
        .select_related("cohort__program", "program_session")
        .distinct()
        .order_by("starts_at")
    )


def scheduled_session_get_for_participant(*, user: User, pk: int) -> ScheduledSession:
    """One of the participant's own sessions, or 404."""
    try:
        return scheduled_session_list_for_participant(user=user).get(pk=pk)
    except ScheduledSession.DoesNotExist:
        raise Http404 from None


def scheduled_session_list_for_facilitator(*, user: User) -> QuerySet[ScheduledSession]:
    """Every live session of every cohort the user may see as staff (their calendar)."""
    return (
        ScheduledSession.objects.active()
        .filter(cohort__in=cohort_list_for_staff(user=user))
        .select_related("cohort__program", "program_session", "enrollment")
        .order_by("starts_at")
    )


def practice_log_list_for_enrollment(*, enrollment: Enrollment) -> QuerySet[PracticeLog]:
    return PracticeLog.objects.filter(enrollment=enrollment).order_by("-date", "-created_at")


def practice_log_get_for_participant(*, user: User, pk: int) -> PracticeLog:
    """One of the participant's own practice entries, or 404."""
    try:
        return PracticeLog.objects.select_related("enrollment__cohort__program").get(
            pk=pk, enrollment__in=enrollment_list_for_participant(user=user)
        )
    except PracticeLog.DoesNotExist:
        raise Http404 from None
