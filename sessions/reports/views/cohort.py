"""The cohort page: a cohort at a glance, for the staff who run or coordinate it."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from sessions.reports.definitions import DEFINITIONS
from sessions.reports.selectors.cohort import cohort_page_for_staff

COHORT_TEMPLATE = "reports/cohort_detail.html"


def cohort_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A cohort at a glance: its figures, schedule, roster, attendance and questionnaires per
    participant, practice per week and open follow-ups."""
    now = timezone.now()
    page = cohort_page_for_staff(user=request.user, pk=pk, now=now)
    return render(
        request,
        COHORT_TEMPLATE,
        {
            **page.as_context(),
            "definitions": DEFINITIONS,
            # Everyone who reaches this page runs the cohort or coordinates it, and the report
            # pages let both summarize and export it (facilitators without names).
            "outcomes_url": reverse("reports:outcomes") + f"?cohort={page.cohort.pk}",
            "export_url": reverse("reports:export") + f"?cohort={page.cohort.pk}",
            "now": now,
        },
    )


urlpatterns = [
    path("cohorts/<int:pk>/", cohort_detail, name="cohort_detail"),
]
