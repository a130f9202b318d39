"""The coordinator's overview: every cohort of their organization with its completion figures.

Only coordinators reach it (anyone else gets 404, as for any page they may not see). Every
number comes from sessions.reports.definitions, so the page agrees with the cohort pages and
the exports; the page makes a fixed number of queries however many cohorts and participants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.db.models import Max, Min, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone

from accounts.models import Organization, Role, User
from accounts.selectors import membership_get_for_user
from programs.models import Arm, Cohort, Program
from sessions.models import SessionStatus
from sessions.reports.charts import format_percent
from sessions.reports.definitions import DEFINITIONS, CohortSummary, cohort_summaries


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has already turned anonymous visitors away.
    return cast(User, request.user)


# --- reads with access rules --------------------------------------------------------------------


def organization_get_for_reports(*, user: User) -> Organization:
    """The organization whose reports the user may read: the one they coordinate, or 404."""
    return membership_get_for_user(user=user, role=Role.COORDINATOR).organization


def cohort_list_for_reports(*, organization: Organization) -> QuerySet[Cohort]:
    """The organization's cohorts with their first and last live session (for their status)."""
    live = Q(scheduled_sessions__status=SessionStatus.SCHEDULED)
    return (
        Cohort.objects.for_organization(organization)
        .select_related("program")
        .annotate(
            first_session_at=Min("scheduled_sessions__starts_at", filter=live),
            last_session_at=Max("scheduled_sessions__starts_at", filter=live),
        )
        .order_by("-start_date", "name")
    )


# --- filters ----------------------------------------------------------------------------------


class CohortState:
    UPCOMING = "upcoming"
    RUNNING = "running"
    FINISHED = "finished"
    CHOICES = [
        (UPCOMING, "Not started yet"),
        (RUNNING, "Running"),
        (FINISHED, "Finished"),
    ]
    LABELS = dict(CHOICES)


def cohort_state(cohort: Any, now: dt.datetime) -> str:
    """Not started until its first session begins, finished once its last one has begun."""
    first: dt.datetime | None = getattr(cohort, "first_session_at", None)
    last: dt.datetime | None = getattr(cohort, "last_session_at", None)
    if first is None or last is None:
        # No sessions (yet): one-on-one courses before anyone is scheduled, self-guided courses.
        today = timezone.localdate(now, timezone=cohort.zoneinfo)
        return CohortState.UPCOMING if cohort.start_date > today else CohortState.RUNNING
    if first > now:
        return CohortState.UPCOMING
    if last < now:
        return CohortState.FINISHED
    return CohortState.RUNNING


# This page's form lives with its one view: it only narrows a read-only table.
class OverviewFilterForm(forms.Form):
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(),
        required=False,
        empty_label="All programs",
        to_field_name="slug",
        error_messages={"invalid_choice": "Choose a program from the list."},
    )
    arm = forms.ChoiceField(
        choices=[("", "Both arms"), *Arm.choices],
        required=False,
        error_messages={"invalid_choice": "Choose intervention or control."},
    )
    state = forms.ChoiceField(
        label="Cohort status",
        choices=[("", "Any status"), *CohortState.CHOICES],
        required=False,
        error_messages={"invalid_choice": "Choose a status from the list."},
    )
    start_from = forms.DateField(
        label="Starts on or after",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, for example 2026-09-01."},
    )
    start_to = forms.DateField(
        label="Starts on or before",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, for example 2026-12-31."},
    )

    def __init__(self, *args: Any, programs: QuerySet[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["program"]).queryset = programs

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start_from, start_to = data.get("start_from"), data.get("start_to")
        if start_from and start_to and start_from > start_to:
            self.add_error(
                "start_to",
                f"The last start date must be on or after the first ({start_from:%Y-%m-%d}).",
            )
        return data


# --- sorting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    sort_key: Callable[[OverviewRow], Any]


@dataclass(frozen=True)
class SummaryCells:
    """A cohort summary's numbers as people read them: “8 of 10 (80%)”, or why there is none."""

    summary: CohortSummary

    @property
    def cohort(self) -> Cohort:
        return self.summary.cohort

    @property
    def completion(self) -> str:
        s = self.summary
        return "Not offered sessions" if s.is_control else format_percent(s.completed, s.enrolled)

    @property
    def attendance(self) -> str:
        s = self.summary
        if s.is_control:
            return "Not offered sessions"
        if s.participant_sessions_held == 0:
            return "No sessions held yet"
        return format_percent(s.participant_sessions_attended, s.participant_sessions_held)

    @property
    def baseline(self) -> str:
        return format_percent(self.summary.baseline_completed, self.summary.enrolled)

    @property
    def post(self) -> str:
        return format_percent(self.summary.post_completed, self.summary.enrolled)

    @property
    def paired(self) -> str:
        return format_percent(self.summary.paired_completed, self.summary.enrolled)

    @property
    def adherence(self) -> str:
        s = self.summary
        if s.is_control:
            return "Not offered sessions"
        if s.days_in_program == 0:
            return "Not started yet"
        return format_percent(s.practice_days, s.days_in_program).replace(" (", " days (", 1)


def figures_by_arm(cells: list[SummaryCells]) -> list[tuple[str, list[tuple[str, str]]]]:
    """One cohort's figures, a row per figure and a column per arm (reads well on any screen)."""
    rows: list[tuple[str, Callable[[SummaryCells], object]]] = [
        ("Enrolled", lambda c: c.summary.enrolled),
        ("Only invited (not enrolled)", lambda c: c.summary.invited),
        ("Withdrawn", lambda c: c.summary.withdrawn),
        ("Completed the course", lambda c: c.completion),
        ("Attendance", lambda c: c.attendance),
        ("Baseline questionnaires", lambda c: c.baseline),
        ("Post questionnaires", lambda c: c.post),
        ("Both (paired)", lambda c: c.paired),
        ("Practice adherence", lambda c: c.adherence),
    ]
    return [(label, [(c.summary.arm_label, str(value(c))) for c in cells]) for label, value in rows]


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
    Column("cohort", "Cohort", lambda r: (r.cohort.name.casefold(), r.summary.arm)),
    Column("start", "Starts", lambda r: (r.cohort.start_date, r.cohort.name.casefold())),
    Column("arm", "Arm", lambda r: (r.summary.arm, r.cohort.name.casefold())),
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


def _query(params: dict[str, str], **changes: str) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v}
    return f"?{urlencode(merged)}" if merged else "?"


def _safe_reverse(name: str, **kwargs: Any) -> str | None:
    # The export and outcome pages are built alongside this one; until they exist, no links.
    try:
        return reverse(name, **kwargs)
    except NoReverseMatch:
        return None


EXPORT_KINDS = [
    ("completion", "Completion per cohort and arm"),
    ("participants", "Completion per participant"),
    ("responses", "Questionnaire answers, item by item, with a data dictionary"),
    ("outcomes", "Outcome summary per instrument"),
]


def _downloads(program: Program | None) -> list[dict[str, Any]]:
    items = []
    for kind, label in EXPORT_KINDS:
        base = _safe_reverse("reports:export_download", kwargs={"kind": kind})
        if base is None:
            continue
        links = []
        for fmt, fmt_label in (("csv", "CSV"), ("xlsx", "Excel")):
            params = {"format": fmt}
            if program is not None:
                params["program"] = program.slug
            links.append({"url": f"{base}?{urlencode(params)}", "label": fmt_label})
        items.append({"label": label, "links": links})
    return items


def reports_overview(request: HttpRequest) -> HttpResponse:
    """Every cohort of the coordinator's organization: enrolled, completion, attendance,
    questionnaires, practice and safety flags, filtered and sorted as asked."""
    organization = organization_get_for_reports(user=_user(request))
    now = timezone.now()
    cohorts = cohort_list_for_reports(organization=organization)
    programs = (
        Program.objects.filter(cohorts__organization=organization).distinct().order_by("name")
    )
    form = OverviewFilterForm(request.GET or None, programs=programs)
    form.is_valid()
    # Filters that were understood apply; one that was not is named in the error summary.
    chosen = getattr(form, "cleaned_data", {})
    program: Program | None = chosen.get("program")
    if program is not None:
        cohorts = cohorts.filter(program=program)
    if chosen.get("start_from"):
        cohorts = cohorts.filter(start_date__gte=chosen["start_from"])
    if chosen.get("start_to"):
        cohorts = cohorts.filter(start_date__lte=chosen["start_to"])
    found = list(cohorts)
    states = {c.pk: cohort_state(c, now) for c in found}
    if chosen.get("state"):
        found = [c for c in found if states[c.pk] == chosen["state"]]
    rows = [
        OverviewRow(summary, states[summary.cohort.pk])
        for summary in cohort_summaries(cohorts=found, now=now)
    ]
    if chosen.get("arm"):
        rows = [r for r in rows if r.summary.arm == chosen["arm"]]

    sort = request.GET.get("sort", DEFAULT_SORT[0])
    direction = request.GET.get("dir", DEFAULT_SORT[1])
    if sort not in COLUMN_BY_KEY or direction not in ("asc", "desc"):
        sort, direction = DEFAULT_SORT
    rows = _sorted(rows, sort, direction)

    params = {
        name: request.GET.get(name, "")
        for name in ("program", "arm", "state", "start_from", "start_to")
        if name not in form.errors
    }
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
    is_filtered = any(params.values())
    thresholds = {
        s.cohort.program_id: s
        for s in (r.summary for r in rows)
        if not s.cohort.program.is_self_guided
    }
    return render(
        request,
        "program_sessions/reports_overview.html",
        {
            "organization": organization,
            "form": form,
            "rows": rows,
            "headers": headers,
            "sort": sort,
            "direction": direction,
            "is_filtered": is_filtered,
            "clear_url": reverse("reports:reports_overview"),
            "thresholds": sorted(thresholds.values(), key=lambda s: s.cohort.program.name),
            "definitions": DEFINITIONS,
            "program": program,
            "downloads": _downloads(program),
            "outcomes_url": _outcomes_url(program),
            "now": now,
        },
    )


def _outcomes_url(program: Program | None) -> str | None:
    base = _safe_reverse("reports:outcomes")
    if base is None:
        return None
    return f"{base}?{urlencode({'program': program.slug})}" if program else base


urlpatterns = [
    path("reports/", reports_overview, name="reports_overview"),
]
