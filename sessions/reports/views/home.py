"""The participant's home: every course they joined at a glance, with what is due.

It lives in reports because it brings the course (sessions) and the questionnaires due together;
what it shows is sessions.reports.selectors.home.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from sessions.reports.selectors.home import home_for_participant

HOME_TEMPLATE = "reports/participant_home.html"


def participant_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every course the participant joined at a glance: next session, this week, progress, catching
    up; and any invitation they have not accepted yet, as one line (it replaces nothing)."""
    page = home_for_participant(user=request.user, now=timezone.now())
    return render(request, HOME_TEMPLATE, page.as_context())


urlpatterns = [
    path("me/", participant_home, name="participant_home"),
]
