"""Outcome summary statistics: hand-computed values, SciPy agreement and the edge cases.

The hand example (PHQ-9, five participants):

    baseline 15 12 10 20  8   mean 13,   SD sqrt(110/4)  = 4.6904
    post      9 11 10 14  9   mean 10.6, SD sqrt(17.2/4) = 2.0736
    change   -6 -1  0 -6 +1   mean -2.4, SD sqrt(45.2/4) = 3.3615

    dz = -2.4 / 3.3615 = -0.7140
    95% CI = -2.4 -/+ t(0.975, 4) x 3.3615 / sqrt(5) = -2.4 -/+ 2.7764 x 1.5033 = (-6.5739, 1.7739)
    t = -2.4 / 1.5033 = -1.5965 (4 df), two-sided p = 0.1856
    Wilcoxon: zero dropped, |changes| 6 1 6 1 -> ranks 3.5 1.5 3.5 1.5; W+ = 1.5; exact p = 6/16 = 0.375
    MIC 5 for the better: only the two -6 changes -> 2 of 5 = 0.4
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from scipy import stats

from programs.instrument_library import instrument_get
from programs.models import Arm, EnrollmentStatus
from sessions.reports import outcomes as o
from sessions.reports.outcomes import Pair, measures_of, outcome_groups, summarize
from tests.factories import CohortFactory, EnrollmentFactory, shipped_program
from tests.questionnaires.test_questionnaire_staff import assessment, mbsr_cohort, phq9, respond

PHQ9 = instrument_get("phq9")
TOTAL = measures_of(PHQ9)[0]
BEFORE = [15, 12, 10, 20, 8]
AFTER = [9, 11, 10, 14, 9]


def _pairs(before, after):
    return [Pair(n, b, a, f"P{n}") for n, (b, a) in enumerate(zip(before, after, strict=True))]


def test_hand_computed_example_to_four_decimals():
    s = summarize(PHQ9, TOTAL, _pairs(BEFORE, AFTER))
    assert s.n_paired == 5
    assert round(s.baseline_mean, 4) == 13.0
    assert round(s.baseline_sd, 4) == 4.6904
    assert round(s.post_mean, 4) == 10.6
    assert round(s.post_sd, 4) == 2.0736
    assert round(s.mean_change, 4) == -2.4
    assert round(s.change_sd, 4) == 3.3615
    assert round(s.dz, 4) == -0.7140
    assert (round(s.ci_low, 4), round(s.ci_high, 4)) == (-6.5739, 1.7739)
    assert round(s.t_statistic, 4) == -1.5965
    assert round(s.t_p, 4) == 0.1856
    assert s.wilcoxon_statistic == 1.5
    assert s.wilcoxon_p == pytest.approx(0.375)
    assert (s.mic, s.mic_reached, s.mic_share) == (5, 2, 0.4)
    assert s.direction == "lower is better"


def test_agrees_with_numpy_and_scipy_on_other_numbers():
    rng = np.random.default_rng(7)
    before = rng.integers(0, 28, size=30)
    after = np.clip(before - rng.integers(-3, 8, size=30), 0, 27)
    s = summarize(PHQ9, TOTAL, _pairs(before.tolist(), after.tolist()))
    changes = (after - before).astype(float)
    sem = changes.std(ddof=1) / np.sqrt(30)
    half = stats.t.ppf(0.975, 29) * sem
    assert s.mean_change == pytest.approx(changes.mean())
    assert s.ci_low == pytest.approx(changes.mean() - half)
    assert s.ci_high == pytest.approx(changes.mean() + half)
    assert s.dz == pytest.approx(changes.mean() / changes.std(ddof=1))
    assert s.t_p == pytest.approx(stats.ttest_rel(after, before).pvalue)
    assert s.wilcoxon_p == pytest.approx(stats.wilcoxon(changes).pvalue)
    assert s.mic_reached == int(np.sum(changes <= -5))


def test_no_pairs_gives_no_numbers_and_says_why():
    s = summarize(PHQ9, TOTAL, [])
    assert s.n_paired == 0
    assert (s.baseline_mean, s.mean_change, s.ci_low, s.t_p, s.wilcoxon_p, s.dz) == (None,) * 6
    assert (s.mic_reached, s.mic_share) == (None, None)
    assert s.t_note == "No participant has both a baseline and a post score."


def test_one_pair_has_means_but_no_spread_or_tests():
    s = summarize(PHQ9, TOTAL, _pairs([12], [6]))
    assert (s.baseline_mean, s.post_mean, s.mean_change) == (12.0, 6.0, -6.0)
    assert (s.baseline_sd, s.change_sd, s.ci_low, s.t_p, s.wilcoxon_p, s.dz) == (None,) * 6
    assert "at least 2" in s.t_note
    assert "at least 2" in s.wilcoxon_note
    assert (s.mic_reached, s.mic_share) == (1, 1.0)


def test_two_pairs_are_enough_for_every_statistic():
    s = summarize(PHQ9, TOTAL, _pairs([10, 14], [8, 9]))
    # changes -2, -5: mean -3.5, SD sqrt(4.5) = 2.1213; t(0.975, 1) = 12.7062
    assert round(s.change_sd, 4) == 2.1213
    assert round(s.dz, 4) == -1.6499
    assert round(s.ci_low, 4) == round(-3.5 - 12.706204736 * 1.5, 4)
    assert s.t_p == pytest.approx(stats.ttest_rel([8, 9], [10, 14]).pvalue)
    assert s.wilcoxon_p == pytest.approx(0.5)  # exact: 2 of 4 sign patterns as extreme
    assert (s.mic_reached, s.mic_share) == (1, 0.5)


def test_everyone_changing_by_the_same_amount_has_no_t_test_but_a_signed_rank_test():
    s = summarize(PHQ9, TOTAL, _pairs([10, 12, 14], [7, 9, 11]))
    assert (s.mean_change, s.change_sd, s.ci_low, s.ci_high) == (-3.0, 0.0, -3.0, -3.0)
    assert (s.t_statistic, s.t_p, s.dz) == (None, None, None)
    assert "same amount" in s.t_note
    assert "same amount" in s.dz_note
    assert s.wilcoxon_p == pytest.approx(0.25)  # exact: all three negative, 2 of 8 patterns


def test_no_change_at_all_has_no_tests_and_says_why():
    s = summarize(PHQ9, TOTAL, _pairs([10, 12, 14], [10, 12, 14]))
    assert s.mean_change == 0.0
    assert (s.t_p, s.wilcoxon_p, s.dz) == (None, None, None)
    assert s.wilcoxon_note == "Every change was zero, so there is no signed-rank test."
    assert (s.mic_reached, s.mic_share) == (0, 0.0)


def test_a_big_change_for_the_worse_does_not_count_as_reaching_the_mic():
    s = summarize(PHQ9, TOTAL, _pairs([5, 20], [12, 14]))  # +7 worse, -6 better
    assert (s.mic_reached, s.mic_share) == (1, 0.5)


def test_who5_is_summarized_as_a_percentage_with_its_10_point_mic():
    who5 = instrument_get("who5")
    (headline,) = measures_of(who5)
    assert headline.key == "percentage"
    s = summarize(who5, headline, _pairs([40, 48], [52, 52]))  # +12 and +4 percentage points
    assert (s.mic, s.mic_reached) == (10, 1)
    assert s.direction == "higher is better"


def test_instrument_without_a_total_is_summarized_per_subscale_without_mic():
    maia = instrument_get("maia2")
    measures = measures_of(maia)
    assert [m.key for m in measures] == [s.name for s in maia.subscales]
    assert not any(m.is_headline for m in measures)
    pairs = [Pair(1, Decimal(2), Decimal("2.5")), Pair(2, Decimal("3.25"), Decimal(4))]
    s = summarize(maia, measures[0], pairs)
    assert s.mean_change == pytest.approx(0.625)
    assert (s.mic, s.mic_reached, s.mic_share) == (None, None, None)


def test_subscales_of_an_instrument_with_a_total_follow_its_headline():
    assert [m.key for m in measures_of(instrument_get("mfis21"))] == [
        "total",
        "physical",
        "cognitive",
        "psychosocial",
    ]
    assert o.direction_words("ierq") == "no better or worse direction"


def test_formatting_for_pages():
    assert o.format_stat(-2.4) == "\u22122.40"
    assert o.format_stat(-0.001) == "0.00"
    assert o.format_stat(0.125) == "0.13"  # half up
    assert o.format_stat(None) == "—"
    assert o.format_p(0.18562) == "0.186"
    assert o.format_p(0.0004) == "< 0.001"


# --- from the database ----------------------------------------------------------------------


@pytest.fixture
def cohort_with_answers(organization):
    """MBSR cohort: PHQ-9 15->9, 12->11 (baseline corrected from 14), 10->10; one baseline only."""
    cohort = mbsr_cohort(organization, [])
    for code, before, after in [("A1", 15, 9), ("A2", 14, 11), ("A3", 10, 10), ("A4", 18, None)]:
        enrollment = EnrollmentFactory(cohort=cohort, participant_code=code)
        base = assessment(enrollment, "baseline")
        first = respond(base, "phq9", phq9(before, 0))
        if code == "A2":
            respond(base, "phq9", phq9(12, 0), version=2, supersedes=first, reason="typo")
        if after is not None:
            respond(assessment(enrollment, "post"), "phq9", phq9(after, 0))
    # Only invited: never in any figure.
    EnrollmentFactory(cohort=cohort, participant_code="A5", status=EnrollmentStatus.INVITED)
    return cohort


def test_groups_from_the_database_use_the_latest_version_and_pairs_only(
    cohort_with_answers, django_assert_max_num_queries
):
    cohort = cohort_with_answers
    with django_assert_max_num_queries(4):
        (group,) = outcome_groups(cohorts=type(cohort).objects.filter(pk=cohort.pk))
    assert (group.cohort, group.arm) == (cohort, Arm.INTERVENTION)
    by_code = {s.instrument.code: s for s in group.summaries if s.measure.is_headline}
    # Every planned instrument is listed, answered or not, in the order the program asks them.
    assert [s.instrument.code for s in group.summaries if s.measure.is_headline] == [
        "pss10",
        "gad7",
        "phq9",
        "mfis21",
        "ucla3",
        "who5",
        "ffmq15",
    ]
    phq = by_code["phq9"]
    assert sorted((p.participant_code, p.baseline, p.post) for p in phq.pairs) == [
        ("A1", 15, 9),
        ("A2", 12, 11),
        ("A3", 10, 10),
    ]
    assert phq.mean_change == pytest.approx(-7 / 3)
    assert (phq.mic_reached, phq.n_paired) == (1, 3)
    assert by_code["gad7"].n_paired == 0


def test_arms_are_summarized_apart_and_pooled_over_a_programs_cohorts(organization):
    program = shipped_program("ier-6")
    first = CohortFactory(organization=organization, program=program, name="Spring")
    second = CohortFactory(organization=organization, program=program, name="Autumn")
    rows = [(first, Arm.INTERVENTION, 15, 8), (first, Arm.CONTROL, 15, 14)]
    rows += [(second, Arm.INTERVENTION, 12, 6)]
    for n, (cohort, arm, before, after) in enumerate(rows):
        enrollment = EnrollmentFactory(
            cohort=cohort, arm=arm, participant_code=f"I{n}", start_date=dt.date(2026, 9, 1)
        )
        respond(assessment(enrollment, "baseline"), "phq9", phq9(before, 0))
        respond(assessment(enrollment, "post"), "phq9", phq9(after, 0))
    groups = outcome_groups(
        cohorts=type(first).objects.filter(pk__in=[first.pk, second.pk]), pooled=True
    )
    labels = [(g.cohort_label, g.arm) for g in groups]
    assert labels == [
        ("All cohorts", "intervention"),
        ("All cohorts", "control"),
        ("Autumn", "intervention"),
        ("Spring", "intervention"),
        ("Spring", "control"),
    ]

    def phq(group):
        return next(s for s in group.summaries if s.instrument.code == "phq9")

    assert phq(groups[0]).n_paired == 2
    assert phq(groups[0]).mean_change == pytest.approx(-6.5)
    assert phq(groups[1]).mean_change == pytest.approx(-1)
    assert phq(groups[4]).n_paired == 1
