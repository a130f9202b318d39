"""Every reported number about one enrollment, from rows already fetched (no queries).

The rules are those of sessions.reports.definitions (held, attended, intention to treat);
`facts_build` is pure, so the cohort page adds no queries for its numbers and the arithmetic is
tested without HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from programs.models import Arm, Enrollment, EnrollmentStatus, MeasurementKind, Program
from sessions.models import ATTENDED_STATUSES
from sessions.reports.definitions.rows import (
    AssessmentRow,
    AttendanceRow,
    CompletionRow,
    PracticeDay,
    SessionRow,
    rate,
)

__all__ = [
    "EnrollmentFacts",
    "SessionAttendance",
    "facts_build",
    "session_attendance_build",
]


@dataclass(frozen=True)
class EnrollmentFacts:
    """Every reported number about one enrollment."""

    enrollment: Enrollment
    counted: bool  # in the enrolled denominator: the enrollment started
    sessions_held: int
    sessions_attended: int
    completed_course: bool
    baseline_completed: bool
    post_completed: bool
    paired_completed: bool
    practice_days: int
    practice_minutes: int
    days_in_program: int
    practice_adherence: Decimal | None

    @property
    def gets_sessions(self) -> bool:
        return self.enrollment.arm == Arm.INTERVENTION


def _local_date(value: dt.datetime, zone: Any) -> dt.date:
    return value.astimezone(zone).date()


def _course_window(
    *,
    program: Program,
    own_regular: list[dt.date],
    start_date: dt.date,
    required_count: int,
) -> tuple[dt.date, dt.date] | None:
    """First and last day of the course's weeks, counted as on the cohort page's practice table.

    Weeks run from the first regular session's local day (self-guided: the start date) through
    the end of the week of the last one (self-guided: as many weeks as required sessions).
    """
    if program.is_self_guided:
        if required_count == 0:
            return None
        return start_date, start_date + dt.timedelta(days=7 * required_count - 1)
    if not own_regular:
        return None
    first, last = min(own_regular), max(own_regular)
    weeks = (last - first).days // 7 + 1
    return first, first + dt.timedelta(days=7 * weeks - 1)


class _Schedule:
    """Sessions and attendance arranged per enrollment: the one rule for held and attended."""

    def __init__(
        self,
        *,
        enrollments: Sequence[Enrollment],
        sessions: Iterable[SessionRow],
        attendances: Iterable[AttendanceRow],
    ) -> None:
        wanted = {e.pk for e in enrollments}
        cohort_ids = {e.cohort_id for e in enrollments}
        self.group: dict[int, list[SessionRow]] = defaultdict(list)
        self.by_enrollment: dict[int, list[SessionRow]] = defaultdict(list)
        by_pk: dict[int, SessionRow] = {}
        for s in sessions:
            if s.cohort_id not in cohort_ids:
                continue
            by_pk[s.pk] = s
            if s.enrollment_id is None:
                self.group[s.cohort_id].append(s)
            elif s.enrollment_id in wanted:
                self.by_enrollment[s.enrollment_id].append(s)
        self.attended: dict[int, set[int]] = defaultdict(set)
        for a in attendances:
            if a.enrollment_id not in wanted or a.status not in ATTENDED_STATUSES:
                continue
            session = by_pk.get(a.scheduled_session_id)
            if session is not None and not session.optional:
                self.attended[a.enrollment_id].add(session.program_session_id)

    def own(self, enrollment: Enrollment) -> list[SessionRow]:
        return self.by_enrollment[enrollment.pk]

    def mine(self, enrollment: Enrollment) -> list[SessionRow]:
        """The group's sessions and the enrollment's own (one-on-one sessions, make-ups)."""
        return self.group[enrollment.cohort_id] + self.by_enrollment[enrollment.pk]

    def held_and_attended(
        self, enrollment: Enrollment, now: dt.datetime
    ) -> tuple[set[int], set[int]]:
        """Program session pks held for the enrollment, and those of them attended."""
        held = {
            s.program_session_id
            for s in self.mine(enrollment)
            if not s.cancelled and s.starts_at < now and not s.optional
        }
        # A session moved back into the future after it was recorded is not held until it is.
        return held, self.attended[enrollment.pk] & held


@dataclass(frozen=True)
class SessionAttendance:
    """One session number of a cohort: how many of those expected attended it."""

    number: int
    attended: int
    expected: int

    @property
    def rate(self) -> Decimal | None:
        return rate(self.attended, self.expected)


def session_attendance_build(
    *,
    enrollments: Sequence[Enrollment],
    sessions: Iterable[SessionRow],
    attendances: Iterable[AttendanceRow],
    now: dt.datetime,
) -> list[SessionAttendance]:
    """Per required session number held: enrolled intervention participants expected and attended.

    The same rule as the attendance rate, session by session: added up over the numbers, attended
    and expected equal the participants' sessions attended and held. One-on-one courses group
    every participant's own session of that number. `enrollments` need `cohort.program` loaded.
    """
    sessions = list(sessions)
    number_of = {s.program_session_id: s.number for s in sessions}
    schedule = _Schedule(enrollments=enrollments, sessions=sessions, attendances=attendances)
    expected: dict[int, int] = defaultdict(int)
    attended: dict[int, int] = defaultdict(int)
    for enrollment in enrollments:
        if (
            enrollment.status == EnrollmentStatus.INVITED
            or enrollment.arm != Arm.INTERVENTION
            or enrollment.cohort.program.is_self_guided
        ):
            continue
        held, came = schedule.held_and_attended(enrollment, now)
        for pk in held:
            expected[number_of[pk]] += 1
        for pk in came:
            attended[number_of[pk]] += 1
    return [SessionAttendance(n, attended[n], expected[n]) for n in sorted(expected)]


def facts_build(
    *,
    enrollments: Sequence[Enrollment],
    sessions: Iterable[SessionRow],
    attendances: Iterable[AttendanceRow],
    practice: Iterable[PracticeDay],
    assessments: Iterable[AssessmentRow],
    completions: Iterable[CompletionRow] = (),
    required_sessions: Mapping[int, int] | None = None,
    now: dt.datetime,
) -> list[EnrollmentFacts]:
    """The facts of each enrollment, from rows already fetched (no queries).

    `enrollments` must have `cohort.program` loaded; rows about other enrollments are ignored.
    `required_sessions` (program pk -> required session count) is needed for self-guided courses
    only; `completions` likewise.
    """
    required_sessions = required_sessions or {}
    wanted = {e.pk for e in enrollments}
    schedule = _Schedule(enrollments=enrollments, sessions=sessions, attendances=attendances)

    days: dict[int, list[PracticeDay]] = defaultdict(list)
    for p in practice:
        if p.enrollment_id in wanted:
            days[p.enrollment_id].append(p)

    done: dict[int, set[str]] = defaultdict(set)
    for row in assessments:
        if row.enrollment_id in wanted and row.completed:
            done[row.enrollment_id].add(row.kind)

    weeks_completed: dict[int, set[int]] = defaultdict(set)
    for c in completions:
        if c.enrollment_id in wanted and not c.optional:
            weeks_completed[c.enrollment_id].add(c.program_session_id)

    zones: dict[int, Any] = {}
    facts = []
    for enrollment in enrollments:
        cohort = enrollment.cohort
        program = cohort.program
        zone = zones.setdefault(cohort.pk, cohort.zoneinfo)
        today = timezone.localdate(now, timezone=zone)
        gets_sessions = enrollment.arm == Arm.INTERVENTION
        start_date = enrollment.start_date or cohort.start_date
        required_count = required_sessions.get(program.pk, 0)

        held = attended_count = 0
        window = None
        if gets_sessions and program.is_self_guided:
            # Weeks are not held but worked through: a week counts once the calendar reaches
            # it or the participant completed it, whichever is first.
            begun = (today - start_date).days // 7 + 1 if today >= start_date else 0
            attended_count = len(weeks_completed[enrollment.pk])
            held = min(max(begun, attended_count), required_count)
            attended_count = min(attended_count, held)
            window = _course_window(
                program=program,
                own_regular=[],
                start_date=start_date,
                required_count=required_count,
            )
        elif gets_sessions:
            held_ids, attended_ids = schedule.held_and_attended(enrollment, now)
            held, attended_count = len(held_ids), len(attended_ids)
            owner = schedule.own(enrollment) if program.is_individual else schedule.mine(enrollment)
            regular = [
                _local_date(s.starts_at, zone)
                for s in owner
                if not s.is_makeup
                and not s.optional
                and (program.is_individual or s.enrollment_id is None)
            ]
            window = _course_window(
                program=program,
                own_regular=regular,
                start_date=start_date,
                required_count=required_count,
            )

        days_in_program = practice_days = practice_minutes = 0
        if window is not None:
            first, last = window
            last = min(last, today)
            if enrollment.status == EnrollmentStatus.WITHDRAWN and enrollment.withdrawn_at:
                last = min(last, enrollment.withdrawn_at)
            if last >= first:
                days_in_program = (last - first).days + 1
                for p in days[enrollment.pk]:
                    if first <= p.date <= last:
                        practice_days += 1
                        practice_minutes += p.minutes or 0

        # Completion facts (and the completion export's columns) are about baseline and post,
        # one of each per plan (MeasurementPoint.clean); follow-ups are counted where each point
        # is shown by name (status pages, the responses export).
        kinds = done[enrollment.pk]
        baseline = MeasurementKind.BASELINE in kinds
        post = MeasurementKind.POST in kinds
        facts.append(
            EnrollmentFacts(
                enrollment=enrollment,
                counted=enrollment.status != EnrollmentStatus.INVITED,
                sessions_held=held,
                sessions_attended=attended_count,
                completed_course=gets_sessions and attended_count >= program.completion_threshold,
                baseline_completed=baseline,
                post_completed=post,
                paired_completed=baseline and post,
                practice_days=practice_days,
                practice_minutes=practice_minutes,
                days_in_program=days_in_program,
                practice_adherence=rate(practice_days, days_in_program),
            )
        )
    return facts
