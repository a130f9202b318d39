"""Participant questionnaire pages: start, one question per page, check answers, support, thank you."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.selectors import organization_list_for_person
from accounts.templatetags.stillwater import when
from programs.instrument_library import Instrument, Item
from sessions.questionnaires import pages
from sessions.questionnaires.forms.questionnaire import AnswerForm, AnswerSaveForm, InstrumentForm
from sessions.questionnaires.models import Assessment, AssessmentStatus, Response, ResponseMode
from sessions.questionnaires.selectors import (
    assessment_get_for_participant,
    assessment_instrument_get,
    response_map_for_assessment,
)
from sessions.questionnaires.services.responses import (
    ResponseError,
    answer_save,
    answers_save,
    first_unanswered_item,
    item_may_be_skipped,
    response_submit,
)

TEMPLATE = "questionnaires/questionnaire_{}.html"


def _item(instrument: Instrument, number: int) -> Item:
    try:
        return instrument.item(number)
    except KeyError:
        raise Http404 from None


def _unavailable(
    request: AuthenticatedHttpRequest, assessment: Assessment, response: Response | None
) -> HttpResponse | None:
    """Send the participant back to the start page (which explains why) when nothing can be answered."""
    if response is not None and response.is_submitted:
        messages.info(request, "Those answers are already sent. Thank you.")
        return redirect(pages.start_url(assessment))
    if not pages.is_open(assessment):
        return redirect(pages.start_url(assessment))
    return None


def _saved_message(assessment: Assessment) -> str:
    return (
        "Everything you have answered is saved. You can come back and carry on until "
        f"{when(assessment.closes_at)}."
    )


def questionnaire_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The set as a task list: each questionnaire with its time and state, in any order, and a
    button to the first one not finished."""
    assessment = assessment_get_for_participant(user=request.user, pk=pk)
    responses = response_map_for_assessment(assessment=assessment)
    started = any(response.answers for response in responses.values())
    whole = pages.prefers_whole(request.user)
    return render(
        request,
        TEMPLATE.format("start"),
        {
            "assessment": assessment,
            "status": assessment.status(started=started),
            "statuses": AssessmentStatus,
            "rows": pages.start_rows(assessment, responses, whole=whole),
            "set_progress": pages.set_progress(assessment, responses),
            "started": started,
            "answerable": pages.is_open(assessment),
            "resume_url": pages.resume_url(assessment, responses, whole=whole),
        },
    )


def questionnaire_question(
    request: AuthenticatedHttpRequest, pk: int, code: str, number: int
) -> HttpResponse:
    """One question per page; the answer is saved as soon as it is given.

    "Save and come back later" keeps the answer chosen on this page, if any, and goes back to
    the list of questionnaires.
    """
    assessment = assessment_get_for_participant(user=request.user, pk=pk)
    instrument = assessment_instrument_get(assessment=assessment, code=code)
    item = _item(instrument, number)
    responses = response_map_for_assessment(assessment=assessment)
    response = responses.get(code)
    if (away := _unavailable(request, assessment, response)) is not None:
        return away
    answers = response.answers if response else {}
    changing = request.GET.get("change") == "1"
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        item=item,
        initial={"answer": answers.get(str(number))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            if form.has_answer:
                answer_save(
                    assessment=assessment,
                    instrument=code,
                    item=number,
                    value=form.value(),
                    entered_by=request.user,
                    mode=ResponseMode.SELF,
                )
        except ResponseError as exc:
            form.add_error("answer", str(exc))
        else:
            if form.later:
                messages.success(request, _saved_message(assessment))
                return redirect(pages.start_url(assessment))
            return redirect(
                pages.question_next_url(assessment, instrument, number, changing=changing)
            )
    return render(
        request,
        TEMPLATE.format("question"),
        {
            "assessment": assessment,
            "instrument": instrument,
            "item": item,
            "form": form,
            "progress": pages.progress(instrument, item),
            "set_progress": pages.set_progress(assessment, responses),
            "hint": pages.hint(instrument, item),
            "may_skip": item_may_be_skipped(instrument, number),
            "back_url": pages.question_back_url(assessment, instrument, number, changing=changing),
            "all_url": pages.all_url(assessment, instrument.code),
        },
    )


def questionnaire_all(request: AuthenticatedHttpRequest, pk: int, code: str) -> HttpResponse:
    """A whole instrument on one page, for those who prefer it; answers given are kept even with errors.

    With JavaScript each answer is saved the moment it is chosen (questionnaire_answer_save);
    without it, "Save and come back later" keeps what is chosen and leaves the rest for later.
    """
    assessment = assessment_get_for_participant(user=request.user, pk=pk)
    instrument = assessment_instrument_get(assessment=assessment, code=code)
    responses = response_map_for_assessment(assessment=assessment)
    response = responses.get(code)
    if (away := _unavailable(request, assessment, response)) is not None:
        return away
    answers = response.answers if response else {}
    later = request.method == "POST" and request.POST.get("action") == "later"
    form = InstrumentForm(
        request.POST if request.method == "POST" else None,
        instrument=instrument,
        partial=later,
        initial={f"q{key}": value for key, value in answers.items() if value is not None},
    )
    given: dict[int, int] = {}
    if request.method == "POST":
        try:
            # Save what was given before looking at what is missing, so nothing chosen is lost.
            if given := form.given_answers():
                answers_save(
                    assessment=assessment,
                    instrument=code,
                    answers=dict(given),
                    entered_by=request.user,
                    mode=ResponseMode.SELF,
                )
        except ResponseError as exc:
            form.add_error(None, str(exc))
        else:
            if form.is_valid():
                if later:
                    messages.success(request, _saved_message(assessment))
                    return redirect(pages.start_url(assessment))
                return redirect(pages.check_url(assessment, code))
    first = first_unanswered_item(instrument, answers) or 1
    return render(
        request,
        TEMPLATE.format("all"),
        {
            "assessment": assessment,
            "instrument": instrument,
            "form": form,
            "rows": form.rows(),
            "progress": pages.instrument_progress(instrument),
            "set_progress": pages.set_progress(assessment, responses),
            "one_url": pages.question_url(assessment, code, first),
            "save_url": reverse(
                "questionnaires:questionnaire_answer_save", args=[assessment.pk, code]
            ),
        },
    )


@require_POST
def questionnaire_answer_save(
    request: AuthenticatedHttpRequest, pk: int, code: str
) -> JsonResponse:
    """Save one answer of the one-page form as soon as it is chosen (asked by its script).

    The same service as the one-question pages: an answer that cannot be taken is refused with
    the message to show beside the question, and no other answer is touched.
    """
    assessment = assessment_get_for_participant(user=request.user, pk=pk)
    assessment_instrument_get(assessment=assessment, code=code)
    form = AnswerSaveForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"saved": False, "error": form.first_error()}, status=400)
    item = form.cleaned_data["item"]
    try:
        answer_save(
            assessment=assessment,
            instrument=code,
            item=item,
            value=form.cleaned_data["answer"],
            entered_by=request.user,
            mode=ResponseMode.SELF,
        )
    except ResponseError as exc:
        return JsonResponse({"saved": False, "item": item, "error": str(exc)}, status=400)
    return JsonResponse({"saved": True, "item": item})


def questionnaire_check(request: AuthenticatedHttpRequest, pk: int, code: str) -> HttpResponse:
    """Every answer of one instrument with a "Change" link, then send them (POST)."""
    assessment = assessment_get_for_participant(user=request.user, pk=pk)
    instrument = assessment_instrument_get(assessment=assessment, code=code)
    responses = response_map_for_assessment(assessment=assessment)
    response = responses.get(code)
    if (away := _unavailable(request, assessment, response)) is not None:
        return away
    if response is None:
        return redirect(pages.question_url(assessment, code, instrument.items[0].number))
    error = ""
    if request.method == "POST":
        try:
            submission = response_submit(response=response)
        except ResponseError as exc:
            error = str(exc)
        else:
            if submission.safety_event is not None:
                return redirect("questionnaires:questionnaire_support", pk=assessment.pk, code=code)
            if submission.assessment_completed:
                return redirect("questionnaires:questionnaire_done", pk=assessment.pk)
            responses[code] = submission.response
            done = pages.set_progress(assessment, responses).done_text
            messages.success(
                request, f"Your answers to “{instrument.plain_name}” are sent. {done}."
            )
            # Back to the list (the GOV.UK task list pattern): the person chooses what is next,
            # or stops here.
            return redirect(pages.start_url(assessment))
    first_missing = first_unanswered_item(instrument, response.answers)
    return render(
        request,
        TEMPLATE.format("check"),
        {
            "assessment": assessment,
            "instrument": instrument,
            "rows": pages.check_rows(assessment, instrument, response),
            "set_progress": pages.set_progress(assessment, responses),
            "error": error,
            "error_link": (
                pages.question_url(assessment, code, first_missing, change=True)
                if first_missing
                else ""
            ),
        },
    )


def questionnaire_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Thank you, once every questionnaire of the set is sent."""
    assessment = assessment_get_for_participant(user=request.user, pk=pk)
    if assessment.completed_at is None:
        return redirect(pages.start_url(assessment))
    return render(request, TEMPLATE.format("done"), {"assessment": assessment})


def questionnaire_support(request: AuthenticatedHttpRequest, pk: int, code: str) -> HttpResponse:
    """Calm support shown at once after an answer the team will follow up, with crisis contacts."""
    assessment = assessment_get_for_participant(user=request.user, pk=pk)
    assessment_instrument_get(assessment=assessment, code=code)
    responses = response_map_for_assessment(assessment=assessment)
    if assessment.completed_at is not None:
        next_url = reverse("reports:participant_home")
    else:
        next_url = pages.resume_url(assessment, responses, whole=pages.prefers_whole(request.user))
    return render(
        request,
        "questionnaires/safety_support.html",
        {
            "assessment": assessment,
            **pages.support_contacts(assessment, organization_list_for_person(user=request.user)),
            "next_url": next_url,
            "completed": assessment.completed_at is not None,
        },
    )


urlpatterns = [
    path("me/questionnaires/<int:pk>/", questionnaire_start, name="questionnaire_start"),
    path("me/questionnaires/<int:pk>/done/", questionnaire_done, name="questionnaire_done"),
    path(
        "me/questionnaires/<int:pk>/<slug:code>/<int:number>/",
        questionnaire_question,
        name="questionnaire_question",
    ),
    path(
        "me/questionnaires/<int:pk>/<slug:code>/all/",
        questionnaire_all,
        name="questionnaire_all",
    ),
    path(
        "me/questionnaires/<int:pk>/<slug:code>/answer/",
        questionnaire_answer_save,
        name="questionnaire_answer_save",
    ),
    path(
        "me/questionnaires/<int:pk>/<slug:code>/check/",
        questionnaire_check,
        name="questionnaire_check",
    ),
    path(
        "me/questionnaires/<int:pk>/<slug:code>/support/",
        questionnaire_support,
        name="questionnaire_support",
    ),
]
