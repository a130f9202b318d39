"""Outcome summary: did scores change between baseline and post, per instrument and score.

For each instrument (its headline score: the total, or WHO-5's percentage) and each of its
subscales (MAIA-2 has only subscales), over the participants with a score at both baseline and
post ("paired"):

- n paired; baseline and post mean and SD (sample SD, n - 1);
- mean change (post - baseline) with a 95% confidence interval from the t distribution;
- paired t-test p (scipy.stats.ttest_rel) and Wilcoxon signed-rank p (scipy.stats.wilcoxon,
  zero changes dropped, scipy's "wilcox" method);
- Cohen's dz: mean change / SD of the changes;
- the share of paired participants whose change is at least the instrument's published minimal
  important change *in the improving direction* (headline score only: that is what the MIC was
  published for).

Scores come from sessions.results (the latest submitted version of each response, scored from
the raw answers by programs.scoring.score). Statistics come from SciPy, never hand-rolled
distributions. A test that cannot be run (too few pairs, no variation) gives None and a reason
in words instead of a misleading number.

Within an arm the comparison stays baseline to post on purpose: follow-ups (3 or 6 months after
the course) are in the responses and scores exports point by point, and compared between arms at
every post and follow-up point by the study results (the comparison export).

`summarize` is pure; `outcome_groups` reads responses for cohorts the caller was already allowed
to see, one enrollment at a time, keeping only the numbers (memory grows with participants,
not with answers).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats  # type: ignore[import-untyped]  # SciPy ships no type information

from programs.instrument_library import Instrument, InstrumentNotFound, instrument_get
from programs.models import Arm, Cohort, Enrollment, MeasurementKind, MeasurementPoint, Program
from programs.scoring import ScoreResult
from sessions.questionnaires.models import Response
from sessions.questionnaires.results import (
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    Number,
    answered_from_response,
    direction_of,
    outcomes,
    reaches_minimal_important_change,
    subscale_label,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

__all__ = [
    "MIN_PAIRS",
    "Measure",
    "OutcomeGroup",
    "OutcomeSummary",
    "Pair",
    "direction_words",
    "format_p",
    "format_stat",
    "measures_of",
    "outcome_groups",
    "planned_instruments",
    "summarize",
]

# Below two pairs there is no SD of the changes, hence no CI, t-test, dz or Wilcoxon.
MIN_PAIRS = 2
CONFIDENCE = 0.95

HEADLINE = "total"
PERCENTAGE = "percentage"


@dataclass(frozen=True)
class Measure:
    """One score of an instrument: its headline ("total"/"percentage") or a subscale by name."""

    key: str
    label: str
    is_headline: bool

    def value(self, result: ScoreResult) -> Number | None:
        if self.key == PERCENTAGE:
            return result.percentage
        if self.key == HEADLINE:
            return result.total
        return result.subscales.get(self.key)


def measures_of(instrument: Instrument) -> list[Measure]:
    """The headline score (when the instrument has a total) then each subscale, in file order."""
    found = []
    if instrument.total.method == "sum":
        if instrument.percentage_multiplier is not None:
            found.append(Measure(PERCENTAGE, "Percentage (total times 4)", True))
        else:
            found.append(Measure(HEADLINE, "Total", True))
    found.extend(
        Measure(subscale.name, subscale_label(subscale.name), False)
        for subscale in instrument.subscales
    )
    return found


def direction_words(code: str) -> str:
    if code in LOWER_IS_BETTER:
        return "lower is better"
    if code in HIGHER_IS_BETTER:
        return "higher is better"
    return "no better or worse direction"


@dataclass(frozen=True)
class Pair:
    """One participant's baseline and post score on one measure."""

    enrollment_id: int
    baseline: Number
    post: Number
    participant_code: str = ""

    @property
    def change(self) -> Number:
        return self.post - self.baseline


@dataclass(frozen=True)
class OutcomeSummary:
    instrument: Instrument
    measure: Measure
    pairs: tuple[Pair, ...]
    baseline_mean: float | None
    baseline_sd: float | None
    post_mean: float | None
    post_sd: float | None
    mean_change: float | None
    change_sd: float | None
    ci_low: float | None
    ci_high: float | None
    t_statistic: float | None
    t_p: float | None
    t_note: str
    wilcoxon_statistic: float | None
    wilcoxon_p: float | None
    wilcoxon_note: str
    dz: float | None
    dz_note: str
    mic: Number | None  # the published MIC this row is compared with (headline only)
    mic_reached: int | None  # paired participants whose change reaches it, for the better
    mic_share: float | None

    @property
    def n_paired(self) -> int:
        return len(self.pairs)

    @property
    def direction(self) -> str:
        return direction_words(self.instrument.code)


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None


def _sd(values: np.ndarray) -> float | None:
    return float(values.std(ddof=1)) if values.size >= MIN_PAIRS else None


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def summarize(instrument: Instrument, measure: Measure, pairs: Sequence[Pair]) -> OutcomeSummary:
    """The statistics of one measure over its baseline-post pairs (pure; see the module doc)."""
    n = len(pairs)
    before = np.array([float(p.baseline) for p in pairs], dtype=float)
    after = np.array([float(p.post) for p in pairs], dtype=float)
    changes = after - before
    mean_change, change_sd = _mean(changes), _sd(changes)
    mean_value = mean_change or 0.0
    sd_value = change_sd or 0.0

    ci_low = ci_high = t_statistic = t_p = dz = None
    if n == 0:
        t_note = dz_note = "No participant has both a baseline and a post score."
    elif n < MIN_PAIRS:
        t_note = dz_note = f"Needs at least {MIN_PAIRS} participants with both scores."
    else:
        t_note = dz_note = ""
        if sd_value == 0:
            # A t interval of zero width is still the truth: everyone changed by this much.
            ci_low = ci_high = mean_value
            t_note = "Every participant changed by the same amount, so there is no t-test."
            dz_note = "Every participant changed by the same amount, so dz is undefined."
        else:
            margin = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * sd_value / math.sqrt(n)
            ci_low, ci_high = mean_value - margin, mean_value + margin
            test = stats.ttest_rel(after, before)
            t_statistic, t_p = _finite(float(test.statistic)), _finite(float(test.pvalue))
            dz = mean_value / sd_value

    wilcoxon_statistic = wilcoxon_p = None
    if n < MIN_PAIRS:
        wilcoxon_note = t_note
    elif not np.any(changes):
        wilcoxon_note = "Every change was zero, so there is no signed-rank test."
    else:
        signed = stats.wilcoxon(changes)
        wilcoxon_statistic = _finite(float(signed.statistic))
        wilcoxon_p = _finite(float(signed.pvalue))
        wilcoxon_note = "" if wilcoxon_p is not None else "Could not be computed."

    mic = instrument.minimal_important_change if measure.is_headline else None
    mic_reached = mic_share = None
    if mic is not None and n:
        mic_reached = sum(
            1
            for p in pairs
            if reaches_minimal_important_change(instrument, p.change)
            and direction_of(instrument.code, p.change) == "better"
        )
        mic_share = mic_reached / n

    return OutcomeSummary(
        instrument=instrument,
        measure=measure,
        pairs=tuple(pairs),
        baseline_mean=_mean(before),
        baseline_sd=_sd(before),
        post_mean=_mean(after),
        post_sd=_sd(after),
        mean_change=mean_change,
        change_sd=change_sd,
        ci_low=ci_low,
        ci_high=ci_high,
        t_statistic=t_statistic,
        t_p=t_p,
        t_note=t_note,
        wilcoxon_statistic=wilcoxon_statistic,
        wilcoxon_p=wilcoxon_p,
        wilcoxon_note=wilcoxon_note,
        dz=dz,
        dz_note=dz_note,
        mic=mic,
        mic_reached=mic_reached,
        mic_share=mic_share,
    )


# --- from the database ------------------------------------------------------------------------


@dataclass
class OutcomeGroup:
    """The outcome summaries of one program, cohort (None: all its cohorts together) and arm."""

    program: Program
    cohort: Cohort | None
    arm: str
    summaries: list[OutcomeSummary] = field(default_factory=list)

    @property
    def arm_label(self) -> str:
        return Arm(self.arm).label if self.arm in Arm.values else self.arm

    @property
    def cohort_label(self) -> str:
        return self.cohort.name if self.cohort is not None else "All cohorts"


GroupKey = tuple[int, int | None, str]  # program id, cohort id (None: pooled), arm
PairKey = tuple[str, str]  # instrument code, measure key


def _pairs_of_enrollment(
    responses: Iterable[Response], code: str
) -> Iterator[tuple[PairKey, Pair]]:
    rows = [answered_from_response(r) for r in responses]
    for outcome in outcomes(rows):
        if outcome.baseline is None or outcome.post is None:
            continue
        for measure in measures_of(outcome.instrument):
            before = measure.value(outcome.baseline.result)
            after = measure.value(outcome.post.result)
            if before is not None and after is not None:
                yield (
                    (outcome.instrument.code, measure.key),
                    Pair(outcome.enrollment_id, before, after, code),
                )


def planned_instruments(
    program_ids: set[int], *, every_point: bool = False
) -> dict[int, list[str]]:
    """Per program, the instruments its baseline and post points ask, in the order asked; with
    `every_point`, those its follow-ups (and any other point) ask too, after them."""
    planned: dict[int, list[str]] = {pid: [] for pid in program_ids}
    points = MeasurementPoint.objects.filter(program_id__in=program_ids)
    if not every_point:
        points = points.filter(kind__in=[MeasurementKind.BASELINE, MeasurementKind.POST])
    # "baseline" sorts before "follow_up" and "post"; follow-ups add only what is new.
    points = points.order_by("program_id", "kind", "id")
    for point in points:
        for code in [*point.instruments, *point.optional_instruments]:
            if code not in planned[point.program_id]:
                planned[point.program_id].append(code)
    return planned


def outcome_groups(*, cohorts: QuerySet[Cohort], pooled: bool = False) -> list[OutcomeGroup]:
    """Outcome summaries per cohort and arm of `cohorts` (already access-checked by the caller).

    With `pooled`, each program also gets groups over all its cohorts in `cohorts` together,
    listed before that program's cohorts. Enrollments that never started (invited only) are
    left out, as in every other figure. Queries: cohorts, measurement points, enrollments and
    responses, however many participants.
    """
    cohort_list = list(
        cohorts.select_related("program").order_by("program__name", "start_date", "name", "pk")
    )
    by_id = {c.pk: c for c in cohort_list}
    planned = planned_instruments({c.program_id for c in cohort_list})

    where: dict[int, tuple[int, str, str]] = {
        pk: (cohort_id, arm, code)
        for pk, cohort_id, arm, code in Enrollment.objects.started()
        .filter(cohort_id__in=by_id)
        .values_list("pk", "cohort_id", "arm", "participant_code")
        .iterator(chunk_size=2000)
    }
    arms_seen: dict[int, set[str]] = {}
    for cohort_id, arm, _code in where.values():
        arms_seen.setdefault(cohort_id, set()).add(arm)

    collected: dict[GroupKey, dict[PairKey, list[Pair]]] = {}
    responses = (
        Response.objects.filter(
            assessment__enrollment_id__in=Enrollment.objects.started().filter(cohort_id__in=by_id),
            submitted_at__isnull=False,
            assessment__measurement_point__kind__in=[
                MeasurementKind.BASELINE,
                MeasurementKind.POST,
            ],
        )
        .select_related("assessment__measurement_point")
        .order_by("assessment__enrollment_id", "assessment__opens_at", "instrument", "version")
        .iterator(chunk_size=2000)
    )
    for enrollment_id, own in groupby(responses, key=lambda r: r.assessment.enrollment_id):
        if enrollment_id not in where:
            continue
        cohort_id, arm, code = where[enrollment_id]
        program_id = by_id[cohort_id].program_id
        keys: list[GroupKey] = [(program_id, cohort_id, arm)]
        if pooled:
            keys.append((program_id, None, arm))
        for pair_key, pair in _pairs_of_enrollment(own, code):
            for key in keys:
                collected.setdefault(key, {}).setdefault(pair_key, []).append(pair)

    arm_order = {value: n for n, value in enumerate(Arm.values)}
    groups: list[OutcomeGroup] = []
    programs_done: set[int] = set()
    for cohort in cohort_list:
        program = cohort.program
        arms = sorted(
            arms_seen.get(cohort.pk, set()) or {Arm.INTERVENTION},
            key=lambda arm: arm_order.get(arm, len(arm_order)),
        )
        if pooled and program.pk not in programs_done:
            programs_done.add(program.pk)
            program_arms: set[str] = set()
            for c in cohort_list:
                if c.program_id == program.pk:
                    program_arms |= arms_seen.get(c.pk, set())
            for arm in sorted(
                program_arms or {Arm.INTERVENTION},
                key=lambda arm: arm_order.get(arm, len(arm_order)),
            ):
                groups.append(_group(program, None, arm, collected, planned))
        for arm in arms:
            groups.append(_group(program, cohort, arm, collected, planned))
    return groups


def _group(
    program: Program,
    cohort: Cohort | None,
    arm: str,
    collected: dict[GroupKey, dict[PairKey, list[Pair]]],
    planned: dict[int, list[str]],
) -> OutcomeGroup:
    pairs = collected.get((program.pk, cohort.pk if cohort else None, arm), {})
    codes = list(planned.get(program.pk, []))
    codes += sorted({code for code, _measure in pairs} - set(codes))
    group = OutcomeGroup(program=program, cohort=cohort, arm=arm)
    for code in codes:
        try:
            instrument = instrument_get(code)
        except InstrumentNotFound:
            continue
        for measure in measures_of(instrument):
            group.summaries.append(
                summarize(instrument, measure, pairs.get((code, measure.key), []))
            )
    return group


# --- words and numbers for pages ----------------------------------------------------------


def format_stat(value: float | None, places: int = 2) -> str:
    """A statistic as people read it, half up, with a real minus sign; "—" when there is none."""
    if value is None:
        return "—"
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded < 0:
        return f"\u2212{-rounded:f}"
    return f"{abs(rounded):f}"  # abs: no "-0.00"


def format_p(value: float | None) -> str:
    """A p-value as journals print it: three decimals, "< 0.001" below that."""
    if value is None:
        return "—"
    if value < 0.001:
        return "< 0.001"
    return f"{Decimal(repr(value)).quantize(Decimal('0.001'), rounding=ROUND_HALF_UP):f}"
