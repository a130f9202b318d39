"""A participant's course as they see it: which weeks are open, what comes next, progress so far.

`open_week_numbers` is the rule, a pure function; `course_list_for_participant` fetches the rows
it needs (a fixed number of queries, however many courses the person takes part in) through the
participant's own selectors, and `week_get_for_participant` is the gate of the week pages: a week
that is not open is a 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from programs.models import Delivery, Enrollment, Program, ProgramSession
from programs.selectors import CurrentEnrollments
from sessions.models import (
    ATTENDED_STATUSES,
    MISSED_STATUSES,
    Attendance,
    PracticeLog,
    ScheduledSession,
    SessionCompletion,
)
from sessions.selectors import scheduled_session_list_for_participant


def course_label(enrollment: Enrollment) -> str:
    """How a person tells their courses apart: “MBSR-8 for MS (Tuesday evenings)”."""
    return f"{enrollment.cohort.program.name} ({enrollment.cohort.name})"


def local_today(*, user: User, now: dt.datetime | None = None) -> dt.date:
    """Today's date where the person is: what "today" and "this week" mean to them."""
    return timezone.localdate(now or timezone.now(), timezone=user.zoneinfo)


def _position(program_session: ProgramSession) -> float:
    # An optional session (MBSR's day of practice) sits between the session it follows and the next.
    if program_session.optional and program_session.schedule_after:
        return program_session.schedule_after + 0.5
    return float(program_session.number)


def open_week_numbers(
    *,
    delivery: str,
    program_sessions: Iterable[ProgramSession],
    sessions: Iterable[ScheduledSession],
    missed_numbers: Iterable[int],
    completed_numbers: Iterable[int],
    start_date: dt.date,
    today: dt.date,
    now: dt.datetime,
) -> set[int]:
    """The week numbers a participant may open.

    Group and one-on-one: weeks whose session has started, the next one coming up (to prepare),
    and any they missed (to catch up). Self-guided: week 1 from the start date, then each week
    once every earlier required week is completed; optional weeks never hold anyone back.
    """
    if delivery == Delivery.SELF_GUIDED:
        if today < start_date:
            return set()
        done = set(completed_numbers)
        ordered = sorted(program_sessions, key=_position)
        required_before: list[int] = []
        numbers: set[int] = set()
        for program_session in ordered:
            if all(number in done for number in required_before):
                numbers.add(program_session.number)
            if not program_session.optional:
                required_before.append(program_session.number)
        return numbers
    live = sorted(sessions, key=lambda s: s.starts_at)
    numbers = {s.program_session.number for s in live if s.starts_at <= now}
    upcoming = next((s for s in live if s.starts_at > now), None)
    if upcoming is not None:
        numbers.add(upcoming.program_session.number)
    return numbers | set(missed_numbers)


@dataclass(frozen=True)
class Week:
    program_session: ProgramSession
    is_open: bool
    # The participant was marked absent or excused, and has not made it up.
    missed: bool
    completion: SessionCompletion | None

    @property
    def number(self) -> int:
        return self.program_session.number

    @property
    def is_completed(self) -> bool:
        return self.completion is not None and self.completion.completed_at is not None

    @property
    def is_confirmed_catch_up(self) -> bool:
        return self.completion is not None and self.completion.confirmed_at is not None

    @property
    def draft_reflection(self) -> str:
        return self.completion.reflection if self.completion is not None else ""


@dataclass(frozen=True)
class Course:
    enrollment: Enrollment
    program: Program
    weeks: list[Week]
    sessions: list[ScheduledSession]
    next_session: ScheduledSession | None
    current_week: Week | None
    # Distinct required weeks: attended (present or made up) out of held so far.
    attended_count: int
    held_count: int
    today: dt.date
    by_number: dict[int, Week] = field(default_factory=dict)

    @property
    def is_self_guided(self) -> bool:
        return self.program.is_self_guided

    @property
    def required_week_count(self) -> int:
        return sum(1 for w in self.weeks if not w.program_session.optional)

    @property
    def completed_required_count(self) -> int:
        return sum(1 for w in self.weeks if w.is_completed and not w.program_session.optional)

    @property
    def open_weeks(self) -> list[Week]:
        return [w for w in self.weeks if w.is_open]

    @property
    def missed_weeks(self) -> list[Week]:
        return [w for w in self.weeks if w.missed]

    @property
    def has_finished_sessions(self) -> bool:
        """Every session has been held: nothing left to come."""
        return bool(self.sessions) and self.next_session is None

    def week(self, number: int) -> Week | None:
        return self.by_number.get(number)


def _current_week(
    *, program: Program, weeks: list[Week], sessions: list[ScheduledSession], now: dt.datetime
) -> Week | None:
    by_id = {w.program_session.pk: w for w in weeks}
    required = [s for s in sessions if not s.program_session.optional]
    if program.is_self_guided:
        open_required = [w for w in weeks if w.is_open and not w.program_session.optional]
        return next((w for w in open_required if not w.is_completed), None) or (
            open_required[-1] if open_required else None
        )
    started = [s for s in required if s.starts_at <= now]
    if started:
        return by_id.get(started[-1].program_session_id)
    if required:
        return by_id.get(required[0].program_session_id)
    return None


def course_get_for_participant(
    *, user: User, enrollment: Enrollment, now: dt.datetime | None = None
) -> Course:
    """The participant's course state for one of their own enrollments (from their selectors)."""
    (course,) = course_list_for_participant(user=user, enrollments=[enrollment], now=now)
    return course


def course_list_for_participant(
    *, user: User, enrollments: Sequence[Enrollment], now: dt.datetime | None = None
) -> list[Course]:
    """The state of each of these courses of the participant's, in their order.

    A fixed number of queries however many courses, sessions and entries there are: someone
    taking part in two courses must not make their home page slower for it.
    """
    if not enrollments:
        return []
    now = now or timezone.now()
    today = local_today(user=user, now=now)
    programs = {e.cohort.program_id: e.cohort.program for e in enrollments}
    program_sessions: dict[int, list[ProgramSession]] = {pk: [] for pk in programs}
    for ps in ProgramSession.objects.filter(program_id__in=programs).order_by(
        "program_id", "number"
    ):
        ps.program = programs[ps.program_id]  # practice_items() reads it: no query per week
        program_sessions[ps.program_id].append(ps)
    scheduled: dict[int, list[ScheduledSession]] = {e.cohort_id: [] for e in enrollments}
    meeting = [
        e.cohort_id for e in enrollments if e.gets_sessions and not e.cohort.program.is_self_guided
    ]
    if meeting:
        for session in scheduled_session_list_for_participant(user=user).filter(
            cohort_id__in=meeting
        ):
            scheduled[session.cohort_id].append(session)
    ids = [e.pk for e in enrollments]
    marks: dict[int, list[tuple[str, int]]] = {pk: [] for pk in ids}
    for enrollment_id, status, program_session_id in Attendance.objects.filter(
        enrollment_id__in=ids
    ).values_list("enrollment_id", "status", "scheduled_session__program_session_id"):
        marks[enrollment_id].append((status, program_session_id))
    completions: dict[int, dict[int, SessionCompletion]] = {pk: {} for pk in ids}
    for completion in SessionCompletion.objects.filter(enrollment_id__in=ids):
        completions[completion.enrollment_id][completion.program_session_id] = completion
    return [
        _course(
            enrollment=e,
            program_sessions=program_sessions[e.cohort.program_id],
            sessions=scheduled[e.cohort_id] if e.cohort_id in meeting else [],
            marks=marks[e.pk],
            completions=completions[e.pk],
            today=today,
            now=now,
        )
        for e in enrollments
    ]


def _course(
    *,
    enrollment: Enrollment,
    program_sessions: list[ProgramSession],
    sessions: list[ScheduledSession],
    marks: list[tuple[str, int]],
    completions: dict[int, SessionCompletion],
    today: dt.date,
    now: dt.datetime,
) -> Course:
    program = enrollment.cohort.program
    attended: set[int] = set()
    missed: set[int] = set()
    for status, program_session_id in marks:
        if status in ATTENDED_STATUSES:
            attended.add(program_session_id)
        elif status in MISSED_STATUSES:
            missed.add(program_session_id)
    missed -= attended
    number_of = {ps.pk: ps.number for ps in program_sessions}
    open_numbers: set[int] = set()
    if enrollment.gets_sessions:
        open_numbers = open_week_numbers(
            delivery=program.delivery,
            program_sessions=program_sessions,
            sessions=sessions,
            missed_numbers=[number_of[pk] for pk in missed if pk in number_of],
            completed_numbers=[
                number_of[pk]
                for pk, c in completions.items()
                if c.completed_at is not None and pk in number_of
            ],
            start_date=enrollment.start_date or enrollment.cohort.start_date,
            today=today,
            now=now,
        )
    weeks = [
        Week(
            program_session=ps,
            is_open=ps.number in open_numbers,
            missed=ps.pk in missed,
            completion=completions.get(ps.pk),
        )
        for ps in program_sessions
    ]
    required_ids = {ps.pk for ps in program_sessions if not ps.optional}
    held = {s.program_session_id for s in sessions if s.starts_at <= now} & required_ids
    return Course(
        enrollment=enrollment,
        program=program,
        weeks=weeks,
        sessions=sessions,
        next_session=next((s for s in sessions if s.ends_at > now), None),
        current_week=_current_week(program=program, weeks=weeks, sessions=sessions, now=now),
        attended_count=len(attended & required_ids),
        held_count=len(held),
        today=today,
        by_number={w.number: w for w in weeks},
    )


def week_get_for_participant(
    *, user: User, enrollment: Enrollment, number: int, now: dt.datetime | None = None
) -> tuple[Course, Week]:
    """A week open to the participant in one of their courses (already fetched through their
    selectors), or 404."""
    if not enrollment.gets_sessions:
        raise Http404
    course = course_get_for_participant(user=user, enrollment=enrollment, now=now)
    week = course.week(number)
    if week is None or not week.is_open:
        raise Http404
    return course, week


def practice_day_counts(
    *, enrollments: Sequence[Enrollment], first: dt.date, last: dt.date
) -> dict[int, int]:
    """Per enrollment: on how many of the participant's local days from `first` to `last` they
    logged practice (one query for all of them)."""
    counts = dict.fromkeys((e.pk for e in enrollments), 0)
    rows = (
        PracticeLog.objects.filter(enrollment_id__in=list(counts), date__range=(first, last))
        .values("enrollment_id")
        .annotate(days=Count("date", distinct=True))
        .order_by()
    )
    for row in rows:
        counts[row["enrollment_id"]] = row["days"]
    return counts


def text_lines(text: str) -> list[str]:
    """Program content is written one paragraph (or list item) per line."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def enrollments_with_practice(current: CurrentEnrollments) -> list[Enrollment]:
    """The courses the person joined that have sessions and home practice (not the control arm)."""
    return [e for e in current.joined if e.gets_sessions]


def course_query(enrollment: Enrollment, *, several: bool) -> str:
    """The ?course= that keeps a page on one course; nothing for someone with only one."""
    return f"?{urlencode({'course': enrollment.pk})}" if several else ""


def enrollment_ids_practice_begun(
    *, user: User, enrollments: Sequence[Enrollment], now: dt.datetime | None = None
) -> set[int]:
    """Which of these courses of the participant's have begun their home practice: a group or
    one-on-one course once its first session has started, a self-guided one once week 1 is open
    (its start date, where the person is). One query, however many courses."""
    now = now or timezone.now()
    today = local_today(user=user, now=now)
    begun = {
        e.pk
        for e in enrollments
        if e.cohort.program.is_self_guided and today >= (e.start_date or e.cohort.start_date)
    }
    meeting = {e.cohort_id: e.pk for e in enrollments if not e.cohort.program.is_self_guided}
    if meeting:
        started = (
            scheduled_session_list_for_participant(user=user)
            .filter(cohort_id__in=list(meeting), starts_at__lte=now)
            .values_list("cohort_id", flat=True)
        )
        begun |= {meeting[cohort_id] for cohort_id in set(started)}
    return begun
