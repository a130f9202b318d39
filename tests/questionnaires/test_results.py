"""Results: change from baseline and the minimal important change, hand-checked; who sees what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from programs.instrument_library import instrument_get
from sessions.questionnaires import results
from sessions.questionnaires.results import Answered
from tests.factories import EnrollmentFactory, UserFactory
from tests.questionnaires.test_questionnaire_staff import (
    NOW,
    assessment,
    mbsr_cohort,
    phq9,
    respond,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 8, 20, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 10, 22, tzinfo=dt.UTC)

# Hand-built answers. GAD-7: 10 = 2+2+2+1+1+1+1; 7 = 1+1+1+1+1+1+1.
GAD7_10 = {1: 2, 2: 2, 3: 2, 4: 1, 5: 1, 6: 1, 7: 1}
GAD7_7 = dict.fromkeys(range(1, 8), 1)
# WHO-5: raw 10 (x4 = 40 %) = 2+2+2+2+2; raw 13 (52 %) = 3+3+3+2+2.
WHO5_40 = dict.fromkeys(range(1, 6), 2)
WHO5_52 = {1: 3, 2: 3, 3: 3, 4: 2, 5: 2}


def _row(code, kind, answers, *, version=1, enrollment_id=1):
    return Answered(
        enrollment_id=enrollment_id,
        point_kind=kind,
        point_label="Before the course" if kind == "baseline" else "After the course",
        point_order=T0 if kind == "baseline" else T1,
        instrument=code,
        version=version,
        answers=answers,
        submitted_at=T0 if kind == "baseline" else T1,
    )


def _outcome(code, before, after):
    (found,) = results.outcomes([_row(code, "baseline", before), _row(code, "post", after)])
    return found


# --- the arithmetic -------------------------------------------------------------------------


def test_phq9_15_to_9_is_minus_6_and_reaches_the_mic_of_5_for_the_better():
    outcome = _outcome("phq9", phq9(15, 0), phq9(9, 0))
    assert (outcome.baseline.value, outcome.post.value, outcome.change) == (15, 9, -6)
    assert outcome.reaches_mic is True
    assert outcome.direction == "better"
    assert results.mic_text(outcome) == "Yes, better"
    assert results.format_change(outcome.change) == "\u22126"


def test_gad7_10_to_7_is_minus_3_and_does_not_reach_the_mic_of_4():
    outcome = _outcome("gad7", GAD7_10, GAD7_7)
    assert (outcome.baseline.value, outcome.post.value, outcome.change) == (10, 7, -3)
    assert outcome.reaches_mic is False
    assert results.mic_text(outcome) == "No"


def test_who5_40_to_52_percent_is_plus_12_and_reaches_the_mic_of_10_points():
    outcome = _outcome("who5", WHO5_40, WHO5_52)
    assert (outcome.baseline.value, outcome.post.value, outcome.change) == (40, 52, 12)
    assert outcome.reaches_mic is True
    assert outcome.direction == "better"
    assert results.format_change(outcome.change) == "+12"


def test_a_change_of_exactly_the_mic_reaches_it_and_a_worse_score_is_called_worse():
    outcome = _outcome("phq9", phq9(5, 0), phq9(10, 0))
    assert outcome.change == 5
    assert outcome.reaches_mic is True
    assert results.mic_text(outcome) == "Yes, worse"


def test_instruments_without_a_published_mic_show_a_dash():
    pss = dict.fromkeys(range(1, 11), 2)
    outcome = _outcome("pss10", pss, {**pss, 1: 0})
    assert outcome.change == -2
    assert outcome.reaches_mic is None
    assert results.mic_text(outcome) == "—"


def test_without_a_post_there_is_no_change():
    (outcome,) = results.outcomes([_row("phq9", "baseline", phq9(12, 0))])
    assert (outcome.change, outcome.reaches_mic, outcome.post) == (None, None, None)


def test_the_latest_version_of_a_corrected_response_counts():
    rows = [
        _row("phq9", "baseline", phq9(15, 0)),
        _row("phq9", "baseline", phq9(12, 0), version=2),
        _row("phq9", "post", phq9(9, 0)),
    ]
    (outcome,) = results.outcomes(rows)
    assert (outcome.baseline.value, outcome.change) == (12, -3)


def test_prorated_phq9_baseline_uses_the_rounded_total():
    # Seven items answered 2 and item 9 at 0 with item 8 blank: 14 x 9 / 8 = 15.75 -> 16.
    before = {**dict.fromkeys(range(1, 8), 2), 8: None, 9: 0}
    outcome = _outcome("phq9", before, phq9(10, 0))
    assert outcome.baseline.value == 16
    assert outcome.change == -6


def test_mfis_subscales_and_mean_subscales_are_formatted_for_people():
    assert results.format_number(Decimal("2.5")) == "2.5"
    assert results.format_number(Decimal("10") / Decimal("3")) == "3.33"
    assert results.format_number(Decimal("4.00")) == "4"
    mfis = dict.fromkeys(range(1, 22), 2)
    cell = results.staff_cell(instrument_get("mfis21"), _outcome("mfis21", mfis, mfis).baseline)
    assert cell.value == "42"
    assert cell.band == "Significant fatigue"
    assert cell.subscales == "Physical 18, Cognitive 20, Psychosocial 4"


def test_staff_see_convention_bands_marked_as_convention():
    ucla = {1: 2, 2: 2, 3: 2}
    cell = results.staff_cell(instrument_get("ucla3"), _outcome("ucla3", ucla, ucla).baseline)
    assert cell.band == "Lonely (convention)"


def test_plain_sentence_for_wellbeing():
    (line,) = results.plain_lines(_outcome("who5", WHO5_40, WHO5_52))
    assert line.sentence == "Your wellbeing score went from 40 to 52 out of 100."
    assert [value for _label, _at, value in line.points] == ["40", "52"]


# --- the staff page -------------------------------------------------------------------------


@pytest.fixture
def scored_cohort(organization, facilitator_user):
    cohort = mbsr_cohort(organization, [facilitator_user])
    enrollment = EnrollmentFactory(cohort=cohort, participant_code="P-SCORE")
    before = assessment(enrollment, "baseline", completed_at=T0)
    after = assessment(enrollment, "post", completed_at=T1)
    respond(before, "phq9", phq9(15, 0))
    respond(after, "phq9", phq9(9, 0))
    respond(before, "gad7", GAD7_10)
    respond(after, "gad7", GAD7_7)
    respond(before, "who5", WHO5_40)
    respond(after, "who5", WHO5_52)
    EnrollmentFactory(cohort=cohort, participant_code="P-QUIET")
    return cohort, enrollment


def _row_of(text, instrument_name):
    return text.split(f'data-label="Questionnaire">{instrument_name}<', 1)[1].split("</tr>", 1)[0]


def test_staff_results_page_shows_scores_bands_change_and_mic(
    client, scored_cohort, facilitator_user
):
    cohort, _ = scored_cohort
    client.force_login(facilitator_user)
    with time_machine.travel(NOW, tick=False):
        text = client.get(reverse("questionnaires:results_cohort", args=[cohort.pk])).text
    phq = _row_of(text, "PHQ-9")
    assert '<strong>15</strong> <span class="small">Moderately severe</span>' in phq
    assert '<strong>9</strong> <span class="small">Mild</span>' in phq
    assert "\u22126" in phq
    assert "Yes, better" in phq
    gad = _row_of(text, "GAD-7")
    assert "\u22123" in gad
    assert ">No<" in gad
    who = _row_of(text, "WHO-5")
    assert "40% (raw 10)" in who
    assert "+12" in who
    assert "Yes, better" in who
    assert "P-QUIET" in text.split("No questionnaires sent yet", 1)[1]


def test_draft_answers_do_not_count_in_results(client, organization, facilitator_user):
    cohort = mbsr_cohort(organization, [facilitator_user])
    enrollment = EnrollmentFactory(cohort=cohort, participant_code="P-DRAFT")
    respond(assessment(enrollment, "baseline"), "phq9", phq9(15, 0), submitted=False)
    client.force_login(facilitator_user)
    text = client.get(reverse("questionnaires:results_cohort", args=[cohort.pk])).text
    assert "No participant has sent a questionnaire yet." in text


# --- the participant's own page -------------------------------------------------------------

BAND_WORDS = [
    "minimal",
    "mild",
    "moderate",
    "severe",
    "likely depression",
    "poor wellbeing",
    "not indicated",
    "significant fatigue",
    "below cutoff",
    "lonely",
    "depression",
    "anxiety",
    "convention",
]


def test_participant_sees_own_scores_in_plain_words_without_bands(client, scored_cohort):
    _, enrollment = scored_cohort
    client.force_login(enrollment.user)
    text = client.get(reverse("questionnaires:results_mine")).text
    assert "Your wellbeing score went from 40 to 52 out of 100." in text
    assert "Your mood score went from 15 to 9 out of 27." in text
    assert "Your worry score went from 10 to 7 out of 21." in text
    main = text.split('<main id="main"', 1)[1].split("</main>", 1)[0].lower()
    for word in BAND_WORDS:
        assert word not in main, word


def test_participant_sees_only_instruments_they_sent(client, organization, facilitator_user):
    cohort = mbsr_cohort(organization, [facilitator_user])
    enrollment = EnrollmentFactory(cohort=cohort)
    respond(assessment(enrollment, "baseline"), "who5", WHO5_40)
    client.force_login(enrollment.user)
    text = client.get(reverse("questionnaires:results_mine")).text
    assert "Your wellbeing score was 40 out of 100." in text
    assert "mood" not in text.lower().split('<main id="main"', 1)[1]


def test_another_participants_scores_are_never_shown(client, scored_cohort):
    cohort, _ = scored_cohort
    someone_else = EnrollmentFactory(cohort=cohort, user=UserFactory())
    client.force_login(someone_else.user)
    text = client.get(reverse("questionnaires:results_mine")).text
    assert "Once you have sent a questionnaire, your scores appear here." in text
    assert "wellbeing score" not in text


def test_participant_results_page_makes_a_fixed_number_of_queries(
    client, organization, facilitator_user, django_assert_max_num_queries
):
    cohort = mbsr_cohort(organization, [facilitator_user])
    enrollment = EnrollmentFactory(cohort=cohort)
    before = assessment(enrollment, "baseline")
    respond(before, "who5", WHO5_40)
    client.force_login(enrollment.user)
    url = reverse("questionnaires:results_mine")
    with django_assert_max_num_queries(4) as few:
        client.get(url)
    respond(before, "phq9", phq9(15, 0))
    respond(before, "gad7", GAD7_10)
    after = assessment(enrollment, "post")
    for code, answers in (("who5", WHO5_52), ("phq9", phq9(9, 0)), ("gad7", GAD7_7)):
        respond(after, code, answers)
    with django_assert_max_num_queries(4) as many:
        assert client.get(url).text.count("<h2") == 3
    assert len(few) == len(many)
