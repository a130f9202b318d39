"""Reads of the coordinator's overview: every cohort of their organization with its figures.

Only coordinators reach it (anyone else gets 404, as for any page they may not see). The
organization and its cohorts are those of sessions.reports.selectors.access, whose cohorts come
from programs.access, so the overview, the exports and the outcome page cover the same cohorts.
Every number comes from sessions.reports.definitions, so the page agrees with the cohort pages
and the exports; it makes a fixed number of queries however many cohorts and participants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from programs.models import Cohort, Program
from sessions.reports.definitions import CohortSummary, cohort_summaries
from sessions.reports.selectors.access import ReportAccess, report_access_for_user
from sessions.reports.states import CohortState, cohort_state, with_session_span
from sessions.reports.summaries import SummaryCells
from sessions.rosters import natural_sort_key

__all__ = [
    "COLUMNS",
    "CohortState",
    "OverviewFilters",
    "OverviewPage",
    "OverviewRow",
    "cohort_list_for_overview",
    "cohort_state",
    "overview_for_report",
    "report_access_for_coordinator",
]


# --- reads with access rules --------------------------------------------------------------------


def report_access_for_coordinator(*, user: User) -> ReportAccess:
    """The organization the user is working in and its cohorts, if they coordinate it, or 404."""
    access = report_access_for_user(user=user)
    if not access.is_coordinator:
        raise Http404
    return access


def cohort_list_for_overview(*, access: ReportAccess) -> QuerySet[Cohort]:
    """The cohorts within reach with their first and last live session (for their status)."""
    return with_session_span(access.cohorts.select_related("program")).order_by(
        "-start_date", "name"
    )


# --- filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewFilters:
    """What the overview is narrowed to (sessions.reports.forms.overview reads it from the URL)."""

    program: Program | None = None
    arm: str = ""
    state: str = ""
    start_from: dt.date | None = None
    start_to: dt.date | None = None
    # The filters understood, as written in the URL: the sort links keep them.
    query: Mapping[str, str] = field(default_factory=dict)


# --- sorting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    sort_key: Callable[[OverviewRow], Any]


@dataclass(frozen=True)
class OverviewRow(SummaryCells):
    state: str

    @property
    def state_label(self) -> str:
        return CohortState.LABELS[self.state]


def _rate_key(value: Decimal | None) -> tuple[int, Decimal]:
    # Rows without a rate sort after every row with one, whichever way the column is sorted.
    return (0, value) if value is not None else (1, Decimal(0))


COLUMNS = [
    # Names sort as people read them (Group 2 before Group 11), as participant codes do.
    Column("cohort", "Cohort", lambda r: (natural_sort_key(r.cohort.name), r.summary.arm)),
    Column("start", "Starts", lambda r: (r.cohort.start_date, natural_sort_key(r.cohort.name))),
    Column("arm", "Arm", lambda r: (r.summary.arm, natural_sort_key(r.cohort.name))),
    Column("enrolled", "Enrolled", lambda r: r.summary.enrolled),
    Column("active", "Active", lambda r: r.summary.active),
    Column("withdrawn", "Withdrawn", lambda r: r.summary.withdrawn),
    Column("completion", "Completed the course", lambda r: _rate_key(r.summary.completion_rate)),
    Column("attendance", "Attendance", lambda r: _rate_key(r.summary.attendance_rate)),
    Column("baseline", "Baseline questionnaires", lambda r: r.summary.baseline_completed),
    Column("post", "Post questionnaires", lambda r: r.summary.post_completed),
    Column("paired", "Both (paired)", lambda r: r.summary.paired_completed),
    Column("adherence", "Practice adherence", lambda r: _rate_key(r.summary.practice_adherence)),
    Column("flags", "Open safety flags", lambda r: r.summary.open_safety_flags),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
DEFAULT_SORT = ("start", "desc")


def _sorted(rows: list[OverviewRow], key: str, direction: str) -> list[OverviewRow]:
    column = COLUMN_BY_KEY[key]
    if key in ("completion", "attendance", "adherence"):
        # Keep rows without a rate at the end in both directions.
        with_rate = [r for r in rows if column.sort_key(r)[0] == 0]
        without = [r for r in rows if column.sort_key(r)[0] == 1]
        with_rate.sort(key=column.sort_key, reverse=direction == "desc")
        return with_rate + without
    return sorted(rows, key=column.sort_key, reverse=direction == "desc")


def _query(params: Mapping[str, str], **changes: str) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v}
    return f"?{urlencode(merged)}" if merged else "?"


def _headers(params: Mapping[str, str], sort: str, direction: str) -> list[dict[str, Any]]:
    """Each column's heading with the link that sorts by it, and how it is sorted now."""
    headers = []
    for column in COLUMNS:
        active = column.key == sort
        # A first click sorts words A to Z and numbers from the highest down.
        first = "asc" if column.key in ("cohort", "arm") else "desc"
        next_direction = ("asc" if direction == "desc" else "desc") if active else first
        headers.append(
            {
                "column": column,
                "url": _query(params, sort=column.key, dir=next_direction),
                "aria_sort": ("ascending" if direction == "asc" else "descending")
                if active
                else "",
                "next": "ascending" if next_direction == "asc" else "descending",
            }
        )
    return headers


# --- the page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewPage:
    rows: list[OverviewRow]
    headers: list[dict[str, Any]]
    sort: str
    direction: str
    is_filtered: bool
    thresholds: list[CohortSummary]  # one per program with sessions, for its completion rule


def overview_for_report(
    *,
    access: ReportAccess,
    filters: OverviewFilters,
    sort: str | None,
    direction: str | None,
    now: dt.datetime,
) -> OverviewPage:
    """Every cohort within reach: enrolled, completion, attendance, questionnaires, practice and
    safety flags, filtered and sorted as asked (`sort`/`direction` as given in the URL, if any)."""
    cohorts = cohort_list_for_overview(access=access)
    if filters.program is not None:
        cohorts = cohorts.filter(program=filters.program)
    if filters.start_from:
        cohorts = cohorts.filter(start_date__gte=filters.start_from)
    if filters.start_to:
        cohorts = cohorts.filter(start_date__lte=filters.start_to)
    found = list(cohorts)
    states = {c.pk: cohort_state(c, now) for c in found}
    if filters.state:
        found = [c for c in found if states[c.pk] == filters.state]
    rows = [
        OverviewRow(summary, states[summary.cohort.pk])
        for summary in cohort_summaries(cohorts=found, now=now)
    ]
    if filters.arm:
        rows = [r for r in rows if r.summary.arm == filters.arm]

    sort = DEFAULT_SORT[0] if sort is None else sort
    direction = DEFAULT_SORT[1] if direction is None else direction
    if sort not in COLUMN_BY_KEY or direction not in ("asc", "desc"):
        sort, direction = DEFAULT_SORT
    rows = _sorted(rows, sort, direction)

    thresholds = {
        s.cohort.program_id: s
        for s in (r.summary for r in rows)
        if not s.cohort.program.is_self_guided
    }
    return OverviewPage(
        rows=rows,
        headers=_headers(filters.query, sort, direction),
        sort=sort,
        direction=direction,
        is_filtered=any(filters.query.values()),
        thresholds=sorted(thresholds.values(), key=lambda s: s.cohort.program.name),
    )
