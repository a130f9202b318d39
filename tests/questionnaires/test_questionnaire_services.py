"""Answers saved one by one, resumed where left off, submitted once, scored, and safety followed up."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from programs.instrument_library import instrument_get
from sessions.questionnaires.models import Assessment, Response, SafetyEvent
from sessions.questionnaires.services.responses import (
    ResponseError,
    answer_save,
    first_unanswered_item,
    response_submit,
)
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program

pytestmark = pytest.mark.django_db

OPENS = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 9, 5, 12, tzinfo=dt.UTC)
CLOSES = dt.datetime(2026, 9, 15, 17, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def make_assessment(*, instruments=("phq9", "gad7"), user=None, organization=None, **window):
    """An open baseline assessment of an MBSR participant, asking `instruments` in that order."""
    program = shipped_program("mbsr-8-ms")
    cohort_kwargs = {"organization": organization} if organization else {}
    cohort = CohortFactory(program=program, **cohort_kwargs)
    enrollment = EnrollmentFactory(cohort=cohort, user=user or UserFactory())
    return Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=program.measurement_points.get(kind="baseline"),
        instruments=list(instruments),
        opens_at=window.get("opens_at", OPENS),
        closes_at=window.get("closes_at", CLOSES),
    )


def answer_all(assessment, code, values):
    """Answer items 1.. of `code` with `values` in order (None: skipped), one call per answer."""
    response = None
    for number, value in enumerate(values, start=1):
        response = answer_save(
            assessment=assessment,
            instrument=code,
            item=number,
            value=value,
            entered_by=assessment.enrollment.user,
        )
    return response


PHQ9_NO_RISK = [1, 1, 2, 0, 1, 0, 1, 0, 0, 1]  # item 9 = 0, item 10 (difficulty) = 1
PHQ9_ITEM9_ONE = [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]


def test_each_answer_is_saved_as_it_is_given_with_the_instrument_version():
    assessment = make_assessment()
    answer_save(
        assessment=assessment,
        instrument="phq9",
        item=1,
        value=2,
        entered_by=assessment.enrollment.user,
    )
    response = Response.objects.get(assessment=assessment, instrument="phq9")
    assert response.answers == {"1": 2}
    assert response.instrument_version == instrument_get("phq9").version
    assert response.entered_by == assessment.enrollment.user
    assert response.mode == "self"
    assert not response.is_submitted

    answer_save(assessment=assessment, instrument="phq9", item=2, value=0, entered_by=None)
    response.refresh_from_db()
    assert response.answers == {"1": 2, "2": 0}
    assert Response.objects.filter(assessment=assessment).count() == 1


def test_changing_an_answer_before_sending_replaces_it():
    assessment = make_assessment()
    answer_all(assessment, "phq9", [3, 3])
    answer_save(assessment=assessment, instrument="phq9", item=1, value=0, entered_by=None)
    assert Response.objects.get(assessment=assessment).answers == {"1": 0, "2": 3}


def test_resume_point_is_the_first_item_neither_answered_nor_skipped():
    phq9 = instrument_get("phq9")
    assert first_unanswered_item(phq9, {}) == 1
    assert first_unanswered_item(phq9, {"1": 0, "2": None, "3": 1}) == 4
    # A gap counts: someone who changed their mind on question 3 resumes there, not at 5.
    assert first_unanswered_item(phq9, {"1": 0, "2": 1, "4": 1}) == 3
    assert first_unanswered_item(phq9, {str(n): 0 for n in range(1, 11)}) is None


@pytest.mark.parametrize("value", [4, -1, "2", 2.0, True])
def test_an_answer_the_item_does_not_offer_is_refused_and_nothing_is_saved(value):
    assessment = make_assessment()
    with pytest.raises(ResponseError, match="Choose one of the answers offered"):
        answer_save(assessment=assessment, instrument="phq9", item=1, value=value, entered_by=None)
    assert not Response.objects.exists()


def test_an_item_or_instrument_that_is_not_asked_is_refused():
    assessment = make_assessment(instruments=("phq9",))
    with pytest.raises(ResponseError, match="has no question 11"):
        answer_save(assessment=assessment, instrument="phq9", item=11, value=0, entered_by=None)
    with pytest.raises(ResponseError, match="not part of"):
        answer_save(assessment=assessment, instrument="gad7", item=1, value=0, entered_by=None)


def test_skipping_is_refused_where_the_instrument_needs_every_item():
    assessment = make_assessment(instruments=("pss10",))
    with pytest.raises(ResponseError, match="Choose one answer"):
        answer_save(assessment=assessment, instrument="pss10", item=1, value=None, entered_by=None)


def test_phq9_allows_two_items_left_out_and_refuses_a_third():
    assessment = make_assessment()
    answer_all(assessment, "phq9", [None, None])
    with pytest.raises(ResponseError, match="at most 2 questions"):
        answer_save(assessment=assessment, instrument="phq9", item=3, value=None, entered_by=None)


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"opens_at": NOW + dt.timedelta(days=1), "closes_at": CLOSES}, "not open yet"),
        ({"opens_at": OPENS, "closes_at": NOW}, "have closed"),
    ],
)
def test_answers_are_refused_outside_the_window(window, message):
    assessment = make_assessment(**window)
    with pytest.raises(ResponseError, match=message):
        answer_save(assessment=assessment, instrument="phq9", item=1, value=0, entered_by=None)
    assert not Response.objects.exists()


def test_submit_requires_every_scored_item_answered():
    assessment = make_assessment()
    response = answer_all(assessment, "phq9", [0, 0, 0, 0, 0])
    with pytest.raises(ResponseError, match="Please answer questions 6, 7, 8 and 9"):
        response_submit(response=response)
    response.refresh_from_db()
    assert response.submitted_at is None


def test_submit_scores_sets_the_time_and_leaves_the_difficulty_item_optional():
    assessment = make_assessment()
    response = answer_all(assessment, "phq9", PHQ9_NO_RISK[:9])
    submission = response_submit(response=response)
    assert submission.result.total == 6
    assert submission.result.band == "mild"
    assert submission.safety_event is None
    response.refresh_from_db()
    assert response.submitted_at == NOW
    assert not SafetyEvent.objects.exists()


def test_phq9_with_two_items_left_out_is_submitted_and_prorated():
    assessment = make_assessment()
    response = answer_all(assessment, "phq9", [1, None, 1, None, 1, 1, 1, 1, 0])
    submission = response_submit(response=response)
    # 6 from 7 answered items: 6 / 7 x 9 = 7.71..., rounded half up to 8.
    assert submission.result.total == 8


def test_item9_answered_one_raises_an_open_safety_event_in_the_same_submission():
    assessment = make_assessment()
    response = answer_all(assessment, "phq9", PHQ9_ITEM9_ONE)
    submission = response_submit(response=response)
    event = SafetyEvent.objects.get()
    assert submission.safety_event == event
    assert event.is_open
    assert (event.flag, event.flag_value) == ("item9_positive", True)
    assert event.enrollment == assessment.enrollment
    assert event.response == response


def test_item9_left_out_raises_a_safety_event_with_an_unknown_value():
    assessment = make_assessment()
    response = answer_all(assessment, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, None])
    response_submit(response=response)
    event = SafetyEvent.objects.get()
    assert event.flag_value is None


def test_item9_answered_zero_raises_no_safety_event():
    assessment = make_assessment()
    response = answer_all(assessment, "phq9", PHQ9_NO_RISK)
    assert response_submit(response=response).safety_event is None
    assert not SafetyEvent.objects.exists()


def test_assessment_is_completed_only_when_the_last_instrument_is_sent():
    assessment = make_assessment(instruments=("phq9", "gad7"))
    first = response_submit(response=answer_all(assessment, "phq9", PHQ9_NO_RISK))
    assert not first.assessment_completed
    assessment.refresh_from_db()
    assert assessment.completed_at is None

    second = response_submit(response=answer_all(assessment, "gad7", [0, 1, 2, 3, 0, 1, 2]))
    assert second.assessment_completed
    assessment.refresh_from_db()
    assert assessment.completed_at == NOW


def test_a_sent_response_cannot_be_changed_or_sent_again():
    assessment = make_assessment()
    response = answer_all(assessment, "phq9", PHQ9_NO_RISK)
    response_submit(response=response)
    with pytest.raises(ResponseError, match="already sent and cannot be changed"):
        answer_save(assessment=assessment, instrument="phq9", item=1, value=3, entered_by=None)
    with pytest.raises(ResponseError, match="already sent"):
        response_submit(response=response)
    response.refresh_from_db()
    assert response.answers["1"] == 1


def test_submit_after_the_window_closed_is_refused():
    assessment = make_assessment()
    response = answer_all(assessment, "phq9", PHQ9_NO_RISK)
    with pytest.raises(ResponseError, match="have closed"):
        response_submit(response=response, now=CLOSES)
    response.refresh_from_db()
    assert response.submitted_at is None
