"""Reads with access rules for assessments, responses and safety events.

Staff reach session objects through the cohorts they may see (programs.selectors); a
participant reaches only their own. Facilitator notes are never returned for a participant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.consent import consent_current_accepted
from accounts.models import User
from programs.access import (
    cohort_list_for_staff,
    enrollment_list_for_participant,
    enrollment_list_joined_for_participant,
)
from programs.models import Cohort, Enrollment
from sessions.questionnaires.models import Assessment, Response, SafetyEvent


def assessment_list_due_for_enrollment(
    *, enrollment: Enrollment, now: dt.datetime | None = None
) -> list[Assessment]:
    """A participant's questionnaires open now or opening within a week, not yet done, soonest first."""
    now = now or timezone.now()
    return list(
        enrollment.assessments.filter(
            completed_at__isnull=True, closes_at__gt=now, opens_at__lte=now + dt.timedelta(days=7)
        )
        .select_related("measurement_point")
        .order_by("closes_at")
    )


def assessment_list_due_for_enrollments(
    *, enrollments: Sequence[Enrollment], now: dt.datetime | None = None
) -> list[Assessment]:
    """As assessment_list_due_for_enrollment, for several of a participant's courses in one query."""
    now = now or timezone.now()
    return list(
        Assessment.objects.filter(
            enrollment_id__in=[e.pk for e in enrollments],
            completed_at__isnull=True,
            closes_at__gt=now,
            opens_at__lte=now + dt.timedelta(days=7),
        )
        .select_related("measurement_point")
        .order_by("closes_at", "pk")
    )


def assessment_get_for_participant(*, user: User, pk: int) -> Assessment:
    """One of the participant's own questionnaire sets in a course they accepted, or 404 (staff
    included: they have their own pages). An invitation not accepted yet takes no answers."""
    try:
        return Assessment.objects.select_related(
            "measurement_point", "enrollment__cohort__organization"
        ).get(pk=pk, enrollment__in=enrollment_list_joined_for_participant(user=user))
    except Assessment.DoesNotExist:
        raise Http404 from None


def response_map_for_assessment(*, assessment: Assessment) -> dict[str, Response]:
    """The latest version of each instrument's response in an assessment, by instrument code."""
    latest: dict[str, Response] = {}
    for response in Response.objects.filter(assessment=assessment).order_by(
        "instrument", "version"
    ):
        latest[response.instrument] = response
    return latest


def safety_event_list_open_for_staff(
    *, user: User, cohort: Cohort | None = None
) -> list[SafetyEvent]:
    """Safety events nobody has acknowledged yet, in cohorts the user runs (or in one of them), oldest first."""
    events = SafetyEvent.objects.filter(
        acknowledged_at__isnull=True, enrollment__cohort__in=cohort_list_for_staff(user=user)
    )
    if cohort is not None:
        events = events.filter(enrollment__cohort=cohort)
    return list(
        events.select_related("enrollment__user", "enrollment__cohort", "response").order_by(
            "raised_at", "pk"
        )
    )


def safety_event_get_for_staff(*, user: User, pk: int) -> SafetyEvent:
    """A safety event (open or acknowledged) of a cohort the user coordinates or facilitates, or 404."""
    try:
        return SafetyEvent.objects.select_related(
            "enrollment__user", "enrollment__cohort", "response", "acknowledged_by"
        ).get(pk=pk, enrollment__cohort__in=cohort_list_for_staff(user=user))
    except SafetyEvent.DoesNotExist:
        raise Http404 from None


def assessment_list_for_cohort(*, cohort: Cohort) -> QuerySet[Assessment]:
    """Every assessment of a cohort's participants (the caller may already see the cohort)."""
    return Assessment.objects.filter(enrollment__cohort=cohort).order_by("opens_at", "pk")


def assessment_ids_started_for_cohort(*, cohort: Cohort) -> set[int]:
    """Assessments of the cohort in which at least one answer (or a deliberate skip) was saved."""
    return set(
        Response.objects.filter(assessment__enrollment__cohort=cohort)
        .exclude(answers={})
        .values_list("assessment_id", flat=True)
        .distinct()
    )


def response_list_submitted_for_cohort(*, cohort: Cohort) -> QuerySet[Response]:
    """Every submitted response (all versions) of a cohort's participants, with its measurement point."""
    return (
        Response.objects.filter(assessment__enrollment__cohort=cohort, submitted_at__isnull=False)
        .select_related("assessment__measurement_point")
        .order_by("assessment__opens_at", "instrument", "version")
    )


def response_list_submitted_for_participant(*, user: User) -> QuerySet[Response]:
    """The participant's own submitted responses (all versions), never anyone else's."""
    return (
        Response.objects.filter(
            assessment__enrollment__in=enrollment_list_for_participant(user=user),
            submitted_at__isnull=False,
        )
        .select_related("assessment__measurement_point", "assessment__enrollment__cohort__program")
        .order_by("assessment__opens_at", "instrument", "version")
    )


def assessment_ids_started(*, assessments: list[Assessment]) -> set[int]:
    """Which of these assessments have at least one answer saved (a response is made at the first)."""
    return set(
        Response.objects.filter(assessment__in=assessments).values_list("assessment_id", flat=True)
    )


def assessment_get_for_staff(*, user: User, pk: int) -> Assessment:
    """A questionnaire set of a participant in a cohort the user coordinates or facilitates, or 404.

    With `participant_has_current_consent`, which staff entry of answers depends on, read in
    the same query.
    """
    try:
        return (
            Assessment.objects.select_related(
                "measurement_point", "enrollment__user", "enrollment__cohort__organization"
            )
            .annotate(
                participant_has_current_consent=consent_current_accepted(
                    OuterRef("enrollment__user_id")
                )
            )
            .get(pk=pk, enrollment__cohort__in=cohort_list_for_staff(user=user))
        )
    except Assessment.DoesNotExist:
        raise Http404 from None


def response_list_versions(*, assessment: Assessment, instrument: str) -> list[Response]:
    """Every version of one instrument's response in an assessment (already fetched for the user), oldest first."""
    return list(
        Response.objects.filter(assessment=assessment, instrument=instrument)
        .select_related("entered_by")
        .order_by("version")
    )
