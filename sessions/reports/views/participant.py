"""The participant page: one enrollment summed up for the staff who run or coordinate its cohort."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from accounts.audit import audit_record
from accounts.http import AuthenticatedHttpRequest
from accounts.models import AuditAction
from sessions.reports.selectors.participant import SECTIONS, participant_page_for_staff


def participant_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Contact details, attendance, notes, practice log with reflections, questionnaires,
    follow-ups and safety flags of one participant; ?all=<section> shows a long list whole."""
    show_all = frozenset(request.GET.getlist("all")) & SECTIONS
    page = participant_page_for_staff(
        user=request.user, pk=pk, now=timezone.now(), show_all=show_all
    )
    # The page shows answers, scores, reflections and staff notes: one event says it was seen.
    audit_record(
        request=request,
        actor=request.user,
        action=AuditAction.VIEW_ANSWERS,
        obj=page.enrollment,
        organization=page.cohort.organization,
        details=page.audit_details,
    )
    return render(request, "reports/participant.html", page.as_context())


urlpatterns = [
    path("enrollments/<int:pk>/", participant_detail, name="participant_detail"),
]
