"""The one place every reported number is defined (BRIEF §8): pages, charts and exports read it here.

Two layers:

- `facts_build` and `summaries_build` are pure: they arrange rows already fetched, so the cohort
  page (which has fetched most of them for its roster) adds no queries for its numbers, and the
  arithmetic is tested without HTTP;
- `enrollment_facts` and `cohort_summaries` fetch those rows in a fixed number of queries,
  however many cohorts and enrollments they cover, then call the pure layer.

Rates are exact `Decimal` quotients (Decimal's 28 significant digits, never rounded here;
formatting is the caller's job) and None when the denominator is 0 or the rate does not apply.

The rules agree with what the cohort page already shows (sessions.rosters.roster_build):

- a session is *held* when it has started and was not cancelled; optional sessions (MBSR's day
  of practice) never count; a session and its make-up count once (distinct session numbers);
- a participant *attended* a session when their attendance says attended or made up, at that
  session or at a make-up of it;
- intention to treat: withdrawn participants stay in every denominator, and the sessions held
  after they left count as not attended.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from programs.models import (
    Arm,
    Cohort,
    Delivery,
    Enrollment,
    EnrollmentStatus,
    MeasurementKind,
    Program,
    ProgramSession,
)
from sessions.models import (
    ATTENDED_STATUSES,
    Attendance,
    PracticeLog,
    ScheduledSession,
    SessionCompletion,
    SessionStatus,
)
from sessions.questionnaires.models import Assessment, SafetyEvent

# (name, definition in plain words): printed in every export's codebook and on the report pages.
DEFINITIONS: list[tuple[str, str]] = [
    (
        "enrolled",
        "Participants whose enrollment started: everyone except those only invited. Withdrawn "
        "participants still count (intention to treat).",
    ),
    ("active", "Enrolled participants whose enrollment is active now."),
    (
        "withdrawn",
        "Enrolled participants who withdrew. They stay in every denominator (intention to treat).",
    ),
    (
        "session held",
        "A required session that has started and was not cancelled. Optional sessions (such as "
        "a day of practice) are not counted, and a session and its make-up count once.",
    ),
    (
        "sessions held (per participant)",
        "The required sessions held that the participant was expected at: the group's sessions, "
        "or in a one-on-one course their own. Withdrawn participants keep being expected "
        "(intention to treat). Control-arm participants are offered no sessions: 0.",
    ),
    (
        "sessions held (per cohort and arm)",
        "Group course: the required sessions held for the group. One-on-one course: the "
        "one-on-one sessions held, added up over the arm's enrolled participants. A cancelled "
        "session is not held; if its make-up took place, that counts instead.",
    ),
    (
        "sessions attended",
        "Required sessions held at which the participant's attendance is 'attended' or 'made up' "
        "(at the session itself or at a make-up of it). Self-guided course: required weeks the "
        "participant marked as completed.",
    ),
    (
        "completed course",
        "The participant attended at least the program's threshold of its required sessions "
        "(for example 'at least 6 of 8'). Control-arm participants are offered no sessions, so "
        "this does not apply to them.",
    ),
    (
        "completed",
        "Enrolled participants who completed the course.",
    ),
    (
        "completion rate",
        "Completed divided by enrolled. Not given for a control arm (it is offered no sessions) "
        "or when no one is enrolled.",
    ),
    (
        "attendance rate",
        "Sessions attended divided by sessions held, each added up over the arm's enrolled "
        "participants. Empty until a session has been held.",
    ),
    (
        "baseline completed",
        "Enrolled participants who sent every questionnaire of the baseline measurement point.",
    ),
    (
        "post completed",
        "Enrolled participants who sent every questionnaire of the post measurement point.",
    ),
    (
        "paired completed",
        "Enrolled participants who completed both baseline and post.",
    ),
    (
        "days in the program",
        "Days from the participant's first session (one-on-one: their own first session; "
        "self-guided: their start date) up to today, to the end of the course's last week, or "
        "to the day they withdrew, whichever comes first. 0 for the control arm.",
    ),
    (
        "practice days",
        "Days in the program on which the participant logged any home practice or strategy use.",
    ),
    (
        "practice minutes",
        "Minutes of practice logged on those days (strategy-use entries have no minutes).",
    ),
    (
        "practice adherence",
        "Practice days divided by days in the program so far. For a cohort: practice days "
        "added up over the arm's enrolled participants divided by their days in the program "
        "added up. Empty when there are no days in the program yet.",
    ),
    (
        "open safety flags",
        "Answers that raised a safety flag (such as PHQ-9 item 9) that no member of staff has "
        "acknowledged yet.",
    ),
]


def rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator as an unrounded Decimal; None when the denominator is 0."""
    if denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


# --- rows the pure layer reads ----------------------------------------------------------------


class SessionRow(NamedTuple):
    pk: int
    cohort_id: int
    enrollment_id: int | None
    program_session_id: int
    optional: bool
    is_makeup: bool
    cancelled: bool
    starts_at: dt.datetime
    number: int = 0  # the program session's number

    @classmethod
    def of(cls, session: ScheduledSession) -> SessionRow:
        """From a session fetched with its program_session."""
        return cls(
            session.pk,
            session.cohort_id,
            session.enrollment_id,
            session.program_session_id,
            session.program_session.optional,
            session.is_makeup,
            session.status == SessionStatus.CANCELLED,
            session.starts_at,
            session.program_session.number,
        )


class AttendanceRow(NamedTuple):
    scheduled_session_id: int
    enrollment_id: int
    status: str

    @classmethod
    def of(cls, attendance: Attendance) -> AttendanceRow:
        return cls(attendance.scheduled_session_id, attendance.enrollment_id, attendance.status)


class PracticeDay(NamedTuple):
    """One participant's local day with practice logged, and its minutes (None: strategy logs)."""

    enrollment_id: int
    date: dt.date
    minutes: int | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> PracticeDay:
        """From a row of sessions.selectors.practice_log_list_day_totals_for_cohort."""
        return cls(row["enrollment_id"], row["date"], row["minutes"])


class AssessmentRow(NamedTuple):
    enrollment_id: int
    kind: str  # MeasurementKind value
    completed: bool

    @classmethod
    def of(cls, assessment: Assessment, kind: str) -> AssessmentRow:
        return cls(assessment.enrollment_id, kind, assessment.completed_at is not None)


class CompletionRow(NamedTuple):
    """A self-guided participant marked a week as completed."""

    enrollment_id: int
    program_session_id: int
    optional: bool


# --- the numbers --------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class CohortSummary:
    """Every reported number about one arm of one cohort (cohorts without enrollments: one row)."""

    cohort: Cohort
    arm: str  # Arm value
    enrolled: int
    active: int
    withdrawn: int
    completed: int
    completion_rate: Decimal | None
    sessions_held: int
    attendance_rate: Decimal | None
    baseline_completed: int
    post_completed: int
    paired_completed: int
    practice_adherence: Decimal | None
    open_safety_flags: int
    # The numerators and denominators behind the rates, so pages can say "8 of 10 (80%)".
    participant_sessions_attended: int = 0
    participant_sessions_held: int = 0
    practice_days: int = 0
    days_in_program: int = 0
    required_sessions: int = 0  # M of "attended at least N of M"
    invited: int = 0  # invited and not started: not enrolled

    @property
    def arm_label(self) -> str:
        return str(Arm(self.arm).label)

    @property
    def is_control(self) -> bool:
        return self.arm == Arm.CONTROL

    @property
    def completion_threshold(self) -> int:
        return self.cohort.program.completion_threshold


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


def _group_sessions_held(sessions: Iterable[SessionRow], now: dt.datetime) -> dict[int, int]:
    """Per cohort, the required group sessions held for the whole group (distinct numbers).

    One pass over all rows, so an overview of many cohorts costs no more per cohort.
    """
    held: dict[int, set[int]] = defaultdict(set)
    for s in sessions:
        if s.enrollment_id is None and not s.cancelled and not s.optional and s.starts_at < now:
            held[s.cohort_id].add(s.program_session_id)
    return {cohort_id: len(numbers) for cohort_id, numbers in held.items()}


def summaries_build(
    *,
    cohorts: Sequence[Cohort],
    facts: Iterable[EnrollmentFacts],
    sessions: Iterable[SessionRow],
    open_flags: Mapping[tuple[int, str], int] | None = None,
    required_sessions: Mapping[int, int] | None = None,
    now: dt.datetime,
) -> list[CohortSummary]:
    """One summary per cohort and arm, from facts and rows already fetched (no queries).

    Arms appear when the cohort has an enrollment in them (invited ones too), intervention
    first; a cohort without enrollments gets one intervention row of zeros.
    `open_flags` maps (cohort pk, arm) to the number of unacknowledged safety events.
    """
    open_flags = open_flags or {}
    required_sessions = required_sessions or {}
    held_by_cohort = _group_sessions_held(sessions, now)
    by_arm: dict[tuple[int, str], list[EnrollmentFacts]] = defaultdict(list)
    for f in facts:
        by_arm[(f.enrollment.cohort_id, f.enrollment.arm)].append(f)
    summaries = []
    for cohort in cohorts:
        arms = [arm for arm in Arm.values if (cohort.pk, arm) in by_arm] or [Arm.INTERVENTION]
        group_held = (
            0
            if cohort.program.is_individual or cohort.program.is_self_guided
            else held_by_cohort.get(cohort.pk, 0)
        )
        for arm in arms:
            every = by_arm.get((cohort.pk, arm), [])
            counted = [f for f in every if f.counted]
            control = arm == Arm.CONTROL
            enrolled = len(counted)
            completed = sum(1 for f in counted if f.completed_course)
            held = sum(f.sessions_held for f in counted)
            attended = sum(f.sessions_attended for f in counted)
            if control:
                sessions_held = 0
            elif cohort.program.is_individual or cohort.program.is_self_guided:
                sessions_held = held
            else:
                sessions_held = group_held
            practice_days = sum(f.practice_days for f in counted)
            days_in_program = sum(f.days_in_program for f in counted)
            summaries.append(
                CohortSummary(
                    cohort=cohort,
                    arm=str(arm),
                    enrolled=enrolled,
                    active=sum(
                        1 for f in counted if f.enrollment.status == EnrollmentStatus.ACTIVE
                    ),
                    withdrawn=sum(
                        1 for f in counted if f.enrollment.status == EnrollmentStatus.WITHDRAWN
                    ),
                    completed=completed,
                    completion_rate=None if control else rate(completed, enrolled),
                    sessions_held=sessions_held,
                    attendance_rate=rate(attended, held),
                    baseline_completed=sum(1 for f in counted if f.baseline_completed),
                    post_completed=sum(1 for f in counted if f.post_completed),
                    paired_completed=sum(1 for f in counted if f.paired_completed),
                    practice_adherence=rate(practice_days, days_in_program),
                    open_safety_flags=open_flags.get((cohort.pk, arm), 0),
                    participant_sessions_attended=attended,
                    participant_sessions_held=held,
                    practice_days=practice_days,
                    days_in_program=days_in_program,
                    required_sessions=required_sessions.get(cohort.program_id, 0),
                    invited=len(every) - enrolled,
                )
            )
    return summaries


# --- fetching (a fixed number of queries) -------------------------------------------------------


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


__all__ = [
    "DEFINITIONS",
    "AssessmentRow",
    "AttendanceRow",
    "CohortSummary",
    "CompletionRow",
    "EnrollmentFacts",
    "PracticeDay",
    "SessionAttendance",
    "SessionRow",
    "cohort_summaries",
    "enrollment_facts",
    "facts_build",
    "open_safety_flag_counts",
    "rate",
    "required_session_counts",
    "self_guided_completion_rows",
    "session_attendance_build",
    "summaries_build",
]
