"""Between-arm statistics of a randomized study, from numbers only (no database).

For one score at one point after baseline, each participant gives a pair (baseline, later). Per
arm: n, the mean change (later minus baseline) with its SD and 95% CI (t distribution, n - 1
degrees of freedom). Between an arm and the comparator ("control"):

- the difference of the mean changes (arm minus control) with a **Welch** 95% CI: standard error
  sqrt(s1²/n1 + s2²/n2), Welch-Satterthwaite degrees of freedom, no equal-variance assumption;
- **Hedges' g** of the change scores: the difference over the pooled SD of the changes,
  sqrt(((n1 - 1)s1² + (n2 - 1)s2²) / (n1 + n2 - 2)), times the small-sample correction
  J = 1 - 3 / (4(n1 + n2) - 9);
- the **ANCOVA**: ordinary least squares (statsmodels) of the later score on the baseline score
  and an arm indicator (1 in the arm, 0 in the control); its estimate is the arm's coefficient,
  the difference between arms at the later point for people with the same baseline, with its
  95% CI and two-sided p.

Small numbers: every between-arm statistic needs at least MIN_PER_ARM (2) participants with
data in each arm, since an SD needs two values; the ANCOVA then has at least 4 people for its 3
coefficients. Below that, or when the data cannot give a number (no spread at all, every
baseline the same), the statistic is None and `note` says why in words, never a misleading
number. Signs: a negative difference means the arm's scores fell more than the control's.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats  # type: ignore[import-untyped]  # SciPy ships no type information

__all__ = [
    "CONFIDENCE",
    "MIN_PER_ARM",
    "Ancova",
    "ArmChange",
    "Comparison",
    "Difference",
    "ancova",
    "arm_change",
    "compare",
    "hedges_g",
    "welch_difference",
]

CONFIDENCE = 0.95
MIN_PER_ARM = 2
# Residual sum of squares below this share of the scores' spread is a perfect fit left over by
# floating point, not information.
PERFECT_FIT = 1e-12

Pairs = Sequence[tuple[float, float]]  # (baseline, later) per participant

TOO_FEW = f"Needs at least {MIN_PER_ARM} participants with data in each arm."


@dataclass(frozen=True)
class ArmChange:
    """One arm's change from baseline: n, mean, SD (n - 1) and the mean's 95% CI."""

    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Difference:
    """Arm minus control, with its Welch 95% CI."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    note: str = ""


@dataclass(frozen=True)
class Ancova:
    """The arm's coefficient in later ~ baseline + arm, with its 95% CI and p."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p: float | None
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    arm: ArmChange
    control: ArmChange
    difference: Difference
    ancova: Ancova
    hedges_g: float | None
    hedges_note: str


def _changes(pairs: Pairs) -> np.ndarray:
    return np.array([float(later) - float(before) for before, later in pairs], dtype=float)


def _t(df: float) -> float:
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, df))


def arm_change(pairs: Pairs) -> ArmChange:
    """n, mean change, its SD and 95% CI (t, n - 1 df) of one arm's (baseline, later) pairs."""
    changes = _changes(pairs)
    n = int(changes.size)
    if n == 0:
        return ArmChange(0, None, None, None, None)
    mean = float(changes.mean())
    if n < MIN_PER_ARM:
        return ArmChange(n, mean, None, None, None)
    sd = float(changes.std(ddof=1))
    margin = _t(n - 1) * sd / math.sqrt(n)
    return ArmChange(n, mean, sd, mean - margin, mean + margin)


def _spread(arm: ArmChange, control: ArmChange) -> tuple[float, float, float, float] | None:
    """Both arms' mean and SD, when each arm has enough participants for an SD."""
    if arm.n < MIN_PER_ARM or control.n < MIN_PER_ARM:
        return None
    if arm.mean is None or arm.sd is None or control.mean is None or control.sd is None:
        return None
    return arm.mean, arm.sd, control.mean, control.sd


def welch_difference(arm: ArmChange, control: ArmChange) -> Difference:
    """Difference of mean changes, arm minus control, with a Welch 95% CI."""
    spread = _spread(arm, control)
    if spread is None:
        return Difference(None, None, None, TOO_FEW)
    mean1, sd1, mean2, sd2 = spread
    estimate = mean1 - mean2
    v1, v2 = sd1**2 / arm.n, sd2**2 / control.n
    se = math.sqrt(v1 + v2)
    if se == 0:
        # Everyone in both arms changed by their arm's same amount: the interval has no width.
        return Difference(
            estimate,
            estimate,
            estimate,
            "Everyone in each arm changed by the same amount, so the interval has no width.",
        )
    df = (v1 + v2) ** 2 / (v1**2 / (arm.n - 1) + v2**2 / (control.n - 1))
    margin = _t(df) * se
    return Difference(estimate, estimate - margin, estimate + margin)


def hedges_g(arm: ArmChange, control: ArmChange) -> tuple[float | None, str]:
    """Hedges' g of the change scores (pooled SD, J = 1 - 3/(4(n1 + n2) - 9)) and a note."""
    spread = _spread(arm, control)
    if spread is None:
        return None, TOO_FEW
    mean1, sd1, mean2, sd2 = spread
    n1, n2 = arm.n, control.n
    pooled = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))
    if pooled == 0:
        return None, "No spread in the changes, so there is no effect size."
    correction = 1 - 3 / (4 * (n1 + n2) - 9)
    return (mean1 - mean2) / pooled * correction, ""


def ancova(arm: Pairs, control: Pairs) -> Ancova:
    """OLS of the later score on baseline and the arm indicator (statsmodels); the arm's term."""
    if len(arm) < MIN_PER_ARM or len(control) < MIN_PER_ARM:
        return Ancova(None, None, None, None, TOO_FEW)
    # Imported here: statsmodels takes a second to load, and only these pages need it.
    import statsmodels.api as sm

    rows = [(1.0, float(b), float(later), 1.0) for b, later in arm]
    rows += [(1.0, float(b), float(later), 0.0) for b, later in control]
    data = np.array(rows, dtype=float)
    design = data[:, [0, 1, 3]]  # intercept, baseline, arm
    later = data[:, 2]
    if np.linalg.matrix_rank(design) < design.shape[1]:
        return Ancova(
            None, None, None, None, "Every baseline score is the same, so there is no ANCOVA."
        )
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # A perfect fit leaves no residual variance: statsmodels then warns and gives infinite
        # (or, after rounding, absurdly tiny) p values; that case is told in words instead.
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = sm.OLS(later, design).fit()
        low, high = (float(v) for v in fit.conf_int(alpha=1 - CONFIDENCE)[2])
        estimate, p = float(fit.params[2]), float(fit.pvalues[2])
    spread = float(np.sum((later - later.mean()) ** 2))
    exact = float(fit.ssr) <= PERFECT_FIT * max(spread, 1.0)
    if exact or not (math.isfinite(p) and math.isfinite(low) and math.isfinite(high)):
        return Ancova(
            estimate, None, None, None, "The model fits every score exactly, so there is no p."
        )
    return Ancova(estimate, low, high, p)


def compare(arm: Pairs, control: Pairs) -> Comparison:
    """Every between-arm statistic of one score at one point (see the module doc)."""
    arm_summary, control_summary = arm_change(arm), arm_change(control)
    g, g_note = hedges_g(arm_summary, control_summary)
    return Comparison(
        arm=arm_summary,
        control=control_summary,
        difference=welch_difference(arm_summary, control_summary),
        ancova=ancova(arm, control),
        hedges_g=g,
        hedges_note=g_note,
    )
