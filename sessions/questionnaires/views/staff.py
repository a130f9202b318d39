"""Questionnaire pages for staff (status, results, safety flags) and a participant's own results.

Staff reach a cohort's pages through programs.access.cohort_get_for_staff and a safety event
through selectors.safety_event_get_for_staff: anyone else gets 404. The results pages read
every response once and compute in sessions.questionnaires.results, so their queries do not
grow with the number of participants or responses.
"""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.audit import audit_record
from accounts.http import AuthenticatedHttpRequest
from accounts.models import AuditAction
from accounts.templatetags.stillwater import when
from programs.access import cohort_get_for_staff
from programs.selectors import enrollment_list_for_cohort
from sessions.questionnaires import pages
from sessions.questionnaires.forms.safety import AcknowledgeForm
from sessions.questionnaires.forms.windows import WindowChangeForm
from sessions.questionnaires.models import AssessmentStatus, SafetyEvent
from sessions.questionnaires.selectors import (
    assessment_get_for_staff,
    assessment_ids_started_for_cohort,
    assessment_list_for_cohort,
    enrollment_list_with_consent_for_cohort,
    measurement_point_list_asked,
    response_list_submitted_for_cohort,
    response_list_submitted_for_participant,
    safety_event_get_for_staff,
    window_change_latest_by_assessment,
    window_change_list_for_assessment,
)
from sessions.questionnaires.services.safety import (
    SafetyError,
    safety_event_acknowledge,
    safety_event_answer_text,
)
from sessions.questionnaires.services.windows import (
    WindowError,
    assessment_window_change,
    window_change_refusal,
)

SAFETY_TEMPLATE = "questionnaires/safetyevent_detail.html"


# --- safety flags --------------------------------------------------------------------------


def _safety_page(
    request: AuthenticatedHttpRequest, event: SafetyEvent, form: AcknowledgeForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        SAFETY_TEMPLATE,
        {
            "event": event,
            "enrollment": event.enrollment,
            "cohort": event.enrollment.cohort,
            "answer_text": safety_event_answer_text(event),
            "form": form,
        },
        status=status,
    )


def safety_event_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One safety flag: who, when, which answer, and the form to acknowledge it."""
    event = safety_event_get_for_staff(user=request.user, pk=pk)
    audit_record(
        request=request,
        actor=request.user,
        action=AuditAction.VIEW_ANSWERS,
        obj=event,
        organization=event.enrollment.cohort.organization,
        participant_codes=[event.enrollment.participant_code],
        details={"page": "safety flag", "instrument": event.response.instrument},
    )
    return _safety_page(request, event, AcknowledgeForm())


@require_POST
def safety_acknowledge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record that a member of staff followed a safety flag up, and what they did."""
    event = safety_event_get_for_staff(user=request.user, pk=pk)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _safety_page(request, event, form)
    if not event.is_open:
        # Already acknowledged by someone else: nothing will be recorded, so say so at once
        # (the service's message) rather than ask for the password first.
        return _safety_record(request, event=event, form=form)
    return _safety_record_after_reauthentication(request, event=event, form=form)


def _safety_record(
    request: AuthenticatedHttpRequest, *, event: SafetyEvent, form: AcknowledgeForm
) -> HttpResponse:
    try:
        safety_event_acknowledge(
            event=event, by=request.user, action_taken=form.cleaned_data["action_taken"]
        )
    except SafetyError as exc:
        form.add_error("action_taken", str(exc))
        return _safety_page(request, event, form)
    messages.success(
        request, f"Safety flag for {event.enrollment.participant_code} acknowledged. Thank you."
    )
    return redirect("reports:cohort_detail", pk=event.enrollment.cohort_id)


# Checked after access (outsiders get 404) and after the form (an empty box is answered at
# once). Without a recent password allauth's middleware keeps this POST, asks for the
# password, then runs the same POST again: what was typed is not lost, and the person lands
# where a direct acknowledgement would have taken them.
_safety_record_after_reauthentication = reauthentication_required(_safety_record)


# --- questionnaire status and results ------------------------------------------------------


def questionnaire_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Each participant's questionnaires at each measurement point: not open yet, open, started, done or missed."""
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    enrollments = enrollment_list_with_consent_for_cohort(cohort=cohort)
    points = measurement_point_list_asked(cohort=cohort)
    rows = pages.status_rows(
        enrollments=enrollments,
        points=points,
        assessments=assessment_list_for_cohort(cohort=cohort),
        started=assessment_ids_started_for_cohort(cohort=cohort),
        now=timezone.now(),
        changes=window_change_latest_by_assessment(enrollments=enrollments),
    )
    return render(
        request,
        "questionnaires/questionnaire_status.html",
        {"cohort": cohort, "points": points, "rows": rows},
    )


def assessment_window(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Extend one participant's open questionnaire window, or reopen a missed one, with a reason."""
    assessment = assessment_get_for_staff(user=request.user, pk=pk)
    form = WindowChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = assessment_window_change(
                assessment=assessment,
                by=request.user,
                closes_on=form.cleaned_data["closes_on"],
                reason=form.cleaned_data["reason"],
            )
        except WindowError as exc:
            form.add_error(exc.field, str(exc))
        else:
            enrollment = assessment.enrollment
            messages.success(
                request,
                f"{enrollment.participant_code}'s questionnaires "
                f"({assessment.measurement_point.label.lower()}) are "
                f"{'open again' if change.kind == 'reopened' else 'open'} "
                f"until {when(change.closes_after)}.",
            )
            return redirect("questionnaires:questionnaire_status", pk=enrollment.cohort_id)
    now = timezone.now()
    return render(
        request,
        "questionnaires/assessment_window.html",
        {
            "assessment": assessment,
            "enrollment": assessment.enrollment,
            "cohort": assessment.enrollment.cohort,
            "point": assessment.measurement_point,
            "is_missed": assessment.status(now=now) == AssessmentStatus.MISSED,
            "refusal": window_change_refusal(assessment, now=now),
            "changes": window_change_list_for_assessment(assessment=assessment),
            "form": form,
        },
    )


def results_cohort(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Per participant and instrument: baseline and post scores, bands, change and the MIC."""
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    found = pages.cohort_results(
        enrollments=enrollment_list_for_cohort(cohort=cohort),
        responses=response_list_submitted_for_cohort(cohort=cohort),
    )
    audit_record(
        request=request,
        actor=request.user,
        action=AuditAction.VIEW_SCORES,
        obj=cohort,
        organization=cohort.organization,
        participant_codes=found.participant_codes,
        details={
            "page": "results",
            "participants": found.participant_count,
            "instruments": found.instrument_codes,
        },
    )
    return render(
        request,
        "questionnaires/results_cohort.html",
        {"cohort": cohort, "rows": found.rows, "waiting": found.waiting},
    )


def results_mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The participant's own scores over time, in plain words: no bands, no diagnoses; under
    each course's name for someone who answered in more than one."""
    groups = pages.participant_results(response_list_submitted_for_participant(user=request.user))
    several = len(groups) > 1
    return render(
        request,
        "questionnaires/results_mine.html",
        {
            "lines": [line for group in groups for line in group["lines"]],
            "groups": groups,
            "several": several,
            "heading": 3 if several else 2,
        },
    )


urlpatterns = [
    path("safety/<int:pk>/", safety_event_detail, name="safety_event_detail"),
    path("safety/<int:pk>/acknowledge/", safety_acknowledge, name="safety_acknowledge"),
    path("cohorts/<int:pk>/questionnaires/", questionnaire_status, name="questionnaire_status"),
    path("cohorts/<int:pk>/results/", results_cohort, name="results_cohort"),
    path("assessments/<int:pk>/window/", assessment_window, name="assessment_window"),
    path("me/results/", results_mine, name="results_mine"),
]
