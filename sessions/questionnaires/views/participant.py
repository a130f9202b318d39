"""Participant questionnaire pages: start, one question per page, check answers, support, thank you."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from accounts.models import QuestionnaireLayout, User
from accounts.selectors import organization_list_for_person
from programs.instrument_library import Instrument, Item, instrument_get
from sessions.questionnaires.forms.questionnaire import AnswerForm, AnswerSaveForm, InstrumentForm
from sessions.questionnaires.models import Assessment, AssessmentStatus, Response, ResponseMode
from sessions.questionnaires.selectors import (
    assessment_get_for_participant,
    response_map_for_assessment,
)
from sessions.questionnaires.services.responses import (
    ResponseError,
    answer_save,
    answers_save,
    first_unanswered_item,
    instrument_for_assessment,
    item_may_be_skipped,
    response_submit,
)

TEMPLATE = "program_sessions/questionnaire_{}.html"


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has already turned anonymous visitors away.
    return cast(User, request.user)


def _instrument(assessment: Assessment, code: str) -> Instrument:
    """An instrument this assessment asks; any other code is a page that does not exist."""
    try:
        return instrument_for_assessment(assessment=assessment, code=code)
    except ResponseError:
        raise Http404 from None


def _item(instrument: Instrument, number: int) -> Item:
    try:
        return instrument.item(number)
    except KeyError:
        raise Http404 from None


def _question_url(assessment: Assessment, code: str, number: int, *, change: bool = False) -> str:
    url = reverse("questionnaires:questionnaire_question", args=[assessment.pk, code, number])
    return f"{url}?change=1" if change else url


def _check_url(assessment: Assessment, code: str) -> str:
    return reverse("questionnaires:questionnaire_check", args=[assessment.pk, code])


def _start_url(assessment: Assessment) -> str:
    return reverse("questionnaires:questionnaire_start", args=[assessment.pk])


def _resume_url(
    assessment: Assessment, responses: dict[str, Response], *, whole: bool = False
) -> str:
    """Where the participant left off: the first unanswered question of the first unfinished
    instrument, or that whole instrument's page for people who chose one page per questionnaire."""
    for code in assessment.instruments:
        response = responses.get(code)
        if response is not None and response.is_submitted:
            continue
        if whole:
            return reverse("questionnaires:questionnaire_all", args=[assessment.pk, code])
        number = first_unanswered_item(instrument_get(code), response.answers if response else {})
        if number is None:
            return _check_url(assessment, code)
        return _question_url(assessment, code, number)
    return reverse("questionnaires:questionnaire_done", args=[assessment.pk])


def _prefers_whole(request: HttpRequest) -> bool:
    """The participant's setting: a whole questionnaire on one page rather than a question each."""
    return _user(request).questionnaire_layout == QuestionnaireLayout.WHOLE


def _is_open(assessment: Assessment) -> bool:
    return assessment.status() in (AssessmentStatus.OPEN, AssessmentStatus.IN_PROGRESS)


def _unavailable(
    request: HttpRequest, assessment: Assessment, response: Response | None
) -> HttpResponse | None:
    """Send the participant back to the start page (which explains why) when nothing can be answered."""
    if response is not None and response.is_submitted:
        messages.info(request, "Those answers are already sent. Thank you.")
        return redirect(_start_url(assessment))
    if not _is_open(assessment):
        return redirect(_start_url(assessment))
    return None


def _progress(assessment: Assessment, instrument: Instrument, item: Item) -> str:
    position = assessment.instruments.index(instrument.code) + 1
    return (
        f"Question {item.number} of {len(instrument.items)} — "
        f"Questionnaire {position} of {len(assessment.instruments)}: {instrument.short_name}"
    )


def _hint(instrument: Instrument, item: Item) -> str:
    # Items with their own answers (how difficult the problems made things) stand on their own;
    # the others are read after the instrument's lead-in ("Over the last 2 weeks ...").
    return instrument.instructions if item.response_options == instrument.response_options else ""


# --- pages ------------------------------------------------------------------------------------


def questionnaire_start(request: HttpRequest, pk: int) -> HttpResponse:
    """What the questionnaires are, how many questions, and a button to start or carry on."""
    assessment = assessment_get_for_participant(user=_user(request), pk=pk)
    responses = response_map_for_assessment(assessment=assessment)
    instruments = [instrument_get(code) for code in assessment.instruments]
    started = any(response.answers for response in responses.values())
    rows = []
    for instrument in instruments:
        response = responses.get(instrument.code)
        if response is not None and response.is_submitted:
            state = "Sent"
        elif response is not None and response.answers:
            state = "Started"
        else:
            state = "Not started"
        rows.append({"instrument": instrument, "state": state})
    return render(
        request,
        TEMPLATE.format("start"),
        {
            "assessment": assessment,
            "status": assessment.status(started=started),
            "statuses": AssessmentStatus,
            "rows": rows,
            "question_count": sum(len(instrument.items) for instrument in instruments),
            "started": started,
            "resume_url": _resume_url(assessment, responses, whole=_prefers_whole(request)),
        },
    )


def questionnaire_question(request: HttpRequest, pk: int, code: str, number: int) -> HttpResponse:
    """One question per page; the answer is saved as soon as it is given."""
    assessment = assessment_get_for_participant(user=_user(request), pk=pk)
    instrument = _instrument(assessment, code)
    item = _item(instrument, number)
    response = response_map_for_assessment(assessment=assessment).get(code)
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
            answer_save(
                assessment=assessment,
                instrument=code,
                item=number,
                value=form.value(),
                entered_by=_user(request),
                mode=ResponseMode.SELF,
            )
        except ResponseError as exc:
            form.add_error("answer", str(exc))
        else:
            following = [i.number for i in instrument.items if i.number > number]
            if changing or not following:
                return redirect(_check_url(assessment, code))
            return redirect(_question_url(assessment, code, following[0]))
    earlier = [i.number for i in instrument.items if i.number < number]
    if changing:
        back_url = _check_url(assessment, code)
    elif earlier:
        back_url = _question_url(assessment, code, earlier[-1])
    else:
        back_url = _start_url(assessment)
    return render(
        request,
        TEMPLATE.format("question"),
        {
            "assessment": assessment,
            "instrument": instrument,
            "item": item,
            "form": form,
            "progress": _progress(assessment, instrument, item),
            "hint": _hint(instrument, item),
            "may_skip": item_may_be_skipped(instrument, number),
            "back_url": back_url,
            "all_url": reverse(
                "questionnaires:questionnaire_all", args=[assessment.pk, instrument.code]
            ),
        },
    )


def questionnaire_all(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """A whole instrument on one page, for those who prefer it; answers given are kept even with errors.

    With JavaScript each answer is saved the moment it is chosen (questionnaire_answer_save);
    without it, "Save and come back later" keeps what is chosen and leaves the rest for later.
    """
    assessment = assessment_get_for_participant(user=_user(request), pk=pk)
    instrument = _instrument(assessment, code)
    response = response_map_for_assessment(assessment=assessment).get(code)
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
                    entered_by=_user(request),
                    mode=ResponseMode.SELF,
                )
        except ResponseError as exc:
            form.add_error(None, str(exc))
        else:
            if form.is_valid():
                if later:
                    messages.success(
                        request,
                        f"Your answers to the {instrument.short_name} are saved. "
                        "They will be here when you come back."
                        if given or answers
                        else f"The {instrument.short_name} will be here when you come back.",
                    )
                    return redirect(_start_url(assessment))
                return redirect(_check_url(assessment, code))
    position = assessment.instruments.index(code) + 1
    first = first_unanswered_item(instrument, answers) or 1
    return render(
        request,
        TEMPLATE.format("all"),
        {
            "assessment": assessment,
            "instrument": instrument,
            "form": form,
            "rows": form.rows(),
            "progress": (
                f"Questionnaire {position} of {len(assessment.instruments)}: "
                f"{len(instrument.items)} questions"
            ),
            "one_url": _question_url(assessment, code, first),
            "save_url": reverse(
                "questionnaires:questionnaire_answer_save", args=[assessment.pk, code]
            ),
        },
    )


@require_POST
def questionnaire_answer_save(request: HttpRequest, pk: int, code: str) -> JsonResponse:
    """Save one answer of the one-page form as soon as it is chosen (asked by its script).

    The same service as the one-question pages: an answer that cannot be taken is refused with
    the message to show beside the question, and no other answer is touched.
    """
    assessment = assessment_get_for_participant(user=_user(request), pk=pk)
    _instrument(assessment, code)
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
            entered_by=_user(request),
            mode=ResponseMode.SELF,
        )
    except ResponseError as exc:
        return JsonResponse({"saved": False, "item": item, "error": str(exc)}, status=400)
    return JsonResponse({"saved": True, "item": item})


def questionnaire_check(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Every answer of one instrument with a "Change" link, then send them (POST)."""
    assessment = assessment_get_for_participant(user=_user(request), pk=pk)
    instrument = _instrument(assessment, code)
    responses = response_map_for_assessment(assessment=assessment)
    response = responses.get(code)
    if (away := _unavailable(request, assessment, response)) is not None:
        return away
    if response is None:
        return redirect(_question_url(assessment, code, instrument.items[0].number))
    error = ""
    if request.method == "POST":
        try:
            submission = response_submit(response=response)
        except ResponseError as exc:
            error = str(exc)
        else:
            if submission.safety_event is not None:
                return redirect("questionnaires:questionnaire_support", pk=assessment.pk, code=code)
            messages.success(request, f"Your answers to the {instrument.short_name} are sent.")
            if submission.assessment_completed:
                return redirect("questionnaires:questionnaire_done", pk=assessment.pk)
            responses[code] = submission.response
            return redirect(_resume_url(assessment, responses, whole=_prefers_whole(request)))
    rows = []
    for item in instrument.items:
        key = str(item.number)
        if key not in response.answers:
            answer = "Not answered yet"
        elif response.answers[key] is None:
            answer = "Left out"
        else:
            labels = {option.value: option.label for option in item.response_options}
            answer = labels.get(response.answers[key], str(response.answers[key]))
        rows.append(
            {
                "item": item,
                "answer": answer,
                "answered": key in response.answers,
                "change_url": _question_url(assessment, code, item.number, change=True),
            }
        )
    first_missing = first_unanswered_item(instrument, response.answers)
    return render(
        request,
        TEMPLATE.format("check"),
        {
            "assessment": assessment,
            "instrument": instrument,
            "rows": rows,
            "error": error,
            "error_link": (
                _question_url(assessment, code, first_missing, change=True) if first_missing else ""
            ),
        },
    )


def questionnaire_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Thank you, once every questionnaire of the set is sent."""
    assessment = assessment_get_for_participant(user=_user(request), pk=pk)
    if assessment.completed_at is None:
        return redirect(_start_url(assessment))
    return render(request, TEMPLATE.format("done"), {"assessment": assessment})


def questionnaire_support(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Calm support shown at once after an answer the team will follow up, with crisis contacts."""
    assessment = assessment_get_for_participant(user=_user(request), pk=pk)
    _instrument(assessment, code)
    responses = response_map_for_assessment(assessment=assessment)
    if assessment.completed_at is not None:
        next_url = reverse("reports:participant_home")
    else:
        next_url = _resume_url(assessment, responses, whole=_prefers_whole(request))
    # The organization that asked the questions comes first (its team will be in touch), then
    # any other the person takes part in: their crisis lines are the participant's too.
    organization = assessment.enrollment.cohort.organization
    organizations = [
        organization,
        *(o for o in organization_list_for_person(user=_user(request)) if o.pk != organization.pk),
    ]
    context: dict[str, Any] = {
        "assessment": assessment,
        "organization": organization,
        "crisis_organizations": [o for o in organizations if o.crisis_contact_links],
        "support_organizations": [o for o in organizations if o.support_email or o.support_phone],
        "next_url": next_url,
        "completed": assessment.completed_at is not None,
    }
    return render(request, "program_sessions/safety_support.html", context)


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
