"""Reads with access rules for assessments, responses and safety events.

One access function per object type, each an application of programs.access (whoever sees the
cohort or the enrollment sees what hangs off it; anyone else gets 404):

- an assessment: `assessment_get_for_participant` (their own, in a course they accepted) and
  `assessment_get_for_staff` (in a cohort the user coordinates or facilitates);
- a response: `response_list_for_participant` / `response_list_for_staff` (no address names a
  single response: pages reach responses through an assessment, or list them);
- a safety event: `safety_event_get_for_staff` (participants never see one).

The other reads here take an object the caller already got through one of these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.consent import consent_current_accepted
from accounts.models import User
from programs.access import (
    enrollment_list_for_participant,
    get_for_participant,
    get_for_staff,
    staff_filter,
)
from programs.instrument_library import Instrument
from programs.models import Cohort, Enrollment, EnrollmentStatus, MeasurementPoint
from programs.selectors import enrollment_list_for_cohort
from sessions.questionnaires.models import Assessment, Response, SafetyEvent, WindowChange
from sessions.questionnaires.services.responses import ResponseError, instrument_for_assessment

# --- assessments ------------------------------------------------------------------------------


def assessment_get_for_participant(*, user: User, pk: int) -> Assessment:
    """One of the participant's own questionnaire sets in a course they accepted, or 404 (staff
    included: they have their own pages). An invitation not accepted yet takes no answers."""
    return get_for_participant(
        Assessment.objects.select_related("measurement_point", "enrollment__cohort__organization"),
        user=user,
        pk=pk,
        via="enrollment",
    )


def assessment_get_for_staff(*, user: User, pk: int) -> Assessment:
    """A questionnaire set of a participant in a cohort the user coordinates or facilitates, or 404.

    With `participant_has_current_consent`, which staff entry of answers depends on, read in
    the same query.
    """
    return get_for_staff(
        Assessment.objects.select_related(
            "measurement_point", "enrollment__user", "enrollment__cohort__organization"
        ).annotate(
            participant_has_current_consent=consent_current_accepted(
                OuterRef("enrollment__user_id")
            )
        ),
        user=user,
        pk=pk,
        via="enrollment__cohort",
    )


def assessment_instrument_get(*, assessment: Assessment, code: str) -> Instrument:
    """An instrument the assessment (already fetched for the user) asks; any other code is 404."""
    try:
        return instrument_for_assessment(assessment=assessment, code=code)
    except ResponseError:
        raise Http404 from None


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


def assessment_list_current_for_enrollments(
    *, enrollments: Sequence[Enrollment], now: dt.datetime | None = None
) -> list[Assessment]:
    """A participant's questionnaire sets (of courses already fetched as theirs) whose window has
    not closed and opens within a week, done or not, soonest closing first (the home's tasks)."""
    now = now or timezone.now()
    return list(
        Assessment.objects.filter(
            enrollment_id__in=[e.pk for e in enrollments],
            closes_at__gt=now,
            opens_at__lte=now + dt.timedelta(days=7),
        )
        .select_related("measurement_point")
        .order_by("closes_at", "pk")
    )


def assessment_next_opening(
    *, enrollments: Sequence[Enrollment], now: dt.datetime | None = None
) -> Assessment | None:
    """The participant's next questionnaire set to open later than a week from now (a follow-up
    months after the course, say), so the home page can say when; one query."""
    now = now or timezone.now()
    return (
        Assessment.objects.filter(
            enrollment_id__in=[e.pk for e in enrollments],
            opens_at__gt=now + dt.timedelta(days=7),
            completed_at__isnull=True,
        )
        .select_related("measurement_point")
        .order_by("opens_at", "pk")
        .first()
    )


def assessment_instruments_answered(
    *, assessments: Sequence[Assessment]
) -> dict[int, tuple[bool, set[str]]]:
    """Per assessment: whether any answer was saved, and the instrument codes already sent
    (one query, whatever the number of assessments)."""
    found: dict[int, tuple[bool, set[str]]] = {a.pk: (False, set()) for a in assessments}
    rows = (
        Response.objects.filter(assessment__in=[a.pk for a in assessments])
        .exclude(answers={})
        .values_list("assessment_id", "instrument", "submitted_at")
    )
    for assessment_id, instrument, submitted_at in rows:
        sent = found[assessment_id][1]
        if submitted_at is not None:
            sent.add(instrument)
        found[assessment_id] = (True, sent)
    return found


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


def assessment_ids_started(*, assessments: list[Assessment]) -> set[int]:
    """Which of these assessments have at least one answer saved (a response is made at the first)."""
    return set(
        Response.objects.filter(assessment__in=assessments).values_list("assessment_id", flat=True)
    )


def measurement_point_list_asked(*, cohort: Cohort) -> list[MeasurementPoint]:
    """The measurement points of the cohort's program that ask any questionnaire, in plan order."""
    return [p for p in cohort.program.measurement_points.order_by("id") if p.instruments]


def enrollment_list_with_consent_for_cohort(*, cohort: Cohort) -> list[Enrollment]:
    """The roster of a cohort the caller may see, each enrollment with `has_current_consent`
    (its person agreed to the consent in force), so a list page decides staff entry for every
    row in the query it makes anyway."""
    return list(
        enrollment_list_for_cohort(cohort=cohort).annotate(
            has_current_consent=consent_current_accepted(OuterRef("user_id"))
        )
    )


# --- responses --------------------------------------------------------------------------------


def response_list_latest_submitted() -> QuerySet[Response]:
    """The latest submitted version of every response: a correction replaces what it corrects,
    drafts never count. What the exports, the FHIR Bundle and the API share; each narrows it to
    the participants its caller may see."""
    newer = Response.objects.filter(
        assessment_id=OuterRef("assessment_id"),
        instrument=OuterRef("instrument"),
        version__gt=OuterRef("version"),
        submitted_at__isnull=False,
    )
    return Response.objects.filter(submitted_at__isnull=False).exclude(Exists(newer))


def response_list_for_participant(*, user: User) -> QuerySet[Response]:
    """The participant's own responses (all versions), in their own courses, never anyone else's."""
    return Response.objects.filter(
        assessment__enrollment__in=enrollment_list_for_participant(user=user)
    )


def response_list_for_staff(*, user: User) -> QuerySet[Response]:
    """Responses (all versions) of participants in cohorts the user coordinates or facilitates."""
    return Response.objects.filter(staff_filter(user=user, via="assessment__enrollment__cohort"))


def response_map_for_assessment(*, assessment: Assessment) -> dict[str, Response]:
    """The latest version of each instrument's response in an assessment, by instrument code."""
    latest: dict[str, Response] = {}
    for response in Response.objects.filter(assessment=assessment).order_by(
        "instrument", "version"
    ):
        latest[response.instrument] = response
    return latest


def response_list_versions_for_staff(
    *, user: User, assessment: Assessment, instrument: str
) -> list[Response]:
    """Every version of one instrument's response in an assessment of a cohort the user runs, oldest first."""
    return list(
        response_list_for_staff(user=user)
        .filter(assessment=assessment, instrument=instrument)
        .select_related("entered_by")
        .order_by("version")
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
        response_list_for_participant(user=user)
        .filter(submitted_at__isnull=False)
        .select_related("assessment__measurement_point", "assessment__enrollment__cohort__program")
        .order_by("assessment__opens_at", "instrument", "version")
    )


# --- safety events ----------------------------------------------------------------------------


def safety_event_get_for_staff(*, user: User, pk: int) -> SafetyEvent:
    """A safety event (open or acknowledged) of a cohort the user coordinates or facilitates, or 404."""
    return get_for_staff(
        SafetyEvent.objects.select_related(
            "enrollment__user", "enrollment__cohort", "response", "acknowledged_by"
        ),
        user=user,
        pk=pk,
        via="enrollment__cohort",
    )


def safety_event_list_open_for_staff(
    *, user: User, cohort: Cohort | None = None, enrollment: Enrollment | None = None
) -> list[SafetyEvent]:
    """Safety events nobody has acknowledged yet, in cohorts the user runs (or in one of them,
    or of one participant), oldest first."""
    events = SafetyEvent.objects.filter(
        staff_filter(user=user, via="enrollment__cohort"), acknowledged_at__isnull=True
    )
    if cohort is not None:
        events = events.filter(enrollment__cohort=cohort)
    if enrollment is not None:
        events = events.filter(enrollment=enrollment)
    return list(
        events.select_related(
            "enrollment__user", "enrollment__cohort__organization", "response"
        ).order_by("raised_at", "pk")
    )


def safety_event_list_for_cohort(*, cohort: Cohort) -> list[SafetyEvent]:
    """Every safety event of a cohort (one already reached through programs.access for staff),
    open and acknowledged, newest first, with what the history page shows of each; one query."""
    return list(
        SafetyEvent.objects.filter(enrollment__cohort=cohort)
        .select_related("enrollment__user", "response", "acknowledged_by")
        .order_by("-raised_at", "-pk")
    )


def safety_event_exists_for_response(*, response: Response) -> bool:
    """Whether answers (a new correction, say) raised a safety event."""
    return SafetyEvent.objects.filter(response=response).exists()


# --- one participant, for the staff page that sums them up (reports) -----------------------
# Each takes an enrollment the caller already fetched through programs.access for staff.


def enrollment_get_with_consent(*, enrollment: Enrollment) -> Enrollment:
    """The enrollment again, with `has_current_consent` (as enrollment_list_with_consent_for_cohort)."""
    return (
        Enrollment.objects.select_related("cohort__program", "cohort__organization", "user")
        .annotate(has_current_consent=consent_current_accepted(OuterRef("user_id")))
        .get(pk=enrollment.pk)
    )


def assessment_list_for_enrollment(*, enrollment: Enrollment) -> QuerySet[Assessment]:
    """One participant's questionnaire sets, with their measurement points."""
    return (
        Assessment.objects.filter(enrollment=enrollment)
        .select_related("measurement_point")
        .order_by("opens_at", "pk")
    )


def response_list_submitted_for_enrollment(*, enrollment: Enrollment) -> QuerySet[Response]:
    """One participant's submitted responses (all versions), with their measurement points."""
    return (
        Response.objects.filter(assessment__enrollment=enrollment, submitted_at__isnull=False)
        .select_related("assessment__measurement_point")
        .order_by("assessment__opens_at", "instrument", "version")
    )


def safety_event_list_for_enrollment(*, enrollment: Enrollment) -> list[SafetyEvent]:
    """One participant's safety events, open and acknowledged, latest first."""
    return list(
        SafetyEvent.objects.filter(enrollment=enrollment)
        .select_related("response", "acknowledged_by")
        .order_by("-raised_at", "-pk")
    )


def assessment_list_to_chase_for_cohorts(
    *, cohort_ids: list[int], closed_since: dt.datetime, closing_before: dt.datetime
) -> list[Assessment]:
    """Questionnaires of these cohorts' participants (cohorts already reached through
    programs.access) not completed whose window closed after `closed_since` or closes before
    `closing_before`, soonest closing first; withdrawn participants are left out."""
    return list(
        Assessment.objects.filter(
            enrollment__cohort_id__in=cohort_ids,
            completed_at__isnull=True,
            closes_at__gt=closed_since,
            closes_at__lte=closing_before,
        )
        .exclude(enrollment__status=EnrollmentStatus.WITHDRAWN)
        .select_related("measurement_point", "enrollment__user", "enrollment__cohort")
        .order_by("closes_at", "pk")
    )


def window_change_latest_by_assessment(
    *, enrollments: Sequence[Enrollment]
) -> dict[int, WindowChange]:
    """The latest window change (extended or reopened) of each of these participants'
    assessments, by assessment id, in one query (enrollments already reached by staff)."""
    changes = WindowChange.objects.filter(
        assessment__enrollment__in=[e.pk for e in enrollments]
    ).select_related("changed_by")
    return {c.assessment_id: c for c in changes.order_by("changed_at", "pk")}


def window_change_list_for_assessment(*, assessment: Assessment) -> list[WindowChange]:
    """Every change of this assessment's window, oldest first (assessment reached by staff)."""
    return list(assessment.window_changes.select_related("changed_by").order_by("changed_at", "pk"))
