"""What an API token may read: every queryset the endpoints serve, scoped to one organization.

The API's selectors. A token stands for its organization, as a coordinator does on the pages
(programs/access.py: coordinators see every cohort of their organization), so each function
here takes the organization and starts from its cohorts; another organization's row is never in
a list, and asking for it by id is 404, as if it did not exist.

Each list selects what its serializer reads (select_related / prefetch), so a page of any size
costs the same fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Count, Model, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from programs.models import Cohort, Enrollment, MeasurementPoint, Program
from sessions.models import Attendance, PracticeLog, ScheduledSession
from sessions.questionnaires.models import Assessment, Response
from sessions.questionnaires.selectors import response_list_latest_submitted
from sessions.trials.models import Allocation, AllocationCorrection

M = TypeVar("M", bound=Model)

# Ids in URLs are digits only, but may be longer than a database integer holds.
MAX_ID = 2**31 - 1


def record_get(queryset: QuerySet[M], *, pk: str | int) -> M:
    """Row `pk` (as it came in the path) of an organization-scoped queryset, or 404 (never a
    hint that it exists elsewhere)."""
    if not (str(pk).isdigit() and 0 < int(pk) <= MAX_ID):
        raise Http404
    found = queryset.filter(pk=int(pk)).first()
    if found is None:
        raise Http404
    return found


def cohort_list(*, organization_id: int) -> QuerySet[Cohort]:
    return Cohort.objects.filter(organization_id=organization_id).select_related("program")


def enrollment_list(*, organization_id: int) -> QuerySet[Enrollment]:
    # The user rides along for tokens that may read names and addresses (one join, not a query
    # per row).
    return Enrollment.objects.filter(cohort__organization_id=organization_id).select_related(
        "cohort__program", "user"
    )


def scheduled_session_list(*, organization_id: int) -> QuerySet[ScheduledSession]:
    return ScheduledSession.objects.filter(cohort__organization_id=organization_id).select_related(
        "cohort__program", "program_session", "enrollment"
    )


def attendance_list(*, organization_id: int) -> QuerySet[Attendance]:
    return Attendance.objects.filter(
        scheduled_session__cohort__organization_id=organization_id
    ).select_related(
        "enrollment", "scheduled_session__program_session", "scheduled_session__cohort__program"
    )


def practice_enrollment_list(*, organization_id: int) -> QuerySet[Enrollment]:
    """The enrollments whose practice is summed (one summary each), without their people."""
    return Enrollment.objects.filter(cohort__organization_id=organization_id).select_related(
        "cohort__program"
    )


def practice_day_totals(
    *,
    enrollment_ids: Iterable[int],
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[PracticeLog, dict[str, Any]]:
    """Per enrollment and day: entries and minutes logged (one query for a page of enrollments)."""
    logs = PracticeLog.objects.filter(enrollment_id__in=list(enrollment_ids))
    if since is not None:
        logs = logs.filter(date__gte=since)
    if until is not None:
        logs = logs.filter(date__lte=until)
    return (
        logs.values("enrollment_id", "date")
        .annotate(entries=Count("pk"), minutes=Sum("minutes"))
        .order_by("enrollment_id", "date")
    )


def assessment_list(*, organization_id: int) -> QuerySet[Assessment]:
    return Assessment.objects.filter(
        enrollment__cohort__organization_id=organization_id
    ).select_related("enrollment__cohort__program", "measurement_point")


def response_list(*, organization_id: int) -> QuerySet[Response]:
    """The latest submitted version of every response (a correction replaces what it corrects,
    as in the exports); drafts are never shared."""
    return (
        response_list_latest_submitted()
        .filter(assessment__enrollment__cohort__organization_id=organization_id)
        .select_related("assessment__enrollment__cohort__program", "assessment__measurement_point")
    )


def allocation_list(*, organization_id: int) -> QuerySet[Allocation]:
    return (
        Allocation.objects.filter(enrollment__cohort__organization_id=organization_id)
        .select_related("study", "arm", "enrollment__cohort__program")
        .prefetch_related(
            Prefetch(
                "corrections", queryset=AllocationCorrection.objects.select_related("arm_after")
            )
        )
    )


def instrument_codes_used(*, organization_id: int) -> set[str]:
    """Instruments the organization's programs ask: those its cohorts run and its own programs.

    Another organization's own instruments (none today, but programs are authored) stay unseen.
    """
    programs = Program.objects.filter(
        Q(organization_id=organization_id) | Q(cohorts__organization_id=organization_id)
    ).values("pk")
    codes: set[str] = set()
    for required, optional in MeasurementPoint.objects.filter(program_id__in=programs).values_list(
        "instruments", "optional_instruments"
    ):
        codes.update(required or [])
        codes.update(optional or [])
    return codes


@dataclass
class PracticeWeek:
    week: int
    starts_on: dt.date
    days_practised: int = 0
    minutes: int = 0
    entries: int = 0


@dataclass
class PracticeSummary:
    enrollment: int
    participant_code: str
    cohort: int
    program: str
    course_starts_on: dt.date
    days_practised: int = 0
    minutes: int = 0
    entries: int = 0
    weeks: list[PracticeWeek] = field(default_factory=list)


def practice_summaries(
    enrollments: Iterable[Enrollment], day_totals: Iterable[dict[str, Any]]
) -> list[PracticeSummary]:
    """Each enrollment's practice added up, overall and per week of its course.

    Week 1 is the seven days from the course's start (a one-on-one participant's own start
    date, else the cohort's), as the participant's pages count weeks.
    """
    by_enrollment: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in day_totals:
        by_enrollment[row["enrollment_id"]].append(row)
    summaries = []
    for enrollment in enrollments:
        start = enrollment.start_date or enrollment.cohort.start_date
        summary = PracticeSummary(
            enrollment=enrollment.pk,
            participant_code=enrollment.participant_code,
            cohort=enrollment.cohort_id,
            program=enrollment.cohort.program.slug,
            course_starts_on=start,
        )
        weeks: dict[int, PracticeWeek] = {}
        for row in by_enrollment[enrollment.pk]:
            number = (row["date"] - start).days // 7 + 1
            week = weeks.setdefault(
                number, PracticeWeek(number, start + dt.timedelta(days=7 * (number - 1)))
            )
            for totals in (week, summary):
                totals.days_practised += 1
                totals.minutes += row["minutes"] or 0
                totals.entries += row["entries"]
        summary.weeks = [weeks[n] for n in sorted(weeks)]
        summaries.append(summary)
    return summaries
