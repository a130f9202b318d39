"""The coordinator's overview: every cohort of their organization with its completion figures,
50 cohorts a page.

Only coordinators reach it (anyone else gets 404); what it covers and counts is
sessions.reports.selectors.overview.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from programs.models import Program
from sessions.reports.definitions import DEFINITIONS
from sessions.reports.forms.overview import OverviewFilterForm
from sessions.reports.selectors.overview import (
    OverviewFilters,
    overview_for_report,
    report_access_for_coordinator,
)

OVERVIEW_TEMPLATE = "reports/overview.html"


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


def _export_filters(filters: OverviewFilters) -> dict[str, str]:
    """The overview's filters the exports understand, as written in an address."""
    found = {
        "program": filters.program.slug if filters.program else "",
        "arm": filters.arm,
        "state": filters.state,
        "start_from": filters.start_from.isoformat() if filters.start_from else "",
        "start_to": filters.start_to.isoformat() if filters.start_to else "",
    }
    return {name: value for name, value in found.items() if value}


def _downloads(filters: OverviewFilters) -> list[dict[str, Any]]:
    items = []
    for kind, label in EXPORT_KINDS:
        base = _safe_reverse("reports:export_download", kwargs={"kind": kind})
        if base is None:
            continue
        links = []
        for fmt, fmt_label in (("csv", "CSV"), ("xlsx", "Excel")):
            params = {"format": fmt, **_export_filters(filters)}
            links.append({"url": f"{base}?{urlencode(params)}", "label": fmt_label})
        items.append({"label": label, "links": links})
    return items


def _export_form_url(filters: OverviewFilters) -> str | None:
    base = _safe_reverse("reports:export")
    if base is None:
        return None
    query = _export_filters(filters)
    return f"{base}?{urlencode(query)}" if query else base


def _outcomes_url(program: Program | None) -> str | None:
    base = _safe_reverse("reports:outcomes")
    if base is None:
        return None
    return f"{base}?{urlencode({'program': program.slug})}" if program else base


def reports_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every cohort of the coordinator's organization: enrolled, completion, attendance,
    questionnaires, practice and safety flags, filtered and sorted as asked."""
    access = report_access_for_coordinator(user=request.user)
    form = OverviewFilterForm(request.GET or None, access=access)
    filters = form.filters()
    now = timezone.now()
    page = overview_for_report(
        access=access,
        filters=filters,
        sort=request.GET.get("sort"),
        direction=request.GET.get("dir"),
        now=now,
        page=request.GET.get("page"),
    )
    return render(
        request,
        OVERVIEW_TEMPLATE,
        {
            "organization": access.organization,
            "form": form,
            "rows": page.rows,
            "headers": page.headers,
            "sort": page.sort,
            "direction": page.direction,
            "is_filtered": page.is_filtered,
            "clear_url": reverse("reports:reports_overview"),
            "thresholds": page.thresholds,
            "paging": page.paging,
            "definitions": DEFINITIONS,
            "program": filters.program,
            "downloads": _downloads(filters),
            "export_form_url": _export_form_url(filters),
            "outcomes_url": _outcomes_url(filters.program),
            "now": now,
        },
    )


urlpatterns = [
    path("reports/", reports_overview, name="reports_overview"),
]
