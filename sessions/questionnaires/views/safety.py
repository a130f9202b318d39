"""The safety history of a cohort: every flag raised, open and acknowledged, for its staff.

The cohort is reached through programs.access.cohort_get_for_staff (404 for anyone else). Each
flag shows what was answered, so opening the page is recorded in the audit log like opening one
flag; who was told when a flag escalated comes from notifications through its template tag.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from accounts.audit import audit_record
from accounts.http import AuthenticatedHttpRequest
from accounts.models import AuditAction
from programs.access import cohort_get_for_staff
from sessions.questionnaires.selectors import safety_event_list_for_cohort
from sessions.questionnaires.services.safety import safety_history_items


def cohort_safety(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every safety flag of a cohort, newest first: who, what they answered, when, who
    acknowledged it and what they did, and who was told when it escalated."""
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    events = safety_event_list_for_cohort(cohort=cohort)
    if events:
        audit_record(
            request=request,
            actor=request.user,
            action=AuditAction.VIEW_ANSWERS,
            obj=cohort,
            organization=cohort.organization,
            participant_codes=sorted({e.enrollment.participant_code for e in events}),
            details={"page": "safety history", "flags": len(events)},
        )
    return render(
        request,
        "questionnaires/safety_history.html",
        {
            "cohort": cohort,
            "items": safety_history_items(events),
            "open_count": sum(1 for e in events if e.is_open),
            "acknowledged_count": sum(1 for e in events if not e.is_open),
        },
    )


urlpatterns = [
    path("cohorts/<int:pk>/safety/", cohort_safety, name="cohort_safety"),
]
