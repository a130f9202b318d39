"""Questionnaire answers: saved one by one as they are given, then submitted, scored and never changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from programs.instrument_library import Instrument, InstrumentNotFound, instrument_get
from programs.scoring import InvalidAnswers, ScoreResult, score
from sessions.questionnaires.models import Assessment, Response, ResponseMode, SafetyEvent
from sessions.questionnaires.signals import assessment_completed, safety_events_raised

# Scoring flags that need a person from the team to follow up; True (answered positively) and
# None (left unanswered) both raise a SafetyEvent (BRIEF §5).
SAFETY_FLAGS = ("item9_positive",)


class ResponseError(Exception):
    """An answer or a submission that cannot be accepted; the message is for the participant, so
    it names a questionnaire by its plain name, never its code."""


@dataclass(frozen=True)
class Submission:
    response: Response
    result: ScoreResult
    # Set when an answer needs the team to follow up: the participant is shown support at once.
    safety_event: SafetyEvent | None
    assessment_completed: bool


def instrument_for_assessment(*, assessment: Assessment, code: str) -> Instrument:
    """The instrument `code` if the assessment asks it; ResponseError otherwise."""
    if code not in assessment.instruments:
        raise ResponseError("This questionnaire is not part of this set of questionnaires.")
    try:
        return instrument_get(code)
    except InstrumentNotFound:
        raise ResponseError("This questionnaire is not available.") from None


def item_may_be_skipped(instrument: Instrument, number: int) -> bool:
    """Unscored items are optional; scored ones only where the instrument allows missing items."""
    return not instrument.item(number).scored or instrument.total.max_missing > 0


def first_unanswered_item(instrument: Instrument, answers: dict[str, int | None]) -> int | None:
    """The item to resume at: the first one neither answered nor explicitly skipped."""
    for item in instrument.items:
        if str(item.number) not in answers:
            return item.number
    return None


def _check_open(assessment: Assessment, now: dt.datetime, *, late_allowed: bool = False) -> None:
    if assessment.completed_at is not None:
        raise ResponseError("You have already sent all your answers for these questionnaires.")
    if now < assessment.opens_at:
        raise ResponseError("These questionnaires are not open yet.")
    if now >= assessment.closes_at and not late_allowed:
        raise ResponseError(
            "These questionnaires have closed, so answers can no longer be given here."
        )


def _check_value(instrument: Instrument, number: int, value: int | None, answers: dict) -> None:
    try:
        item = instrument.item(number)
    except KeyError:
        raise ResponseError(f"“{instrument.plain_name}” has no question {number}.") from None
    if value is None:
        if not item_may_be_skipped(instrument, number):
            raise ResponseError("Choose one answer to carry on.")
        if item.scored:
            # Skipping more than the instrument allows would leave it impossible to score.
            skipped = [
                other.number
                for other in instrument.scored_items
                if other.number != number
                and str(other.number) in answers
                and answers[str(other.number)] is None
            ]
            if len(skipped) >= instrument.total.max_missing:
                allowed = instrument.total.max_missing
                raise ResponseError(
                    f"You can leave out at most {allowed} question{'s' if allowed != 1 else ''} "
                    f"of “{instrument.plain_name}”. Choose one answer to carry on."
                )
        return
    if isinstance(value, bool) or not isinstance(value, int) or value not in item.values:
        labels = ", ".join(f"“{option.label}”" for option in item.response_options)
        raise ResponseError(f"Choose one of the answers offered: {labels}.")


def _draft(
    *, assessment: Assessment, instrument: Instrument, entered_by: User | None, mode: str
) -> Response:
    """The response being filled in, created at the first answer and locked for this transaction."""
    latest = (
        Response.objects.select_for_update()
        .filter(assessment=assessment, instrument=instrument.code)
        .order_by("-version")
        .first()
    )
    if latest is None:
        # get_or_create: two tabs answering the first question at once must not collide on the
        # unique (assessment, instrument, version) constraint.
        latest, _ = Response.objects.get_or_create(
            assessment=assessment,
            instrument=instrument.code,
            version=1,
            defaults={
                "instrument_version": instrument.version,
                "answers": {},
                "mode": mode,
                "entered_by": entered_by,
            },
        )
        latest = Response.objects.select_for_update().get(pk=latest.pk)
    if latest.is_submitted:
        raise ResponseError(
            f"Your answers to “{instrument.plain_name}” were already sent and cannot be changed."
        )
    return latest


def answers_save(
    *,
    assessment: Assessment,
    instrument: str,
    answers: dict[int, int | None],
    entered_by: User | None,
    mode: str = ResponseMode.SELF,
    now: dt.datetime | None = None,
) -> Response:
    """Save several answers to one instrument at once (the whole-questionnaire page); all or none."""
    definition = instrument_for_assessment(assessment=assessment, code=instrument)
    _check_open(assessment, now or timezone.now())
    with transaction.atomic():
        response = _draft(
            assessment=assessment, instrument=definition, entered_by=entered_by, mode=mode
        )
        for number, value in answers.items():
            _check_value(definition, number, value, response.answers)
            response.answers[str(number)] = value
        response.save(update_fields=["answers", "updated_at"])
    return response


def answer_save(
    *,
    assessment: Assessment,
    instrument: str,
    item: int,
    value: int | None,
    entered_by: User | None,
    mode: str = ResponseMode.SELF,
    now: dt.datetime | None = None,
) -> Response:
    """Save one answer as it is given (None: skipped on purpose, where the instrument allows it)."""
    return answers_save(
        assessment=assessment,
        instrument=instrument,
        answers={item: value},
        entered_by=entered_by,
        mode=mode,
        now=now,
    )


def _question_list(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"question {numbers[0]}"
    return "questions " + ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def response_submit(
    *, response: Response, now: dt.datetime | None = None, late_allowed: bool = False
) -> Submission:
    """Score and send a finished response; raise a safety event if an answer needs follow-up.

    `late_allowed`: answers given on paper while the window was open, typed in after it closed
    (the REDCap import); a window that has not opened yet still takes none.
    """
    now = now or timezone.now()
    with transaction.atomic():
        response = Response.objects.select_for_update().get(pk=response.pk)
        assessment = Assessment.objects.select_for_update().get(pk=response.assessment_id)
        instrument = instrument_for_assessment(assessment=assessment, code=response.instrument)
        if response.is_submitted:
            raise ResponseError(
                f"Your answers to “{instrument.plain_name}” were already sent "
                "and cannot be changed."
            )
        _check_open(assessment, now, late_allowed=late_allowed)
        unvisited = [
            item.number
            for item in instrument.scored_items
            if str(item.number) not in response.answers
        ]
        if unvisited:
            raise ResponseError(f"Please answer {_question_list(unvisited)} before sending.")
        missing = [
            item.number
            for item in instrument.scored_items
            if response.answers.get(str(item.number)) is None
        ]
        if len(missing) > instrument.total.max_missing:
            raise ResponseError(f"Please answer {_question_list(missing)} before sending.")
        try:
            result = score(instrument.code, response.answer_map())
        except InvalidAnswers as exc:
            raise ResponseError(
                f"One of the answers cannot be used ({exc}). Please change it before sending."
            ) from exc
        response.submitted_at = now
        response.save(update_fields=["submitted_at", "updated_at"])

        safety_event = None
        for flag in SAFETY_FLAGS:
            if flag in result.flags and result.flags[flag] is not False:
                safety_event = SafetyEvent.objects.create(
                    enrollment_id=assessment.enrollment_id,
                    response=response,
                    flag=flag,
                    flag_value=result.flags[flag],
                )
                # The alert is written in this transaction, sent the moment it commits.
                safety_events_raised.send(sender=SafetyEvent, events=[safety_event])

        submitted = set(
            Response.objects.filter(assessment=assessment, submitted_at__isnull=False).values_list(
                "instrument", flat=True
            )
        )
        completed = set(assessment.instruments) <= submitted
        if completed:
            assessment.completed_at = now
            assessment.save(update_fields=["completed_at"])
            assessment_completed.send(sender=Assessment, assessment=assessment)
    return Submission(
        response=response,
        result=result,
        safety_event=safety_event,
        assessment_completed=completed,
    )
