"""The cohort page, in parts: an overview that links into the schedule, follow-ups, people,
progress, charts and definitions, each at its own URL under the cohort, for the staff who run
or coordinate it. The parts and their order are selectors.cohort.COHORT_PARTS."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from sessions.reports.definitions import DEFINITIONS
from sessions.reports.selectors.cohort import (
    COHORT_PARTS,
    CohortPart,
    cohort_nav,
    cohort_page_for_staff,
)

# URL path under /cohorts/<pk>/ of each part this app renders ("" is the overview).
PART_PATHS = {
    "overview": "",
    "schedule": "schedule/",
    "follow_ups": "follow-ups/",
    "people": "people/",
    "progress": "progress/",
    "charts": "charts/",
    "definitions": "definitions/",
}


def _part_view(part: CohortPart) -> Callable[[AuthenticatedHttpRequest, int], HttpResponse]:
    def view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        now = timezone.now()
        page = cohort_page_for_staff(user=request.user, pk=pk, now=now)
        return render(
            request,
            part.template,
            {
                **page.as_context(),
                "part": part,
                "cohort_nav": cohort_nav(cohort_pk=page.cohort.pk, current=part.key),
                "definitions": DEFINITIONS,
                # Everyone who reaches this page runs the cohort or coordinates it, and the
                # report pages let both summarize and export it (facilitators without names).
                "outcomes_url": reverse("reports:outcomes") + f"?cohort={page.cohort.pk}",
                "export_url": reverse("reports:export") + f"?cohort={page.cohort.pk}",
                "now": now,
            },
        )

    view.__name__ = f"cohort_{part.key}"
    view.__doc__ = f"The cohort page's {part.label.lower()} part."
    return view


urlpatterns: list[URLPattern] = [
    path(
        f"cohorts/<int:pk>/{PART_PATHS[part.key]}",
        _part_view(part),
        name=part.url_name.split(":")[1],
    )
    for part in COHORT_PARTS
    if part.template
]
