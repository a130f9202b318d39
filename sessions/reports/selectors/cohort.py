"""Reads of the cohort page: a cohort at a glance, for the staff who run or coordinate it.

The cohort is reached through programs.access (404 for anyone else). Its figures come from the
report definitions, built from the rows the roster already fetched, so the page makes a fixed
number of queries however many participants the cohort has.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from django.urls import reverse

from accounts.models import User
from programs.access import cohort_get_for_staff, user_is_cohort_coordinator
from programs.models import WEEKDAYS, Cohort, EnrollmentStatus, LogKind, MeasurementPoint, Program
from programs.selectors import enrollment_list_for_cohort
from sessions.questionnaires.models import Assessment
from sessions.questionnaires.selectors import (
    assessment_ids_started_for_cohort,
    assessment_list_for_cohort,
    safety_event_list_open_for_staff,
)
from sessions.reports.charts import (
    Chart,
    PracticeWeekTotal,
    attendance_by_session_chart,
    format_percent,
    practice_by_week_chart,
)
from sessions.reports.definitions import (
    AssessmentRow,
    AttendanceRow,
    PracticeDay,
    SessionRow,
    facts_build,
    required_session_counts,
    self_guided_completion_rows,
    session_attendance_build,
    summaries_build,
)
from sessions.reports.selectors.worklist import CHASE_CLOSED_DAYS, CHASE_CLOSING_DAYS
from sessions.reports.summaries import SummaryCells, figures_by_arm
from sessions.rosters import RosterRow, roster_build
from sessions.selectors import (
    attendance_list_for_cohort,
    follow_up_list_open_for_cohort,
    practice_log_list_day_totals_for_cohort,
    scheduled_session_list_for_cohort,
)

__all__ = ["COHORT_PARTS", "CohortPage", "CohortPart", "cohort_nav", "cohort_page_for_staff"]


@dataclass(frozen=True)
class CohortPart:
    """One part of the cohort page: its own URL under the cohort, a link in the sub-navigation."""

    key: str
    label: str
    url_name: str  # reversed with the cohort's pk
    template: str = ""  # empty: a page another room renders (it has its own view)


# The cohort page in parts, in the order of the sub-navigation at the top of each part. A part
# is added with one line here (and its template under templates/reports/cohort/); one rendered
# elsewhere (the safety flag history) needs only its URL name.
COHORT_PARTS = [
    CohortPart("overview", "Overview", "reports:cohort_detail", "reports/cohort_detail.html"),
    CohortPart("schedule", "Schedule", "reports:cohort_schedule", "reports/cohort/schedule.html"),
    CohortPart(
        "follow_ups", "Follow-ups", "reports:cohort_follow_ups", "reports/cohort/follow_ups.html"
    ),
    CohortPart("people", "People", "reports:cohort_people", "reports/cohort/people.html"),
    CohortPart("progress", "Progress", "reports:cohort_progress", "reports/cohort/progress.html"),
    CohortPart("charts", "Charts", "reports:cohort_charts", "reports/cohort/charts.html"),
    CohortPart("safety", "Safety flags", "questionnaires:cohort_safety"),
    CohortPart(
        "definitions",
        "Definitions",
        "reports:cohort_definitions",
        "reports/cohort/definitions.html",
    ),
]


def cohort_nav(*, cohort_pk: int, current: str) -> list[dict[str, Any]]:
    """The sub-navigation of the cohort's parts, `current` (a part's key) marked."""
    return [
        {
            "label": part.label,
            "url": reverse(part.url_name, args=[cohort_pk]),
            "current": part.key == current,
        }
        for part in COHORT_PARTS
    ]


@dataclass(frozen=True)
class CohortPage:
    """Everything the cohort page shows, under the names its template uses."""

    cohort: Cohort
    program: Program
    meeting_day: str
    zone_name: str
    facilitators: list[User]
    is_coordinator: bool
    rows: list[RosterRow]
    session_rows: list[RosterRow]
    week_headers: list[tuple[int, dt.date | None]]
    required_count: int
    is_strategy_log: bool
    schedule: list[tuple[Any, str]]  # (scheduled session, whose make-up it is)
    follow_ups: list[dict[str, Any]]
    summary_arms: list[str]
    figures: list[tuple[str, list[tuple[str, str]]]]
    progress: list[dict[str, Any]]
    points: list[MeasurementPoint]
    charts: dict[str, Chart]
    # The overview's summary, each linking into a part.
    next_session: Any  # the next scheduled session that is not cancelled, or None
    attendance: str
    open_flag_count: int
    to_chase_count: int
    people_count: int
    withdrawn_count: int
    chase_closed_days: int = CHASE_CLOSED_DAYS
    chase_closing_days: int = CHASE_CLOSING_DAYS

    def as_context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _questionnaire_cells(
    assessments: list[Assessment], started: set[int], now: dt.datetime
) -> tuple[list[MeasurementPoint], dict[tuple[int, int], str]]:
    """The measurement points the cohort's participants have, and each one's status label."""
    points = sorted({a.measurement_point for a in assessments}, key=lambda p: p.pk)
    labels = {
        (a.enrollment_id, a.measurement_point_id): str(
            a.status(now=now, started=a.pk in started).label
        )
        for a in assessments
    }
    return points, labels


def _practice_totals(session_rows: list[RosterRow], week_count: int) -> list[PracticeWeekTotal]:
    """Practice per course week added up over the participants offered sessions (weeks begun)."""
    totals = []
    for index in range(week_count):
        weeks = [row.weeks[index] for row in session_rows if len(row.weeks) > index]
        if weeks and all(w.is_future for w in weeks):
            break
        totals.append(
            PracticeWeekTotal(index + 1, sum(w.minutes for w in weeks), sum(w.days for w in weeks))
        )
    return totals


def _to_chase(assessments: list[Assessment], enrollments: list[Any], now: dt.datetime) -> int:
    """Questionnaires worth a call, as on the facilitator's worklist: not completed, and missed
    within the last CHASE_CLOSED_DAYS or open and closing within CHASE_CLOSING_DAYS."""
    withdrawn = {e.pk for e in enrollments if e.status == EnrollmentStatus.WITHDRAWN}
    closed_since = now - dt.timedelta(days=CHASE_CLOSED_DAYS)
    closing_before = now + dt.timedelta(days=CHASE_CLOSING_DAYS)
    return sum(
        1
        for a in assessments
        if a.completed_at is None
        and a.enrollment_id not in withdrawn
        and closed_since < a.closes_at <= closing_before
        and a.opens_at <= now
    )


def cohort_page_for_staff(*, user: User, pk: int, now: dt.datetime) -> CohortPage:
    """A cohort the user runs or coordinates, at a glance (404 for anyone else): its figures,
    schedule, roster, attendance and questionnaires per participant, practice per week and open
    follow-ups."""
    cohort = cohort_get_for_staff(user=user, pk=pk)
    program = cohort.program
    enrollments = list(enrollment_list_for_cohort(cohort=cohort))
    for enrollment in enrollments:
        enrollment.cohort = cohort  # already fetched with its program: no query per participant
    sessions = list(scheduled_session_list_for_cohort(cohort=cohort))
    attendances = list(attendance_list_for_cohort(cohort=cohort))
    practice = list(practice_log_list_day_totals_for_cohort(cohort=cohort))
    rows, week_count = roster_build(
        cohort=cohort,
        enrollments=enrollments,
        sessions=sessions,
        attendances=attendances,
        practice=practice,
        now=now,
    )
    # Every figure below comes from the report definitions, from the rows fetched above.
    assessments = list(
        assessment_list_for_cohort(cohort=cohort).select_related("measurement_point")
    )
    started = assessment_ids_started_for_cohort(cohort=cohort)
    required = required_session_counts(program_ids=[program.pk])
    session_data = [SessionRow.of(s) for s in sessions]
    attendance_data = [AttendanceRow.of(a) for a in attendances]
    facts = facts_build(
        enrollments=enrollments,
        sessions=session_data,
        attendances=attendance_data,
        practice=[PracticeDay.of(p) for p in practice],
        assessments=[AssessmentRow.of(a, a.measurement_point.kind) for a in assessments],
        completions=self_guided_completion_rows(cohort_ids=[cohort.pk])
        if program.is_self_guided
        else [],
        required_sessions=required,
        now=now,
    )
    # Open safety flags are not counted here: the banner at the top of the page lists them.
    summaries = summaries_build(
        cohorts=[cohort], facts=facts, sessions=session_data, required_sessions=required, now=now
    )
    points, questionnaire_labels = _questionnaire_cells(assessments, started, now)
    facts_of = {f.enrollment.pk: f for f in facts}
    progress = [
        {
            "row": row,
            "facts": facts_of[row.enrollment.pk],
            "sessions": format_percent(
                facts_of[row.enrollment.pk].sessions_attended,
                facts_of[row.enrollment.pk].sessions_held,
            ),
            "practice": format_percent(
                facts_of[row.enrollment.pk].practice_days,
                facts_of[row.enrollment.pk].days_in_program,
            ).replace(" (", " days (", 1),
            "questionnaires": [
                (point, questionnaire_labels.get((row.enrollment.pk, point.pk), "Not set up"))
                for point in points
            ],
        }
        for row in rows
    ]
    status_of = {
        (a.scheduled_session_id, a.enrollment_id): a.get_status_display() for a in attendances
    }
    follow_ups = [
        {"follow_up": f, "status": status_of.get((f.scheduled_session_id, f.enrollment_id), "")}
        for f in follow_up_list_open_for_cohort(cohort=cohort)
    ]
    code_of = {e.pk: e.participant_code for e in enrollments}
    session_rows = [r for r in rows if r.gets_sessions]
    # Group courses share one calendar, so the weeks' first days can head the columns.
    first_days: list[dt.date | None] = [None] * week_count
    if not program.is_individual and session_rows and session_rows[0].weeks:
        first_days = [w.first_day for w in session_rows[0].weeks]
    is_strategy_log = program.log_kind == LogKind.STRATEGY
    charts = {}
    if not program.is_self_guided:
        charts["attendance"] = attendance_by_session_chart(
            chart_id="chart-attendance",
            cohort_name=cohort.name,
            sessions=session_attendance_build(
                enrollments=enrollments,
                sessions=session_data,
                attendances=attendance_data,
                now=now,
            ),
        )
    if session_rows and week_count:
        charts["practice"] = practice_by_week_chart(
            chart_id="chart-practice",
            cohort_name=cohort.name,
            weeks=_practice_totals(session_rows, week_count),
            participants=len(session_rows),
            strategy=is_strategy_log,
        )
    arm_cells = [SummaryCells(s) for s in summaries]
    intervention = [c for c in arm_cells if not c.summary.is_control]
    return CohortPage(
        next_session=next((s for s in sessions if s.starts_at >= now and not s.is_cancelled), None),
        attendance=intervention[0].attendance if intervention else "Not offered sessions",
        open_flag_count=len(safety_event_list_open_for_staff(user=user, cohort=cohort)),
        to_chase_count=_to_chase(assessments, enrollments, now),
        people_count=len(enrollments),
        withdrawn_count=sum(1 for e in enrollments if e.status == EnrollmentStatus.WITHDRAWN),
        cohort=cohort,
        program=program,
        meeting_day=WEEKDAYS[cohort.meeting_weekday],
        zone_name=cohort.zone_label,
        facilitators=list(cohort.facilitators.order_by("full_name", "email")),
        is_coordinator=user_is_cohort_coordinator(user=user, cohort=cohort),
        rows=rows,
        session_rows=session_rows,
        week_headers=list(zip(range(1, week_count + 1), first_days, strict=True)),
        required_count=required.get(program.pk, 0),
        is_strategy_log=is_strategy_log,
        # Group courses: one schedule; make-ups for one participant say whose they are.
        schedule=[(s, code_of.get(s.enrollment_id or 0, "")) for s in sessions]
        if not program.is_individual
        else [],
        follow_ups=follow_ups,
        summary_arms=[s.arm_label for s in summaries],
        figures=figures_by_arm(arm_cells, self_guided=program.is_self_guided),
        progress=progress,
        points=points,
        charts=charts,
    )
