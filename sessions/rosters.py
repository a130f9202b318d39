"""What staff see of a cohort, arranged from rows already fetched (no queries here).

- the roster: per participant, required sessions attended (present or made up) of those held
  (started and not cancelled), and practice per week of the course;
- the attendance grid's layout: participants by held sessions, or for one-on-one courses by
  session number, each participant's own session in their cell.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.forms import BoundField
from django.utils import timezone
from django.utils.dateformat import format as date_format

from programs.models import Arm, Cohort, Enrollment, EnrollmentStatus
from sessions.models import (
    ATTENDED_STATUSES,
    MISSED_STATUSES,
    Attendance,
    ScheduledSession,
    SessionCompletion,
)

_DIGITS = re.compile(r"(\d+)")


def natural_sort_key(text: str) -> tuple[tuple[str | int, ...], str]:
    """Order codes and names as people read them: DEMO2 before DEMO11, case ignored.

    Digit runs compare as numbers, the rest as case-folded text; the text itself breaks ties
    (P-01 and P-1), so the order is total and every list and export sorts the same way.
    """
    parts = _DIGITS.split(text.casefold())
    # split() alternates text and digits, text first, so items at one position share a type.
    return tuple(int(p) if n % 2 else p for n, p in enumerate(parts)), text


def enrollment_sort_key(enrollment: Enrollment) -> tuple[tuple[str | int, ...], str]:
    """A roster's order: participant codes, naturally (see natural_sort_key)."""
    return natural_sort_key(enrollment.participant_code)


def _takes_part(session: ScheduledSession, enrollment: Enrollment) -> bool:
    return session.enrollment_id is None or session.enrollment_id == enrollment.pk


# --- the roster -----------------------------------------------------------------------------


def _local_date(value: dt.datetime, zone: Any) -> dt.date:
    return value.astimezone(zone).date()


@dataclass
class PracticeWeek:
    number: int
    first_day: dt.date
    days: int = 0
    minutes: int = 0
    # Strategy logs (IER) have no minutes: the cell shows days only.
    has_minutes: bool = False
    is_future: bool = False


@dataclass
class RosterRow:
    enrollment: Enrollment
    attended: int = 0
    held: int = 0
    weeks: list[PracticeWeek] = field(default_factory=list)
    sessions: list[ScheduledSession] = field(default_factory=list)

    @property
    def gets_sessions(self) -> bool:
        return self.enrollment.arm == Arm.INTERVENTION

    @property
    def is_withdrawn(self) -> bool:
        return self.enrollment.status == EnrollmentStatus.WITHDRAWN


def _course_start(
    cohort: Cohort, sessions: list[ScheduledSession], enrollment: Enrollment | None
) -> dt.date | None:
    """Local date (cohort's zone) of the first regular session: week 1 of the course starts there.

    One-on-one participants each start on their own day, so their weeks count from their own
    first session; group courses count from the cohort's first session.
    """
    regular = [
        s
        for s in sessions
        if not s.is_makeup
        and not s.program_session.optional
        and (s.enrollment_id is None if enrollment is None else s.enrollment_id == enrollment.pk)
    ]
    if not regular:
        return None
    return _local_date(regular[0].starts_at, cohort.zoneinfo)


def _course_weeks(cohort: Cohort, sessions: list[ScheduledSession]) -> int:
    """How many weeks the course spans, from its first to its last regular session."""
    spans = []
    by_owner: dict[int | None, list[dt.date]] = defaultdict(list)
    for s in sessions:
        if not s.is_makeup and not s.program_session.optional:
            by_owner[s.enrollment_id].append(_local_date(s.starts_at, cohort.zoneinfo))
    for dates in by_owner.values():
        spans.append((max(dates) - min(dates)).days // 7 + 1)
    return max(spans, default=0)


def roster_build(
    *,
    cohort: Cohort,
    enrollments: list[Enrollment],
    sessions: list[ScheduledSession],
    attendances: list[Attendance],
    practice: list[dict[str, Any]],
    now: dt.datetime,
) -> tuple[list[RosterRow], int]:
    """Per participant: required sessions attended of those held, and practice per course week."""
    session_by_pk = {s.pk: s for s in sessions}
    attended: dict[int, set[int]] = defaultdict(set)
    for a in attendances:
        session = session_by_pk.get(a.scheduled_session_id)
        if session and a.status in ATTENDED_STATUSES and not session.program_session.optional:
            attended[a.enrollment_id].add(session.program_session_id)
    days: dict[int, dict[dt.date, int | None]] = defaultdict(dict)
    for item in practice:
        days[item["enrollment_id"]][item["date"]] = item["minutes"]
    week_count = _course_weeks(cohort, sessions)
    today = timezone.localdate(now, timezone=cohort.zoneinfo)
    group_start = _course_start(cohort, sessions, None)
    rows = []
    for enrollment in sorted(enrollments, key=enrollment_sort_key):
        row = RosterRow(enrollment)
        if row.gets_sessions:
            mine = [s for s in sessions if _takes_part(s, enrollment)]
            row.sessions = mine
            held = {
                s.program_session_id
                for s in mine
                if not s.is_cancelled and s.is_past(now) and not s.program_session.optional
            }
            row.held = len(held)
            # Distinct required sessions, as on the participant's own progress page; a session
            # moved back into the future after it was recorded does not count until held again.
            row.attended = len(attended[enrollment.pk] & held)
        start = (
            _course_start(cohort, sessions, enrollment)
            if cohort.program.is_individual
            else group_start
        )
        if start is not None:
            logged = days[enrollment.pk]
            for number in range(1, week_count + 1):
                first = start + dt.timedelta(days=7 * (number - 1))
                week = PracticeWeek(number, first, is_future=first > today)
                for offset in range(7):
                    day = first + dt.timedelta(days=offset)
                    if day in logged:
                        week.days += 1
                        if logged[day] is not None:
                            week.minutes += logged[day] or 0
                            week.has_minutes = True
                row.weeks.append(week)
        rows.append(row)
    return rows, week_count


# --- the attendance grid ----------------------------------------------------------------

# Every input of a cell is named "s<session pk>-e<enrollment pk>-<part>", in every layout of the
# grid, so a posted value always says exactly which session and participant it is about.
CELL_INPUT = re.compile(r"^s(?P<session>\d+)-e(?P<enrollment>\d+)-(?:status|outcome|minutes)$")


def short_date(value: dt.datetime) -> str:
    """“13 Oct”: the viewer's local date of an instant, short enough for a grid heading."""
    return date_format(timezone.localtime(value), "j M")


@dataclass
class GridColumn:
    """A group session (key "s<pk>"), or for one-on-one courses a session number (key "n<number>")."""

    key: str
    number: int
    title: str
    session: ScheduledSession | None = None
    # A make-up for one participant of a group course: only their cell can be filled.
    only_for: Enrollment | None = None

    @property
    def heading_date(self) -> str:
        return short_date(self.session.starts_at) if self.session else ""


@dataclass
class GridCell:
    """One participant at one session; `state` is "edit" or why the cell cannot be edited."""

    enrollment: Enrollment
    column: GridColumn
    session: ScheduledSession | None
    attendance: Attendance | None
    completion: SessionCompletion | None
    state: str
    status: BoundField | None = None
    outcome: BoundField | None = None
    minutes: BoundField | None = None

    @property
    def prefix(self) -> str:
        return f"s{self.session.pk}-e{self.enrollment.pk}" if self.session else ""

    @property
    def label(self) -> str:
        """The accessible name of the cell's inputs, e.g. “P-7K3Q9, session 3, 13 Oct”."""
        when = f", {short_date(self.session.starts_at)}" if self.session else ""
        return f"{self.enrollment.participant_code}, session {self.column.number}{when}"

    @property
    def is_editable(self) -> bool:
        return self.state == "edit"

    @property
    def is_phone(self) -> bool:
        return self.session is not None and self.session.is_phone

    @property
    def can_confirm_makeup(self) -> bool:
        """The participant completed this week on their own and the cell does not say they came."""
        return (
            self.is_editable
            and self.completion is not None
            and (self.attendance is None or self.attendance.status in MISSED_STATUSES)
        )

    @property
    def has_errors(self) -> bool:
        return any(bf is not None and bf.errors for bf in (self.status, self.outcome, self.minutes))


@dataclass
class GridRow:
    enrollment: Enrollment
    cells: list[GridCell]

    @property
    def is_withdrawn(self) -> bool:
        return self.enrollment.status == EnrollmentStatus.WITHDRAWN


@dataclass
class AttendanceGrid:
    columns: list[GridColumn]
    rows: list[GridRow]
    # One-on-one make-up sessions are not a numbered column; they get their own page of the grid.
    makeups: list[ScheduledSession] = field(default_factory=list)

    def cells(self) -> Iterable[GridCell]:
        for row in self.rows:
            yield from row.cells

    def editable_cells(self) -> list[GridCell]:
        return [cell for cell in self.cells() if cell.is_editable]


def posted_cells(data: Any) -> set[tuple[int, int]]:
    """(session pk, enrollment pk) of every cell input in a posted grid."""
    found = set()
    for name in data or ():
        match = CELL_INPUT.match(name)
        if match:
            found.add((int(match["session"]), int(match["enrollment"])))
    return found


def attendance_grid_build(
    *,
    cohort: Cohort,
    enrollments: Iterable[Enrollment],
    sessions: Iterable[ScheduledSession],
    attendances: Iterable[Attendance],
    completions: Iterable[SessionCompletion],
    now: dt.datetime,
    only_session: ScheduledSession | None = None,
    posted: set[tuple[int, int]] | None = None,
) -> AttendanceGrid:
    """Lay out the grid: participants (intervention arm) by held sessions that were not cancelled.

    Cells named in `posted` get inputs whatever their session's state, so a value typed for a
    session cancelled in the meantime comes back with its reason instead of vanishing.
    """
    posted = posted or set()
    rows_enrollments = sorted(
        (e for e in enrollments if e.arm == Arm.INTERVENTION), key=enrollment_sort_key
    )
    if only_session is not None:
        rows_enrollments = [e for e in rows_enrollments if _takes_part(only_session, e)]
    sessions = list(sessions)
    by_pair = {(a.scheduled_session_id, a.enrollment_id): a for a in attendances}
    to_confirm = {(c.enrollment_id, c.program_session_id): c for c in completions}
    enrollment_by_pk = {e.pk: e for e in rows_enrollments}
    posted_sessions = {s for s, _e in posted}

    zone = cohort.zoneinfo

    def is_open(session: ScheduledSession) -> bool:
        return session.takes_attendance(now, zone) and not session.is_cancelled

    def cell(
        enrollment: Enrollment, column: GridColumn, session: ScheduledSession | None
    ) -> GridCell:
        attendance = by_pair.get((session.pk, enrollment.pk)) if session else None
        completion = (
            to_confirm.get((enrollment.pk, session.program_session_id)) if session else None
        )
        if session is None or not _takes_part(session, enrollment):
            state = "none"
        elif (session.pk, enrollment.pk) in posted:
            state = "edit"
        elif enrollment.status == EnrollmentStatus.WITHDRAWN:
            state = "withdrawn"
        elif session.is_cancelled:
            state = "cancelled"
        elif not session.takes_attendance(now, zone):
            state = "not_yet"
        else:
            state = "edit"
        return GridCell(enrollment, column, session, attendance, completion, state)

    columns: list[GridColumn] = []
    makeups: list[ScheduledSession] = []
    individual = cohort.program.is_individual and only_session is None
    if individual:
        regular: dict[tuple[int, int], ScheduledSession] = {}
        numbers: dict[int, str] = {}
        for session in sessions:
            if session.enrollment_id is None or session.enrollment_id not in enrollment_by_pk:
                continue
            if session.is_makeup:
                if is_open(session):
                    makeups.append(session)
                continue
            regular[(session.enrollment_id, session.program_session.number)] = session
            if is_open(session) or session.pk in posted_sessions:
                numbers[session.program_session.number] = session.program_session.title
        columns = [GridColumn(f"n{n}", n, numbers[n]) for n in sorted(numbers)]
        rows = [
            GridRow(e, [cell(e, c, regular.get((e.pk, c.number))) for c in columns])
            for e in rows_enrollments
        ]
        return AttendanceGrid(columns, rows, makeups)

    for session in sessions if only_session is None else [only_session]:
        if session.enrollment_id is not None and session.enrollment_id not in enrollment_by_pk:
            continue
        if is_open(session) or session.pk in posted_sessions:
            columns.append(
                GridColumn(
                    f"s{session.pk}",
                    session.program_session.number,
                    session.program_session.title,
                    session=session,
                    only_for=enrollment_by_pk.get(session.enrollment_id or 0),
                )
            )
    rows = [GridRow(e, [cell(e, c, c.session) for c in columns]) for e in rows_enrollments]
    return AttendanceGrid(columns, rows)
