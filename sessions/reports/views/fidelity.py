"""The adherence page: how closely held sessions followed their checklists of core elements.

What it shows, and to whom, is sessions.reports.selectors.fidelity (the cohorts the person
reports on; a `?cohort=` they may not see is 404).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from sessions.reports.selectors.fidelity import fidelity_page_for_staff


def fidelity(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Adherence per cohort, per session (facilitator and observer side by side) and per facilitator."""
    page = fidelity_page_for_staff(
        user=request.user, cohort=request.GET.get("cohort"), now=timezone.now()
    )
    return render(request, "reports/fidelity.html", page.as_context())


urlpatterns = [
    path("reports/fidelity/", fidelity, name="fidelity"),
]
