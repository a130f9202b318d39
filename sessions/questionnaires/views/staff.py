"""Questionnaire pages for staff (status, results, safety flags) and a participant's own results.

Staff reach a cohort's pages through programs.selectors.cohort_get_for_staff and a safety event
through sessions.selectors.safety_event_get_for_staff: anyone else gets 404. The results pages
read every response once and compute in sessions.results, so their queries do not grow with
the number of participants or responses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from allauth.account.decorators import reauthentication_required
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.audit import audit_record
from accounts.models import AuditAction, User
from programs.access import cohort_get_for_staff
from programs.models import Enrollment, EnrollmentStatus
from programs.selectors import enrollment_list_for_cohort
from sessions.progress import course_label
from sessions.questionnaires import results
from sessions.questionnaires.models import Assessment, AssessmentStatus, SafetyEvent
from sessions.questionnaires.selectors import (
    assessment_ids_started_for_cohort,
    assessment_list_for_cohort,
    response_list_submitted_for_cohort,
    response_list_submitted_for_participant,
    safety_event_get_for_staff,
)
from sessions.questionnaires.services.corrections import (
    enrollments_with_consent,
    staff_entry_refusal,
)
from sessions.questionnaires.services.safety import (
    SafetyError,
    safety_event_acknowledge,
    safety_event_answer_text,
)

SAFETY_TEMPLATE = "program_sessions/safetyevent_detail.html"


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has already turned anonymous visitors away.
    return cast(User, request.user)


# --- safety flags --------------------------------------------------------------------------


class AcknowledgeForm(forms.Form):
    action_taken = forms.CharField(
        label="What was done",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who got in touch, when, and what was agreed. For example: “Phoned on "
        "Tuesday at 14:00; safe at home, seeing their GP on Friday.”",
        error_messages={
            "required": "Write what was done, for example who phoned the participant and when.",
            "max_length": "Keep it to 2000 characters or fewer (it has %(show_value)d).",
        },
    )


def _safety_page(
    request: HttpRequest, event: SafetyEvent, form: AcknowledgeForm, status: int = 200
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


def safety_event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One safety flag: who, when, which answer, and the form to acknowledge it."""
    event = safety_event_get_for_staff(user=_user(request), pk=pk)
    audit_record(
        request=request,
        actor=_user(request),
        action=AuditAction.VIEW_ANSWERS,
        obj=event,
        organization=event.enrollment.cohort.organization,
        participant_codes=[event.enrollment.participant_code],
        details={"page": "safety flag", "instrument": event.response.instrument},
    )
    return _safety_page(request, event, AcknowledgeForm())


@require_POST
def safety_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that a member of staff followed a safety flag up, and what they did."""
    user = _user(request)
    event = safety_event_get_for_staff(user=user, pk=pk)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _safety_page(request, event, form)
    if not event.is_open:
        # Already acknowledged by someone else: nothing will be recorded, so say so at once
        # (the service's message) rather than ask for the password first.
        return _safety_record(request, event=event, form=form)
    return _safety_record_after_reauthentication(request, event=event, form=form)


def _safety_record(
    request: HttpRequest, *, event: SafetyEvent, form: AcknowledgeForm
) -> HttpResponse:
    user = _user(request)
    try:
        safety_event_acknowledge(
            event=event, by=user, action_taken=form.cleaned_data["action_taken"]
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


# --- questionnaire status ------------------------------------------------------------------


def _status_cell(
    assessment: Assessment | None, *, started: bool, now: dt.datetime
) -> dict[str, Any] | None:
    if assessment is None:
        return None
    status = assessment.status(now=now, started=started)
    at: dt.datetime | None
    if status == AssessmentStatus.UPCOMING:
        note, at = "opens", assessment.opens_at
    elif status == AssessmentStatus.COMPLETED:
        note, at = "sent", assessment.completed_at
    elif status == AssessmentStatus.MISSED:
        note, at = "closed", assessment.closes_at
    else:
        note, at = "closes", assessment.closes_at
    open_now = status in (AssessmentStatus.OPEN, AssessmentStatus.IN_PROGRESS)
    return {
        "status": status,
        "label": status.label,
        "note": note,
        "at": at,
        "pk": assessment.pk,
        "open": open_now,
    }


def questionnaire_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Each participant's questionnaires at each measurement point: not open yet, open, started, done or missed."""
    cohort = cohort_get_for_staff(user=_user(request), pk=pk)
    now = timezone.now()
    enrollments = list(enrollments_with_consent(enrollment_list_for_cohort(cohort=cohort)))
    points = [p for p in cohort.program.measurement_points.order_by("id") if p.instruments]
    by_cell = {
        (a.enrollment_id, a.measurement_point_id): a
        for a in assessment_list_for_cohort(cohort=cohort)
    }
    started = assessment_ids_started_for_cohort(cohort=cohort)
    rows = []
    for enrollment in enrollments:
        cells = []
        for point in points:
            assessment = by_cell.get((enrollment.pk, point.pk))
            cells.append(
                _status_cell(
                    assessment, started=assessment is not None and assessment.pk in started, now=now
                )
            )
        rows.append(
            {
                "enrollment": enrollment,
                "withdrawn": enrollment.status == EnrollmentStatus.WITHDRAWN,
                # No "Enter answers by phone" link for someone who has not agreed to take part.
                "entry_refusal": staff_entry_refusal(
                    enrollment=enrollment,
                    consented=enrollment.has_current_consent,  # type: ignore[attr-defined]
                ),
                "cells": list(zip(points, cells, strict=True)),
            }
        )
    return render(
        request,
        "program_sessions/questionnaire_status.html",
        {"cohort": cohort, "points": points, "rows": rows},
    )


# --- results -------------------------------------------------------------------------------


def results_cohort(request: HttpRequest, pk: int) -> HttpResponse:
    """Per participant and instrument: baseline and post scores, bands, change and the MIC."""
    cohort = cohort_get_for_staff(user=_user(request), pk=pk)
    enrollments: dict[int, Enrollment] = {
        e.pk: e for e in enrollment_list_for_cohort(cohort=cohort)
    }
    found = results.outcomes(
        results.answered_from_response(r) for r in response_list_submitted_for_cohort(cohort=cohort)
    )
    rows = [
        {
            "enrollment": enrollments[o.enrollment_id],
            "instrument": o.instrument,
            "baseline": results.staff_cell(o.instrument, o.baseline),
            "post": results.staff_cell(o.instrument, o.post),
            "change": results.format_change(o.change),
            "mic": results.mic_text(o),
        }
        for o in sorted(
            found, key=lambda o: (enrollments[o.enrollment_id].participant_code, o.instrument.code)
        )
        if o.enrollment_id in enrollments
    ]
    answered = {o.enrollment_id for o in found}
    shown = [o for o in found if o.enrollment_id in enrollments]
    audit_record(
        request=request,
        actor=_user(request),
        action=AuditAction.VIEW_SCORES,
        obj=cohort,
        organization=cohort.organization,
        participant_codes=[enrollments[o.enrollment_id].participant_code for o in shown],
        details={
            "page": "results",
            "participants": len({o.enrollment_id for o in shown}),
            "instruments": sorted({o.instrument.code for o in shown}),
        },
    )
    return render(
        request,
        "program_sessions/results_cohort.html",
        {
            "cohort": cohort,
            "rows": rows,
            "waiting": [e for pk_, e in enrollments.items() if pk_ not in answered],
        },
    )


def results_mine(request: HttpRequest) -> HttpResponse:
    """The participant's own scores over time, in plain words: no bands, no diagnoses; under
    each course's name for someone who answered in more than one."""
    responses = list(response_list_submitted_for_participant(user=_user(request)))
    found = results.outcomes(results.answered_from_response(r) for r in responses)
    labels = {r.assessment.enrollment_id: course_label(r.assessment.enrollment) for r in responses}
    groups: list[dict[str, Any]] = []
    for outcome in found:  # ordered by enrollment, then instrument
        if not groups or groups[-1]["enrollment_id"] != outcome.enrollment_id:
            groups.append(
                {
                    "enrollment_id": outcome.enrollment_id,
                    "label": labels[outcome.enrollment_id],
                    "lines": [],
                }
            )
        groups[-1]["lines"].extend(results.plain_lines(outcome))
    several = len(groups) > 1
    return render(
        request,
        "program_sessions/results_mine.html",
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
    path("me/results/", results_mine, name="results_mine"),
]
