"""Landing pages after sign-in: the facilitator's worklist and the coordinator's page.

Each brings several rooms together for one person (sessions, questionnaires, invitations), so
they live in reports; what they show is sessions.reports.selectors.worklist and .landing.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from sessions.reports.selectors.landing import landing_for_coordinator
from sessions.reports.selectors.worklist import worklist_for_facilitator

WORKLIST_TEMPLATE = "reports/worklist.html"
LANDING_TEMPLATE = "reports/landing.html"


def worklist(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Today's and this week's sessions and calls, follow-ups due, open safety flags and
    questionnaires to chase, in the cohorts the facilitator runs."""
    page = worklist_for_facilitator(user=request.user, now=timezone.now())
    return render(request, WORKLIST_TEMPLATE, page.as_context())


def landing(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The coordinator's page: the organization's open safety flags, problems and tasks."""
    page = landing_for_coordinator(user=request.user, now=timezone.now())
    return render(request, LANDING_TEMPLATE, page.as_context())


urlpatterns = [
    path("today/", worklist, name="worklist"),
    path("coordinator/today/", landing, name="landing"),
]
