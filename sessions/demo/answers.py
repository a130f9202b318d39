"""The demo participants' questionnaires, answered through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, OuterRef, Subquery

from programs.instrument_library import Instrument, instrument_get
from programs.models import Enrollment, MeasurementKind
from sessions.demo.dates import ZONE
from sessions.demo.people import participant_number
from sessions.questionnaires.models import Assessment, Response, SafetyEvent
from sessions.questionnaires.services.responses import answers_save, response_submit
from sessions.scheduling import local_to_utc

# Instruments where a higher answer means feeling better, so a more distressed person answers
# lower; the rest (and IERQ, which is neither) are answered higher with more distress.
_HIGHER_IS_BETTER = {"who5", "maia2", "ffmq15", "ierq"}
# How distressed each demo person is before the course (0 to 1), by participant number; the
# course helps a little, so post answers come from a lower level.
_DISTRESS = [0.25, 0.45, 0.35, 0.6, 0.3, 0.5, 0.4, 0.2, 0.55, 0.35, 0.45, 0.3]
_POST_RELIEF = 0.15
# participant1 answers nothing: their questionnaire before the course stays open, not started,
# for whoever signs in as them (demo_questionnaire_keep_open).
OPEN_FOR_PARTICIPANT = 1
OPEN_FOR_DAYS = 7


def _demo_answers(
    instrument: Instrument, number: int, distress: float, *, item9_positive: bool
) -> dict[int, int | None]:
    """Plausible raw answers: one consistent level per person, a little spread item by item."""
    answers: dict[int, int | None] = {}
    for item in instrument.items:
        values = sorted(option.value for option in item.response_options)
        level = 1 - distress if instrument.code in _HIGHER_IS_BETTER else distress
        if item.number in instrument.reverse_items:
            level = 1 - level
        jitter = (item.number * 7 + number * 3) % 3 - 1
        index = min(len(values) - 1, max(0, round(level * (len(values) - 1)) + jitter))
        answers[item.number] = values[index]
    if instrument.code == "phq9":
        # Item 9 (thoughts of self-harm) raises a safety event unless answered 0: exactly one
        # demo person answers it positively so the facilitator's pages show a flag.
        answers[9] = 1 if item9_positive else 0
    return answers


@dataclass(frozen=True)
class PlannedResponse:
    """One questionnaire a demo participant sends: which, what they answer, and when."""

    instrument: str
    answers: dict[int, int | None]
    at: dt.datetime


def demo_answers_plan(
    assessment: Assessment, number: int, reference: dt.datetime, *, item9_positive: bool
) -> list[PlannedResponse]:
    """What demo participant `number` sends for one assessment that opened before `reference`,
    in the order they send it. Shared by the service path below and the bulk seed (bulk.py), so
    both give the same answers at the same moments."""
    is_post = assessment.measurement_point.kind != MeasurementKind.BASELINE
    distress = _DISTRESS[number % len(_DISTRESS)] - (_POST_RELIEF if is_post else 0)
    end = min(assessment.closes_at, reference)
    # Somewhere in the window, a different day and hour for each person.
    answered_at = assessment.opens_at + (end - assessment.opens_at) * (0.2 + 0.12 * (number % 5))
    codes = list(assessment.instruments)
    if number % 5 == 0:
        codes = codes[:1]
    elif assessment.closes_at > reference:
        codes = codes[:-1]
    return [
        PlannedResponse(
            instrument=code,
            answers=_demo_answers(
                instrument_get(code),
                number,
                distress,
                item9_positive=item9_positive and not is_post,
            ),
            at=answered_at + dt.timedelta(minutes=4 * position),
        )
        for position, code in enumerate(codes)
    ]


def demo_answers_reference(today: dt.date) -> dt.datetime:
    """Windows that opened before noon today have answers."""
    return local_to_utc(today, dt.time(12), ZONE)


def demo_questionnaires_answer(
    enrollment: Enrollment, today: dt.date, *, item9_positive: bool
) -> None:
    """Answer a new demo participant's questionnaires whose window has opened by today.

    Through the real services with a `now` inside the window, so responses are validated,
    scored, dated and completed (and the safety event raised) exactly as a participant's would
    be. Most people complete their baseline; every fifth person answered only the first
    questionnaire (missed if the window has closed), and whoever's window is still open has
    left the last questionnaire for later, so the demo has something to carry on with.

    Posts: the MBSR Tuesday group started three weeks ago and even the earliest one-to-one
    participants have not reached session 6, so with the default demo no post window has
    opened yet and no post answers exist; the same rule fills a post once its window is open.

    participant1 (OPEN_FOR_PARTICIPANT) answers nothing, so the demo has a questionnaire nobody
    has started for anyone to try.
    """
    number = participant_number(enrollment.user)
    if number == OPEN_FOR_PARTICIPANT:
        return
    reference = demo_answers_reference(today)
    assessments = Assessment.objects.filter(
        enrollment=enrollment, opens_at__lt=reference
    ).select_related("measurement_point")
    submitted: list[int] = []
    for assessment in assessments:
        for planned in demo_answers_plan(
            assessment, number, reference, item9_positive=item9_positive
        ):
            response = answers_save(
                assessment=assessment,
                instrument=planned.instrument,
                answers=planned.answers,
                entered_by=enrollment.user,
                now=planned.at,
            )
            response_submit(response=response, now=planned.at)
            submitted.append(response.pk)
    # The services stamp these with the real clock; a demo answer given weeks ago says so.
    Response.objects.filter(pk__in=submitted).update(
        started_at=F("submitted_at"), updated_at=F("submitted_at")
    )
    SafetyEvent.objects.filter(response_id__in=submitted).update(
        raised_at=Subquery(
            Response.objects.filter(pk=OuterRef("response_id")).values("submitted_at")[:1]
        )
    )


def demo_questionnaire_keep_open(enrollment: Enrollment, today: dt.date) -> None:
    """Keep a questionnaire before the course open until a week from today, unless it is done.

    participant1's group began three weeks ago, when their window (the two weeks up to the first
    session) closed; in the demo the team gave them more time, so whoever tries Stillwater finds
    a questionnaire to fill in. Set on the model, like the rest of the demo's past: no service
    moves a window by hand (it follows the schedule), so a schedule change in the group closes
    it again until the next seed_demo. Only ever extended, so running seed_demo again the same
    day changes nothing.
    """
    closes_at = local_to_utc(today + dt.timedelta(days=OPEN_FOR_DAYS), dt.time(12), ZONE)
    Assessment.objects.filter(
        enrollment=enrollment,
        measurement_point__kind=MeasurementKind.BASELINE,
        completed_at__isnull=True,
        closes_at__lt=closes_at,
    ).update(closes_at=closes_at)
