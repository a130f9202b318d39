"""What the questionnaire pages show, arranged from rows already fetched (no queries here).

The views fetch through the selectors (which apply the access rules) and hand the rows to these
functions: where a participant goes next, each instrument's state, each answer in words, the
staff status grid and the results tables. Kept apart from the views so that those only parse,
fetch, arrange and render, and so that the arithmetic is tested without HTTP.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from accounts.models import Organization, QuestionnaireLayout, User
from programs.instrument_library import Instrument, Item, instrument_get
from programs.models import Enrollment, EnrollmentStatus, MeasurementPoint
from sessions.progress import course_label
from sessions.questionnaires import results
from sessions.questionnaires.models import Assessment, AssessmentStatus, Response, WindowChange
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
    instrument, or that whole instrument's page for people who chose one page per questionnaire.

    A questionnaire already started comes before one not started, whatever its place in the set:
    the person may have chosen their own order, and "Carry on" carries on with what they began.
    """
    started = [c for c in assessment.instruments if (r := responses.get(c)) and r.answers]
    rest = [c for c in assessment.instruments if c not in started]
    for code in started + rest:
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


def minutes_text(minutes: int) -> str:
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _minutes_left(instrument: Instrument, response: Response | None) -> int:
    """An honest share of the instrument's estimate: the questions not reached yet, rounded up,
    and at least a minute to check and send whatever has been answered."""
    if response is not None and response.is_submitted:
        return 0
    answers = response.answers if response else {}
    waiting = sum(1 for item in instrument.items if str(item.number) not in answers)
    return max(1, math.ceil(instrument.minutes * waiting / len(instrument.items)))


@dataclass(frozen=True)
class SetProgress:
    """How far the participant is through a set of questionnaires, and the time it should take."""

    done: int
    total: int
    minutes_total: int
    minutes_left: int

    @property
    def done_text(self) -> str:
        """“3 of 8 done”."""
        return f"{self.done} of {self.total} done"

    @property
    def headline(self) -> str:
        """“8 questionnaires” before the first is sent, then “3 of 8 done”."""
        if self.done == 0:
            return f"{self.total} questionnaire{'s' if self.total != 1 else ''}"
        return self.done_text

    @property
    def short_text(self) -> str:
        """“3 of 8 done, about 20 minutes left”, for the line above each question."""
        if self.done == self.total:
            return self.done_text
        return f"{self.done_text}, about {minutes_text(self.minutes_left)} left"

    @property
    def time_text(self) -> str:
        """“About 35 minutes in all; about 20 minutes left.”"""
        whole = f"About {minutes_text(self.minutes_total)} in all"
        if self.done == self.total:
            return f"{whole}."
        if self.minutes_left >= self.minutes_total:
            return f"{whole}. You do not have to do them all at once."
        return f"{whole}; about {minutes_text(self.minutes_left)} left."


def set_progress(assessment: Assessment, responses: dict[str, Response]) -> SetProgress:
    instruments = [instrument_get(code) for code in assessment.instruments]
    return SetProgress(
        done=sum(
            1 for i in instruments if (r := responses.get(i.code)) is not None and r.is_submitted
        ),
        total=len(instruments),
        minutes_total=sum(i.minutes for i in instruments),
        minutes_left=sum(_minutes_left(i, responses.get(i.code)) for i in instruments),
    )


def progress(instrument: Instrument, item: Item) -> str:
    """Where this question is inside its questionnaire: “Stress: question 4 of 10”."""
    return f"{instrument.plain_name}: question {item.number} of {len(instrument.items)}"


def instrument_progress(instrument: Instrument) -> str:
    return f"{instrument.plain_name}: {len(instrument.items)} questions"


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


@dataclass(frozen=True)
class Task:
    """One questionnaire on the start page's task list: its state and where its link goes."""

    instrument: Instrument
    status: str  # Not started, Started, Ready to send, Sent
    action: str  # the link's words: Start, Carry on, Check and send; "" once sent
    url: str
    hint: str


def _task(
    assessment: Assessment, instrument: Instrument, response: Response | None, *, whole: bool
) -> Task:
    questions = len(instrument.items)
    if response is not None and response.is_submitted:
        return Task(instrument, "Sent", "", "", f"{questions} questions")
    answers = response.answers if response else {}
    number = first_unanswered_item(instrument, answers)
    if number is None:
        return Task(
            instrument,
            "Ready to send",
            "Check and send",
            check_url(assessment, instrument.code),
            f"All {questions} questions done, about 1 minute to check and send",
        )
    url = (
        all_url(assessment, instrument.code)
        if whole
        else question_url(assessment, instrument.code, number)
    )
    left = minutes_text(_minutes_left(instrument, response))
    if answers:
        hint = f"{len(answers)} of {questions} questions done, about {left} left"
        return Task(instrument, "Started", "Carry on", url, hint)
    return Task(instrument, "Not started", "Start", url, f"{questions} questions, about {left}")


def start_rows(
    assessment: Assessment, responses: dict[str, Response], *, whole: bool = False
) -> list[Task]:
    """Each questionnaire of the set with its state, time and own link, in the set's order; the
    participant chooses which to do first."""
    return [
        _task(assessment, instrument_get(code), responses.get(code), whole=whole)
        for code in assessment.instruments
    ]


def check_rows(
    assessment: Assessment, instrument: Instrument, response: Response
) -> list[dict[str, Any]]:
    """Every answer of one instrument in words, with the link to change it."""
    rows = []
    for item in instrument.items:
        key = str(item.number)
        if response.answers.get(key) is None:
            # Skipped on purpose or not reached yet, the person reads the same words.
            answer = "Not answered"
        else:
            labels = {option.value: option.label for option in item.response_options}
            answer = labels.get(response.answers[key], str(response.answers[key]))
        rows.append(
            {
                "item": item,
                "answer": answer,
                "answered": response.answers.get(key) is not None,
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
    assessment: Assessment | None,
    *,
    started: bool,
    now: dt.datetime,
    change: WindowChange | None = None,
    withdrawn: bool = False,
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
    # Staff may extend an open window or reopen a missed one (services.windows).
    window_action = ""
    if not withdrawn and status == AssessmentStatus.MISSED:
        window_action = "Reopen"
    elif not withdrawn and open_now:
        window_action = "Extend"
    return {
        "status": status,
        "label": status.label,
        "note": note,
        "at": at,
        "pk": assessment.pk,
        "open": open_now,
        "window_action": window_action,
        "change": change,
    }


def status_rows(
    *,
    enrollments: Iterable[Enrollment],
    points: list[MeasurementPoint],
    assessments: Iterable[Assessment],
    started: set[int],
    now: dt.datetime,
    changes: Mapping[int, WindowChange] | None = None,
) -> list[dict[str, Any]]:
    """Each participant's questionnaires at each measurement point: not open yet, open, started,
    done or missed, with the latest window change staff made (`changes`, by assessment id).
    `enrollments` carry `has_current_consent`
    (selectors.enrollment_list_with_consent_for_cohort)."""
    changes = changes or {}
    by_cell = {(a.enrollment_id, a.measurement_point_id): a for a in assessments}
    rows = []
    for enrollment in enrollments:
        cells = []
        for point in points:
            assessment = by_cell.get((enrollment.pk, point.pk))
            cells.append(
                _status_cell(
                    assessment,
                    started=assessment is not None and assessment.pk in started,
                    now=now,
                    change=changes.get(assessment.pk) if assessment is not None else None,
                    withdrawn=enrollment.status == EnrollmentStatus.WITHDRAWN,
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
            # Follow-ups months after the course, in time order, each under its own label.
            "follow_ups": [
                {"label": m.point_label, "cell": results.staff_cell(o.instrument, m)}
                for m in o.measurements
                if m.point_kind == "follow_up"
            ],
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
