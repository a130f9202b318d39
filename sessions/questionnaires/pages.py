"""What the questionnaire pages show, arranged from rows already fetched (no queries here).

The views fetch through the selectors (which apply the access rules) and hand the rows to these
functions: where a participant goes next, each instrument's state, each answer in words, the
staff status grid and the results tables. Kept apart from the views so that those only parse,
fetch, arrange and render, and so that the arithmetic is tested without HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from accounts.models import Organization, QuestionnaireLayout, User
from programs.instrument_library import Instrument, Item, instrument_get
from programs.models import Enrollment, EnrollmentStatus, MeasurementPoint
from sessions.progress import course_label
from sessions.questionnaires import results
from sessions.questionnaires.models import Assessment, AssessmentStatus, Response
from sessions.questionnaires.services.corrections import staff_entry_refusal
from sessions.questionnaires.services.responses import first_unanswered_item

# --- where the participant goes ---------------------------------------------------------------


def question_url(assessment: Assessment, code: str, number: int, *, change: bool = False) -> str:
    url = reverse("questionnaires:questionnaire_question", args=[assessment.pk, code, number])
    return f"{url}?change=1" if change else url


def check_url(assessment: Assessment, code: str) -> str:
    return reverse("questionnaires:questionnaire_check", args=[assessment.pk, code])


def start_url(assessment: Assessment) -> str:
    return reverse("questionnaires:questionnaire_start", args=[assessment.pk])


def all_url(assessment: Assessment, code: str) -> str:
    return reverse("questionnaires:questionnaire_all", args=[assessment.pk, code])


def prefers_whole(user: User) -> bool:
    """The participant's setting: a whole questionnaire on one page rather than a question each."""
    return user.questionnaire_layout == QuestionnaireLayout.WHOLE


def resume_url(
    assessment: Assessment, responses: dict[str, Response], *, whole: bool = False
) -> str:
    """Where the participant left off: the first unanswered question of the first unfinished
    instrument, or that whole instrument's page for people who chose one page per questionnaire."""
    for code in assessment.instruments:
        response = responses.get(code)
        if response is not None and response.is_submitted:
            continue
        if whole:
            return all_url(assessment, code)
        number = first_unanswered_item(instrument_get(code), response.answers if response else {})
        if number is None:
            return check_url(assessment, code)
        return question_url(assessment, code, number)
    return reverse("questionnaires:questionnaire_done", args=[assessment.pk])


def is_open(assessment: Assessment) -> bool:
    """Whether answers may be given now (by the participant, or entered by staff)."""
    return assessment.status() in (AssessmentStatus.OPEN, AssessmentStatus.IN_PROGRESS)


# --- the participant's pages ------------------------------------------------------------------


def progress(assessment: Assessment, instrument: Instrument, item: Item) -> str:
    position = assessment.instruments.index(instrument.code) + 1
    return (
        f"Question {item.number} of {len(instrument.items)} — "
        f"Questionnaire {position} of {len(assessment.instruments)}: {instrument.short_name}"
    )


def instrument_progress(assessment: Assessment, instrument: Instrument) -> str:
    position = assessment.instruments.index(instrument.code) + 1
    return (
        f"Questionnaire {position} of {len(assessment.instruments)}: "
        f"{len(instrument.items)} questions"
    )


def hint(instrument: Instrument, item: Item) -> str:
    # Items with their own answers (how difficult the problems made things) stand on their own;
    # the others are read after the instrument's lead-in ("Over the last 2 weeks ...").
    return instrument.instructions if item.response_options == instrument.response_options else ""


def question_back_url(
    assessment: Assessment, instrument: Instrument, number: int, *, changing: bool
) -> str:
    """Back from a question: to the answers to check when changing one, else the question before."""
    earlier = [i.number for i in instrument.items if i.number < number]
    if changing:
        return check_url(assessment, instrument.code)
    if earlier:
        return question_url(assessment, instrument.code, earlier[-1])
    return start_url(assessment)


def question_next_url(
    assessment: Assessment, instrument: Instrument, number: int, *, changing: bool
) -> str:
    """After an answer: the next question, or the answers to check after the last (or a change)."""
    following = [i.number for i in instrument.items if i.number > number]
    if changing or not following:
        return check_url(assessment, instrument.code)
    return question_url(assessment, instrument.code, following[0])


def start_rows(instruments: list[Instrument], responses: dict[str, Response]) -> list[dict]:
    """Each instrument of the set with where the participant is: sent, started or not started."""
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
    return rows


def check_rows(
    assessment: Assessment, instrument: Instrument, response: Response
) -> list[dict[str, Any]]:
    """Every answer of one instrument in words, with the link to change it."""
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
                "change_url": question_url(assessment, instrument.code, item.number, change=True),
            }
        )
    return rows


def support_contacts(
    assessment: Assessment, organizations: Iterable[Organization]
) -> dict[str, Any]:
    """Whom the support page names: the organization that asked the questions first (its team
    will be in touch), then any other the person takes part in, whose crisis lines are theirs too."""
    organization = assessment.enrollment.cohort.organization
    found = [organization, *(o for o in organizations if o.pk != organization.pk)]
    return {
        "organization": organization,
        "crisis_organizations": [o for o in found if o.crisis_contact_links],
        "support_organizations": [o for o in found if o.support_email or o.support_phone],
    }


# --- staff entry ------------------------------------------------------------------------------


def entry_rows(
    assessment: Assessment, responses: dict[str, Response], *, entry_open: bool
) -> list[dict[str, Any]]:
    """Each instrument of a participant's set for staff: its state, and the link to enter the
    answers (while entry is open) or to correct them once sent."""
    rows = []
    for code in assessment.instruments:
        instrument = instrument_get(code)
        response = responses.get(code)
        if response is not None and response.is_submitted:
            state = (
                "Sent" if response.version == 1 else f"Sent, corrected (version {response.version})"
            )
            link = reverse("questionnaires:response_correct", args=[assessment.pk, code])
            action = "Correct answers"
        else:
            state = "Started" if response is not None and response.answers else "Not started"
            link = (
                reverse("questionnaires:questionnaire_entry_instrument", args=[assessment.pk, code])
                if entry_open
                else ""
            )
            action = "Enter answers"
        rows.append({"instrument": instrument, "state": state, "link": link, "action": action})
    return rows


# --- questionnaire status of a cohort ---------------------------------------------------------


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


def status_rows(
    *,
    enrollments: Iterable[Enrollment],
    points: list[MeasurementPoint],
    assessments: Iterable[Assessment],
    started: set[int],
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """Each participant's questionnaires at each measurement point: not open yet, open, started,
    done or missed. `enrollments` carry `has_current_consent`
    (selectors.enrollment_list_with_consent_for_cohort)."""
    by_cell = {(a.enrollment_id, a.measurement_point_id): a for a in assessments}
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
    return rows


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortResults:
    """The staff results table of a cohort, and what its audit event records."""

    rows: list[dict[str, Any]]
    # Participants with no questionnaire sent yet.
    waiting: list[Enrollment]
    # One participant code per outcome shown (a participant with two instruments twice).
    participant_codes: list[str]
    participant_count: int
    instrument_codes: list[str]


def cohort_results(
    *, enrollments: Iterable[Enrollment], responses: Iterable[Response]
) -> CohortResults:
    """Per participant and instrument: baseline and post scores, bands, change and the MIC."""
    by_pk: dict[int, Enrollment] = {e.pk: e for e in enrollments}
    found = results.outcomes(results.answered_from_response(r) for r in responses)
    rows = [
        {
            "enrollment": by_pk[o.enrollment_id],
            "instrument": o.instrument,
            "baseline": results.staff_cell(o.instrument, o.baseline),
            "post": results.staff_cell(o.instrument, o.post),
            "change": results.format_change(o.change),
            "mic": results.mic_text(o),
        }
        for o in sorted(
            found, key=lambda o: (by_pk[o.enrollment_id].participant_code, o.instrument.code)
        )
        if o.enrollment_id in by_pk
    ]
    answered = {o.enrollment_id for o in found}
    shown = [o for o in found if o.enrollment_id in by_pk]
    return CohortResults(
        rows=rows,
        waiting=[e for pk, e in by_pk.items() if pk not in answered],
        participant_codes=[by_pk[o.enrollment_id].participant_code for o in shown],
        participant_count=len({o.enrollment_id for o in shown}),
        instrument_codes=sorted({o.instrument.code for o in shown}),
    )


def participant_results(responses: Iterable[Response]) -> list[dict[str, Any]]:
    """The participant's own scores over time in plain words, grouped by course (ordered by
    enrollment, then instrument): no bands, no diagnoses."""
    fetched = list(responses)
    found = results.outcomes(results.answered_from_response(r) for r in fetched)
    labels = {r.assessment.enrollment_id: course_label(r.assessment.enrollment) for r in fetched}
    groups: list[dict[str, Any]] = []
    for outcome in found:
        if not groups or groups[-1]["enrollment_id"] != outcome.enrollment_id:
            groups.append(
                {
                    "enrollment_id": outcome.enrollment_id,
                    "label": labels[outcome.enrollment_id],
                    "lines": [],
                }
            )
        groups[-1]["lines"].extend(results.plain_lines(outcome))
    return groups
