"""The definitions' rows fetched in a fixed number of queries, however many cohorts and
enrollments they cover; the numbers then come from the pure layer (facts, arms)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from programs.models import Cohort, Delivery, Enrollment, MeasurementKind, Program, ProgramSession
from sessions.models import (
    Attendance,
    PracticeLog,
    ScheduledSession,
    SessionCompletion,
    SessionStatus,
)
from sessions.questionnaires.models import Assessment, SafetyEvent
from sessions.reports.definitions.arms import CohortSummary, summaries_build
from sessions.reports.definitions.facts import EnrollmentFacts, facts_build
from sessions.reports.definitions.rows import (
    AssessmentRow,
    AttendanceRow,
    CompletionRow,
    PracticeDay,
    SessionRow,
)

__all__ = [
    "cohort_summaries",
    "enrollment_facts",
    "open_safety_flag_counts",
    "required_session_counts",
    "self_guided_completion_rows",
]


@dataclass(frozen=True)
class _Rows:
    sessions: list[SessionRow]
    attendances: list[AttendanceRow]
    practice: list[PracticeDay]
    assessments: list[AssessmentRow]
    completions: list[CompletionRow]
    required_sessions: dict[int, int]


def required_session_counts(*, program_ids: Iterable[int]) -> dict[int, int]:
    """Per program: how many of its sessions count towards completion (not optional). One query."""
    return dict(
        ProgramSession.objects.filter(program_id__in=set(program_ids), optional=False)
        .values("program_id")
        .annotate(n=Count("pk"))
        .values_list("program_id", "n")
        .order_by()
    )


def self_guided_completion_rows(*, cohort_ids: Iterable[int]) -> list[CompletionRow]:
    """Weeks participants of self-guided cohorts among these marked as completed. One query."""
    return [
        CompletionRow(*values)
        for values in SessionCompletion.objects.filter(
            enrollment__cohort_id__in=list(cohort_ids),
            enrollment__cohort__program__delivery=Delivery.SELF_GUIDED,
            completed_at__isnull=False,
        )
        .values_list("enrollment_id", "program_session_id", "program_session__optional")
        .order_by()
    ]


def _fetch_rows(*, cohorts: Sequence[Cohort]) -> _Rows:
    """Every row the facts of these cohorts' enrollments need: six queries, whatever the size."""
    ids = [c.pk for c in cohorts]
    cancelled = SessionStatus.CANCELLED
    sessions = [
        SessionRow(
            pk, cohort_id, enrollment_id, ps_id, optional, makeup, status == cancelled, at, n
        )
        for pk, cohort_id, enrollment_id, ps_id, optional, makeup, status, at, n in (
            ScheduledSession.objects.filter(cohort_id__in=ids)
            .values_list(
                "pk",
                "cohort_id",
                "enrollment_id",
                "program_session_id",
                "program_session__optional",
                "is_makeup",
                "status",
                "starts_at",
                "program_session__number",
            )
            .order_by()
            .iterator(chunk_size=5000)
        )
    ]
    attendances = [
        AttendanceRow(*values)
        for values in Attendance.objects.filter(scheduled_session__cohort_id__in=ids)
        .values_list("scheduled_session_id", "enrollment_id", "status")
        .order_by()
        .iterator(chunk_size=5000)
    ]
    practice = [
        PracticeDay(*values)
        for values in PracticeLog.objects.filter(enrollment__cohort_id__in=ids)
        .values("enrollment_id", "date")
        .annotate(minutes=Sum("minutes"))
        .values_list("enrollment_id", "date", "minutes")
        .order_by()
        .iterator(chunk_size=5000)
    ]
    assessments = [
        AssessmentRow(enrollment_id, kind, completed_at is not None)
        for enrollment_id, kind, completed_at in Assessment.objects.filter(
            enrollment__cohort_id__in=ids,
            measurement_point__kind__in=[MeasurementKind.BASELINE, MeasurementKind.POST],
        )
        .values_list("enrollment_id", "measurement_point__kind", "completed_at")
        .order_by()
        .iterator(chunk_size=5000)
    ]
    completions = self_guided_completion_rows(cohort_ids=ids)
    return _Rows(
        sessions=sessions,
        attendances=attendances,
        practice=practice,
        assessments=assessments,
        completions=completions,
        required_sessions=required_session_counts(program_ids={c.program_id for c in cohorts}),
    )


def _cohorts_with_programs(cohorts: Iterable[Cohort] | QuerySet[Cohort]) -> list[Cohort]:
    if isinstance(cohorts, QuerySet):
        return list(cohorts.select_related("program"))
    found = list(cohorts)
    missing = {c.program_id for c in found if not Cohort.program.is_cached(c)}
    if missing:
        programs = Program.objects.in_bulk(missing)
        for c in found:
            if not Cohort.program.is_cached(c):
                c.program = programs[c.program_id]
    return found


def _enrollments_with_cohorts(
    enrollments: Iterable[Enrollment] | QuerySet[Enrollment],
) -> list[Enrollment]:
    if isinstance(enrollments, QuerySet):
        return list(enrollments.select_related("cohort__program"))
    found = list(enrollments)
    missing = {e.cohort_id for e in found if not Enrollment.cohort.is_cached(e)}
    cohorts = Cohort.objects.select_related("program").in_bulk(missing) if missing else {}
    for e in found:
        if not Enrollment.cohort.is_cached(e):
            e.cohort = cohorts[e.cohort_id]
    _cohorts_with_programs({e.cohort_id: e.cohort for e in found}.values())
    return found


def enrollment_facts(
    *, enrollments: Iterable[Enrollment] | QuerySet[Enrollment], now: dt.datetime
) -> list[EnrollmentFacts]:
    """The facts of each enrollment, in the order given, in a fixed number of queries.

    Rows are read for whole cohorts, so pass one batch of cohorts' enrollments at a time when
    memory matters (exports). The enrollments' cohorts and programs are loaded onto them.
    """
    found = _enrollments_with_cohorts(enrollments)
    cohorts = list({e.cohort_id: e.cohort for e in found}.values())
    rows = _fetch_rows(cohorts=cohorts)
    return facts_build(
        enrollments=found,
        sessions=rows.sessions,
        attendances=rows.attendances,
        practice=rows.practice,
        assessments=rows.assessments,
        completions=rows.completions,
        required_sessions=rows.required_sessions,
        now=now,
    )


def open_safety_flag_counts(*, cohort_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    """Unacknowledged safety events per (cohort pk, arm). One query."""
    return {
        (row["enrollment__cohort_id"], row["enrollment__arm"]): row["n"]
        for row in SafetyEvent.objects.filter(
            enrollment__cohort_id__in=set(cohort_ids), acknowledged_at__isnull=True
        )
        .values("enrollment__cohort_id", "enrollment__arm")
        .annotate(n=Count("pk"))
        .order_by()
    }


def cohort_summaries(
    *, cohorts: Iterable[Cohort] | QuerySet[Cohort], now: dt.datetime
) -> list[CohortSummary]:
    """One summary per cohort and arm, in the cohorts' order, in a fixed number of queries."""
    found = _cohorts_with_programs(cohorts)
    by_pk = {c.pk: c for c in found}
    enrollments = list(
        Enrollment.objects.filter(cohort_id__in=list(by_pk)).order_by("cohort_id", "pk")
    )
    for e in enrollments:
        e.cohort = by_pk[e.cohort_id]
    rows = _fetch_rows(cohorts=found)
    facts = facts_build(
        enrollments=enrollments,
        sessions=rows.sessions,
        attendances=rows.attendances,
        practice=rows.practice,
        assessments=rows.assessments,
        completions=rows.completions,
        required_sessions=rows.required_sessions,
        now=now,
    )
    return summaries_build(
        cohorts=found,
        facts=facts,
        sessions=rows.sessions,
        open_flags=open_safety_flag_counts(cohort_ids=by_pk),
        required_sessions=rows.required_sessions,
        now=now,
    )
