"""Between-arm statistics: hand-computed examples, statsmodels agreement and the small-n rule.

The hand example (one score, baseline and post):

    arm      baseline 15 12 10 20  8   post  9 11 10 14  9   change -6 -1  0 -6 +1
             n1 = 5, mean change m1 = -12/5 = -2.4
             deviations -3.6 1.4 2.4 -3.6 3.4 -> squared 12.96 1.96 5.76 12.96 11.56; sum 45.2
             s1² = 45.2 / 4 = 11.3, s1 = 3.3615
    control  baseline 14 11 16  9      post 13 12 14  9      change -1 +1 -2  0
             n2 = 4, m2 = -2/4 = -0.5
             deviations -0.5 1.5 -1.5 0.5 -> 0.25 2.25 2.25 0.25; sum 5
             s2² = 5 / 3 = 1.6667, s2 = 1.2910

    difference = m1 - m2 = -2.4 - (-0.5) = -1.9
    Welch: v1 = s1²/n1 = 11.3/5 = 2.26, v2 = s2²/n2 = 1.6667/4 = 0.41667
           SE = sqrt(2.26 + 0.41667) = sqrt(2.67667) = 1.63605
           df = 2.67667² / (2.26²/4 + 0.41667²/3) = 7.16454 / (1.2769 + 0.05787) = 5.3676
           t(0.975, 5.3676) = 2.51852 (scipy.stats.t.ppf)
           95% CI = -1.9 -/+ 2.51852 x 1.63605 = -1.9 -/+ 4.12043 = (-6.0204, 2.2204)
    Hedges' g: pooled SD = sqrt((4 x 11.3 + 3 x 1.6667) / 7) = sqrt(50.2 / 7) = 2.67795
           d = -1.9 / 2.67795 = -0.70950
           J = 1 - 3 / (4 x (5 + 4) - 9) = 1 - 3/27 = 0.888889
           g = -0.70950 x 0.888889 = -0.6307
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from sessions.reports.trial_stats import (
    MIN_PER_ARM,
    ancova,
    arm_change,
    compare,
    hedges_g,
    welch_difference,
)

ARM = [(15, 9), (12, 11), (10, 10), (20, 14), (8, 9)]
CONTROL = [(14, 13), (11, 12), (16, 14), (9, 9)]


def test_hand_computed_difference_and_hedges_g_to_four_decimals():
    result = compare(ARM, CONTROL)
    assert (result.arm.n, round(result.arm.mean, 4), round(result.arm.sd, 4)) == (5, -2.4, 3.3615)
    assert (result.control.n, result.control.mean, round(result.control.sd, 4)) == (
        4,
        -0.5,
        1.2910,
    )
    assert round(result.difference.estimate, 4) == -1.9
    assert round(result.difference.ci_low, 4) == -6.0204
    assert round(result.difference.ci_high, 4) == 2.2204
    assert round(result.hedges_g, 4) == -0.6307
    assert result.difference.note == ""
    assert result.hedges_note == ""


def test_each_arm_gets_its_own_t_interval():
    # arm: -2.4 -/+ t(0.975, 4) x 3.3615 / sqrt(5) = -2.4 -/+ 2.7764 x 1.5033 (as the outcome
    # summary's own hand example)
    change = arm_change(ARM)
    assert (round(change.ci_low, 4), round(change.ci_high, 4)) == (-6.5739, 1.7739)


def test_a_second_hand_example_with_equal_groups():
    # arm changes -4 -2 -3 -5 (mean -3.5, s² = (0.25+2.25+0.25+2.25)/3 = 5/3)
    # control changes 0 1 -1 0 (mean 0, s² = 2/3)
    # difference -3.5; pooled SD = sqrt((3 x 5/3 + 3 x 2/3)/6) = sqrt(7/6) = 1.080123
    # d = -3.5 / 1.080123 = -3.240370; J = 1 - 3/(4 x 8 - 9) = 1 - 3/23 = 0.869565
    # g = -2.8177
    # Welch SE = sqrt(5/12 + 2/12) = sqrt(7/12) = 0.763763
    # df = (7/12)² / ((5/12)²/3 + (2/12)²/3) = 0.340278 / (0.057870 + 0.009259) = 5.0690
    arm = [(10, 6), (10, 8), (10, 7), (10, 5)]
    control = [(10, 10), (10, 11), (10, 9), (10, 10)]
    result = compare(arm, control)
    assert round(result.difference.estimate, 4) == -3.5
    assert round(result.hedges_g, 4) == -2.8177
    from scipy import stats

    half = stats.t.ppf(0.975, 5.0690) * 0.763763
    assert round(result.difference.ci_low, 3) == round(-3.5 - half, 3)
    assert round(result.difference.ci_high, 3) == round(-3.5 + half, 3)


def test_ancova_agrees_with_a_statsmodels_formula_fit_on_generated_data():
    rng = np.random.default_rng(15)
    n = 60
    baseline = rng.normal(14, 4, size=n).round()
    arm = np.array([1] * 30 + [0] * 30)
    later = (3 + 0.7 * baseline - 2.5 * arm + rng.normal(0, 3, size=n)).round()
    frame = pd.DataFrame({"baseline": baseline, "later": later, "arm": arm})
    fit = smf.ols("later ~ baseline + arm", data=frame).fit()

    pairs_arm = list(zip(baseline[arm == 1], later[arm == 1], strict=True))
    pairs_control = list(zip(baseline[arm == 0], later[arm == 0], strict=True))
    result = ancova(pairs_arm, pairs_control)

    low, high = fit.conf_int().loc["arm"]
    assert result.estimate == pytest.approx(fit.params["arm"], rel=1e-9)
    assert result.ci_low == pytest.approx(low, rel=1e-9)
    assert result.ci_high == pytest.approx(high, rel=1e-9)
    assert result.p == pytest.approx(fit.pvalues["arm"], rel=1e-9)
    assert result.estimate < 0  # the generated effect: the arm fell 2.5 points more


def test_welch_interval_agrees_with_scipy_on_generated_data():
    from scipy import stats

    rng = np.random.default_rng(4)
    arm = [(b, b + d) for b, d in zip(rng.integers(5, 25, 23), rng.normal(-3, 4, 23), strict=True)]
    control = [
        (b, b + d) for b, d in zip(rng.integers(5, 25, 31), rng.normal(0, 2, 31), strict=True)
    ]
    result = compare(arm, control)
    a = np.array([later - b for b, later in arm])
    c = np.array([later - b for b, later in control])
    test = stats.ttest_ind(a, c, equal_var=False)
    ci = test.confidence_interval(0.95)
    assert result.difference.estimate == pytest.approx(a.mean() - c.mean())
    assert result.difference.ci_low == pytest.approx(ci.low)
    assert result.difference.ci_high == pytest.approx(ci.high)


def test_fewer_than_two_in_an_arm_gives_no_between_arm_numbers_and_says_why():
    assert MIN_PER_ARM == 2
    result = compare(ARM, CONTROL[:1])
    assert result.control.n == 1
    assert result.control.mean == -1.0  # a mean of one person is still shown per arm
    assert (result.difference.estimate, result.difference.ci_low, result.hedges_g) == (
        None,
        None,
        None,
    )
    assert (result.ancova.estimate, result.ancova.p) == (None, None)
    for note in (result.difference.note, result.ancova.note, result.hedges_note):
        assert note == "Needs at least 2 participants with data in each arm."


def test_two_in_each_arm_are_enough_for_every_statistic():
    result = compare([(10, 8), (14, 9)], [(12, 12), (9, 10)])
    assert result.difference.estimate == pytest.approx(-3.5 - 0.5)
    assert result.hedges_g is not None
    assert result.ancova.estimate is not None
    assert result.ancova.p is not None


def test_no_one_with_data_gives_empty_arms():
    result = compare([], [])
    assert (result.arm.n, result.arm.mean, result.control.mean) == (0, None, None)
    assert result.difference.estimate is None


def test_everyone_changing_alike_has_a_zero_width_interval_and_no_effect_size():
    arm = arm_change([(10, 7), (12, 9), (14, 11)])
    control = arm_change([(10, 10), (11, 11)])
    difference = welch_difference(arm, control)
    assert (difference.estimate, difference.ci_low, difference.ci_high) == (-3.0, -3.0, -3.0)
    assert "same amount" in difference.note
    g, note = hedges_g(arm, control)
    assert g is None
    assert "No spread" in note


def test_identical_baselines_give_no_ancova_and_say_why():
    result = ancova([(10, 7), (10, 9)], [(10, 10), (10, 12)])
    assert result.estimate is None
    assert "baseline" in result.note


def test_a_perfect_fit_has_an_estimate_but_no_p():
    # later = baseline - 2 in the arm, later = baseline in the control: no residual at all.
    result = ancova([(10, 8), (12, 10), (15, 13)], [(9, 9), (11, 11), (14, 14)])
    assert result.estimate == pytest.approx(-2.0)
    assert result.p is None
    assert "exactly" in result.note
