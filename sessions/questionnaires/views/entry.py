"""Staff pages to enter a participant's answers by phone or in person, and to correct sent answers.

Staff reach an assessment through selectors.assessment_get_for_staff (facilitators of
its cohort and coordinators of its organization; anyone else gets 404). The window rule applies
to staff as to participants: answers are entered only while the questionnaires are open.
Corrections of sent answers are allowed at any time, since they fix the record of answers that
were given inside the window.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from accounts.audit import audit_record
from accounts.http import AuthenticatedHttpRequest
from accounts.models import AuditAction
from sessions.questionnaires import pages
from sessions.questionnaires.forms.entry import CorrectionForm, StaffEntryForm
from sessions.questionnaires.models import Assessment
from sessions.questionnaires.selectors import (
    assessment_get_for_staff,
    assessment_instrument_get,
    response_list_versions_for_staff,
    response_map_for_assessment,
    safety_event_exists_for_response,
    safety_event_list_open_for_staff,
)
from sessions.questionnaires.services.corrections import (
    StaffEntryRefusal,
    response_correct,
    response_enter_for_participant,
    staff_entry_refusal,
)
from sessions.questionnaires.services.responses import ResponseError

TEMPLATE = "questionnaires/{}.html"
SAFETY_MESSAGE = (
    "A safety flag was raised: the answer to {name} question 9 needs someone from the team to "
    "follow it up. It stays at the top of the cohort's pages until a member of staff "
    "acknowledges it."
)


def _overview_url(assessment: Assessment) -> str:
    return reverse("questionnaires:questionnaire_entry", args=[assessment.pk])


def _record_view(
    request: AuthenticatedHttpRequest, assessment: Assessment, *, page: str, **details: object
) -> None:
    """One audit event for a page that shows a participant's answers."""
    enrollment = assessment.enrollment
    audit_record(
        request=request,
        actor=request.user,
        action=AuditAction.VIEW_ANSWERS,
        obj=enrollment,
        organization=enrollment.cohort.organization,
        details={"page": page, "assessment": assessment.pk, **details},
    )


def _refused(
    request: AuthenticatedHttpRequest, assessment: Assessment, refusal: StaffEntryRefusal
) -> HttpResponse:
    """The page an entry form's address shows instead of the form, saying why (409: the
    participant's state, not the request, is what stands in the way)."""
    return render(
        request,
        TEMPLATE.format("questionnaire_entry_refused"),
        {
            "assessment": assessment,
            "enrollment": assessment.enrollment,
            "cohort": assessment.enrollment.cohort,
            "refusal": refusal,
        },
        status=409,
    )


def questionnaire_entry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One participant's questionnaire set: each instrument to enter by phone, or to correct once sent."""
    assessment = assessment_get_for_staff(user=request.user, pk=pk)
    responses = response_map_for_assessment(assessment=assessment)
    # Someone who has not accepted the invitation or the consent gets no entry links: the page
    # says why instead (answers they sent themselves can still be corrected).
    refusal = staff_entry_refusal(
        enrollment=assessment.enrollment,
        consented=assessment.participant_has_current_consent,  # type: ignore[attr-defined]
    )
    entry_open = pages.is_open(assessment) and refusal is None
    events = safety_event_list_open_for_staff(user=request.user, enrollment=assessment.enrollment)
    return render(
        request,
        TEMPLATE.format("questionnaire_entry"),
        {
            "assessment": assessment,
            "enrollment": assessment.enrollment,
            "cohort": assessment.enrollment.cohort,
            "status": assessment.status(started=bool(responses)),
            "is_open": entry_open,
            "refusal": refusal,
            "rows": pages.entry_rows(assessment, responses, entry_open=entry_open),
            "safety_events": events,
        },
    )


def questionnaire_entry_instrument(
    request: AuthenticatedHttpRequest, pk: int, code: str
) -> HttpResponse:
    """A whole instrument on one page for staff to fill in as the participant answers; save or send."""
    assessment = assessment_get_for_staff(user=request.user, pk=pk)
    instrument = assessment_instrument_get(assessment=assessment, code=code)
    refusal = staff_entry_refusal(
        enrollment=assessment.enrollment,
        consented=assessment.participant_has_current_consent,  # type: ignore[attr-defined]
    )
    if refusal is not None:
        # GET and POST alike: no form is shown, and nothing posted is saved.
        return _refused(request, assessment, refusal)
    response = response_map_for_assessment(assessment=assessment).get(code)
    if response is not None and response.is_submitted:
        messages.info(request, f"The {instrument.short_name} answers are already sent.")
        return redirect("questionnaires:response_correct", pk=assessment.pk, code=code)
    if not pages.is_open(assessment):
        messages.info(request, "These questionnaires are not open, so answers cannot be entered.")
        return redirect(_overview_url(assessment))
    answers = response.answers if response else {}
    initial: dict[str, object] = {
        f"q{key}": value for key, value in answers.items() if value is not None
    }
    if response is not None and response.mode != "self":
        initial["mode"] = response.mode
    form = StaffEntryForm(
        request.POST if request.method == "POST" else None,
        instrument=instrument,
        initial=initial,
    )
    saved = False
    if request.method == "POST":
        valid = form.is_valid()
        mode = form.cleaned_data.get("mode")
        given = form.given_answers()
        if mode and (given or (valid and form.sending)):
            try:
                # Save what was given before looking at what is missing, so nothing chosen is lost.
                entry = response_enter_for_participant(
                    assessment=assessment,
                    instrument=code,
                    answers=dict(given),
                    by=request.user,
                    mode=mode,
                    send=valid and form.sending,
                )
            except ResponseError as exc:
                form.add_error(None, str(exc))
            else:
                if entry.submission is not None:
                    if entry.submission.safety_event is not None:
                        messages.warning(request, SAFETY_MESSAGE.format(name=instrument.short_name))
                    messages.success(
                        request, f"The {instrument.short_name} answers are saved and sent."
                    )
                    return redirect(_overview_url(assessment))
                if valid:
                    messages.success(
                        request, f"The {instrument.short_name} answers are saved, not sent yet."
                    )
                    return redirect(_overview_url(assessment))
                saved = True
    if answers:
        # The form shows the answers given so far; an empty form shows nobody's answers.
        _record_view(request, assessment, page="enter answers", instrument=code)
    return render(
        request,
        TEMPLATE.format("questionnaire_entry_instrument"),
        {
            "assessment": assessment,
            "enrollment": assessment.enrollment,
            "instrument": instrument,
            "form": form,
            "rows": form.rows(),
            "extra_fields": [form["mode"]],
            "saved_note": "The answers chosen are saved, not sent yet." if saved else "",
        },
    )


def response_correct_view(request: AuthenticatedHttpRequest, pk: int, code: str) -> HttpResponse:
    """A sent response's current answers, prefilled, with a reason box; sending makes a new version."""
    assessment = assessment_get_for_staff(user=request.user, pk=pk)
    instrument = assessment_instrument_get(assessment=assessment, code=code)
    versions = response_list_versions_for_staff(
        user=request.user, assessment=assessment, instrument=code
    )
    current = versions[-1] if versions else None
    if current is None or not current.is_submitted:
        messages.info(
            request, f"The {instrument.short_name} answers are not sent yet: enter them instead."
        )
        return redirect(_overview_url(assessment))
    form = CorrectionForm(
        request.POST if request.method == "POST" else None,
        instrument=instrument,
        initial={f"q{key}": value for key, value in current.answers.items() if value is not None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            corrected = response_correct(
                response=current,
                answers=form.answers(),
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ResponseError as exc:
            form.add_error(None, str(exc))
        else:
            if safety_event_exists_for_response(response=corrected):
                messages.warning(request, SAFETY_MESSAGE.format(name=instrument.short_name))
            messages.success(
                request,
                f"The {instrument.short_name} answers are corrected (version {corrected.version}).",
            )
            return redirect("questionnaires:response_correct", pk=assessment.pk, code=code)
    _record_view(
        request, assessment, page="correct answers", instrument=code, versions=len(versions)
    )
    return render(
        request,
        TEMPLATE.format("response_correct"),
        {
            "assessment": assessment,
            "enrollment": assessment.enrollment,
            "instrument": instrument,
            "current": current,
            "versions": list(reversed(versions)),
            "form": form,
            "rows": form.rows(),
            "extra_fields": [form["reason"]],
            "saved_note": "Nothing is changed yet; the answers chosen are still below.",
        },
    )


urlpatterns = [
    path("staff/questionnaires/<int:pk>/", questionnaire_entry, name="questionnaire_entry"),
    path(
        "staff/questionnaires/<int:pk>/<slug:code>/",
        questionnaire_entry_instrument,
        name="questionnaire_entry_instrument",
    ),
    path(
        "staff/questionnaires/<int:pk>/<slug:code>/correct/",
        response_correct_view,
        name="response_correct",
    ),
]
