"""Reads of the coordinator's overview: every cohort of their organization with its figures,
50 cohorts a page.

Only coordinators reach it (anyone else gets 404, as for any page they may not see). The
organization and its cohorts are those of sessions.reports.selectors.access, whose cohorts come
from programs.access, so the overview, the exports and the outcome page cover the same cohorts.
Every number comes from sessions.reports.definitions, so the page agrees with the cohort pages
and the exports; it makes a fixed number of queries however many cohorts and participants.

Paging is by cohort: a cohort's rows (one per arm) stay together on one page. The cohorts are
put in order over all of them first, then cut into pages, so page 2 continues where page 1 ends:

- sorted by name, start or arm (and by default), the order needs only the cohorts themselves
  (one query, with their status and which arms they have), and figures are worked out for the
  50 cohorts shown; sorted by open safety flags, one more query counts them per cohort and arm
  (as the figures do);
- sorted by any other figure (enrolled, rates ...), the figures of every cohort are needed to
  know which 50 come first, so they are all worked out, as before paging; only the page's rows
  are shown. Either way the number of queries stays the same however many cohorts there are.

A cohort's place is that of its first row in the sort (for a trial cohort with two arms, the
arm that sorts first); within the page, rows follow the sort.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import User
from programs.models import Arm, Cohort, Enrollment, Program
from sessions.reports.definitions import cohort_summaries, open_safety_flag_counts
from sessions.reports.selectors.access import ReportAccess, report_access_for_user
from sessions.reports.states import CohortState, cohort_state, with_session_span
from sessions.reports.summaries import SummaryCells
from sessions.rosters import natural_sort_key

__all__ = [
    "COLUMNS",
    "PER_PAGE",
    "CohortState",
    "OverviewFilters",
    "OverviewPage",
    "OverviewRow",
    "Threshold",
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


# Arm.values builds its list anew on every use: read once here, as it is asked per cohort.
ARMS: tuple[str, ...] = tuple(Arm.values)


def cohort_list_for_overview(*, access: ReportAccess) -> QuerySet[Cohort]:
    """The cohorts within reach with their first and last live session (for their status) and,
    per arm, whether anyone is enrolled in it (`has_<arm>`: which rows the cohort has).

    Without their programs: 750 cohorts share a handful of programs, and reading each
    program's JSON once per cohort took most of the page's time. `_with_programs` adds them.
    """
    arms = {
        f"has_{arm}": Exists(Enrollment.objects.filter(cohort_id=OuterRef("pk"), arm=arm))
        for arm in ARMS
    }
    return (
        with_session_span(access.cohorts.select_related(None))
        .annotate(**arms)
        .order_by("-start_date", "name")
    )


def _with_programs(cohorts: list[Cohort], access: ReportAccess) -> None:
    """Each cohort's program (one shared object per program, with its version as the cohort
    lists have it, and `required_count`, its sessions that count towards completion) and
    organization (the one reported on: access.cohorts are its cohorts). One query."""
    programs = (
        Program.objects.filter(pk__in={c.program_id for c in cohorts})
        .select_related("version__line")
        .annotate(required_count=Count("sessions", filter=Q(sessions__optional=False)))
        .in_bulk()
    )
    for c in cohorts:
        c.program = programs[c.program_id]
        c.organization = access.organization


def _arms_of(cohort: Cohort) -> list[str]:
    # As sessions.reports.definitions.arms: a row per arm with an enrollment (invited ones too);
    # a cohort without enrollments has one intervention row.
    return [arm for arm in ARMS if getattr(cohort, f"has_{arm}", False)] or [str(Arm.INTERVENTION)]


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


# --- paging -------------------------------------------------------------------------------------

PER_PAGE = 50

# The sorts that need only the cohorts: the others need every cohort's figures (module docstring).
COHORT_SORTS = ("cohort", "start", "arm", "flags")


def _cohort_order(
    cohorts: list[Cohort], arms: Mapping[int, list[str]], sort: str, direction: str
) -> list[Cohort]:
    """The cohorts in the order their first rows take when every row is sorted (see _sorted)."""
    descending = direction == "desc"
    first: Callable[..., Any] = max if descending else min

    def lead(c: Cohort) -> str:
        # The cohort's arm that sorts first: its rows' keys differ only by arm.
        return first(arms[c.pk])

    if sort == "flags":
        # Stable sorts keep equal rows in the cohorts' order, and so equal cohorts.
        flags = open_safety_flag_counts(cohort_ids=[c.pk for c in cohorts])
        return sorted(
            cohorts,
            key=lambda c: first(flags.get((c.pk, arm), 0) for arm in arms[c.pk]),
            reverse=descending,
        )

    keys: dict[str, Callable[[Cohort], Any]] = {
        "cohort": lambda c: (natural_sort_key(c.name), lead(c)),
        "start": lambda c: (c.start_date, natural_sort_key(c.name)),
        "arm": lambda c: (lead(c), natural_sort_key(c.name)),
    }
    return sorted(cohorts, key=keys[sort], reverse=descending)


def _first_appearance(rows: list[OverviewRow]) -> list[Cohort]:
    seen: dict[int, Cohort] = {}
    for row in rows:
        seen.setdefault(row.cohort.pk, row.cohort)
    return list(seen.values())


def _page_numbers(count: int, current: int) -> list[int | None]:
    """The first, the last and the two either side of the current page; None where pages are
    left out (752 cohorts make 16 pages: a link to each would be a wall of numbers)."""
    wanted = {1, count, *range(current - 2, current + 3)}
    numbers: list[int | None] = []
    for n in sorted(n for n in wanted if 1 <= n <= count):
        if numbers and numbers[-1] is not None and n > numbers[-1] + 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: pages left out here
    url: str
    current: bool


@dataclass(frozen=True)
class Paging:
    page: Page[Cohort]
    links: list[PageLink]
    previous_url: str | None
    next_url: str | None
    # Set when the page asked for does not exist: what is shown instead, in words.
    problem: str

    @property
    def first(self) -> int:
        return self.page.start_index()

    @property
    def last(self) -> int:
        return self.page.end_index()

    @property
    def total(self) -> int:
        return self.page.paginator.count


def _paging(cohorts: list[Cohort], asked: str | None, params: Mapping[str, str]) -> Paging:
    paginator = Paginator(cohorts, PER_PAGE)
    raw = (asked or "").strip()
    # Only plain digits are a page number (int() also takes Arabic-Indic digits, "+2" and
    # "2_0"); a number too long to be a page is past the last (int() refuses over 4,300 digits).
    is_number = re.fullmatch(r"-?[0-9]+", raw) is not None
    number = int(raw[:19]) if is_number else 1
    where = ""
    if raw and not is_number:
        where = "the first"
    elif number < 1:
        number, where = 1, "the first"
    elif number > paginator.num_pages:
        number, where = paginator.num_pages, "the last"
    page = paginator.page(number)
    problem = (
        f"There is no such page of cohorts. This is {where} page, "
        f"page {page.number} of {paginator.num_pages}."
        if where
        else ""
    )

    def url(n: int) -> str:
        # Page 1 is the overview's own address (the sort and filter links lead there).
        return _query(params, page=str(n) if n > 1 else "")

    return Paging(
        page=page,
        links=[
            PageLink(n, url(n) if n else "", n == page.number)
            for n in _page_numbers(paginator.num_pages, page.number)
        ],
        previous_url=url(page.number - 1) if page.has_previous() else None,
        next_url=url(page.number + 1) if page.has_next() else None,
        problem=problem,
    )


# --- the page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """A program's completion rule, as the page states it above the table."""

    program: Program
    completion_threshold: int
    required_sessions: int


@dataclass(frozen=True)
class OverviewPage:
    rows: list[OverviewRow]  # the current page's
    headers: list[dict[str, Any]]
    sort: str
    direction: str
    is_filtered: bool
    thresholds: list[Threshold]  # one per program with sessions among all the cohorts found
    paging: Paging


def _filtered_cohorts(
    access: ReportAccess, filters: OverviewFilters, now: dt.datetime
) -> tuple[list[Cohort], dict[int, str], dict[int, list[str]]]:
    """Every cohort the filters keep (one query), with each one's state and arms."""
    cohorts = cohort_list_for_overview(access=access)
    if filters.program is not None:
        cohorts = cohorts.filter(program=filters.program)
    if filters.start_from:
        cohorts = cohorts.filter(start_date__gte=filters.start_from)
    if filters.start_to:
        cohorts = cohorts.filter(start_date__lte=filters.start_to)
    found = list(cohorts)
    _with_programs(found, access)
    states = {c.pk: cohort_state(c, now) for c in found}
    arms = {c.pk: _arms_of(c) for c in found}
    if filters.state:
        found = [c for c in found if states[c.pk] == filters.state]
    if filters.arm:
        found = [c for c in found if filters.arm in arms[c.pk]]
        # Only that arm's rows are shown, so only that arm places a cohort in the order.
        arms = {pk: [filters.arm] for pk in arms}
    return found, states, arms


def _rows(
    cohorts: list[Cohort], states: Mapping[int, str], arm: str, now: dt.datetime
) -> list[OverviewRow]:
    rows = [
        OverviewRow(summary, states[summary.cohort.pk])
        for summary in cohort_summaries(cohorts=cohorts, now=now)
    ]
    return [r for r in rows if r.summary.arm == arm] if arm else rows


def _thresholds(cohorts: list[Cohort]) -> list[Threshold]:
    # required_count: as sessions.reports.definitions.required_session_counts, read with the
    # programs (_with_programs).
    programs = {c.program_id: c.program for c in cohorts if not c.program.is_self_guided}
    return sorted(
        (
            Threshold(p, p.completion_threshold, p.required_count)  # type: ignore[attr-defined]
            for p in programs.values()
        ),
        key=lambda t: t.program.name,
    )


def overview_for_report(
    *,
    access: ReportAccess,
    filters: OverviewFilters,
    sort: str | None,
    direction: str | None,
    now: dt.datetime,
    page: str | None = None,
) -> OverviewPage:
    """One page of the cohorts within reach: enrolled, completion, attendance, questionnaires,
    practice and safety flags, filtered and sorted as asked (`sort`/`direction`/`page` as given
    in the URL, if any)."""
    found, states, arms = _filtered_cohorts(access, filters, now)

    sort = DEFAULT_SORT[0] if sort is None else sort
    direction = DEFAULT_SORT[1] if direction is None else direction
    if sort not in COLUMN_BY_KEY or direction not in ("asc", "desc"):
        sort, direction = DEFAULT_SORT
    params = {**filters.query, "sort": sort, "dir": direction}

    if sort in COHORT_SORTS:
        paging = _paging(_cohort_order(found, arms, sort, direction), page, params)
        rows = _sorted(_rows(list(paging.page), states, filters.arm, now), sort, direction)
    else:
        every = _sorted(_rows(found, states, filters.arm, now), sort, direction)
        paging = _paging(_first_appearance(every), page, params)
        shown = {c.pk for c in paging.page}
        rows = [r for r in every if r.cohort.pk in shown]

    return OverviewPage(
        rows=rows,
        headers=_headers(filters.query, sort, direction),
        sort=sort,
        direction=direction,
        is_filtered=any(filters.query.values()),
        thresholds=_thresholds(found),
        paging=paging,
    )
