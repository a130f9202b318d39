"""A randomized study's results: between-arm comparisons and the CONSORT flow.

Callers reach them through sessions.reports.selectors.trial_results (pages, after the study's
access check) or the consort and comparison exports (studies of the cohorts in their scope);
they live here, beside outcomes, so that the exports need not import the selectors package,
which imports the exports. Both start from the study's rows read once (sessions.reports.study_rows, a fixed
number of queries however many people the study holds) and compute the rest in Python. What
each count means is printed on the pages (STUDY_DEFINITIONS in definitions.glossary).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from programs.instrument_library import Instrument, InstrumentError, instrument_get
from programs.models import MeasurementPoint
from programs.scoring import ScoreResult
from sessions.models import ATTENDED_STATUSES, Attendance
from sessions.reports.consort import ArmFlow, ConsortFlow, is_control
from sessions.reports.outcomes import Measure, measures_of
from sessions.reports.study_rows import StudyRows, comparator_of, study_rows
from sessions.reports.trial_stats import Comparison, compare
from sessions.trials.models import Screening, Study, StudyArm

__all__ = ["ComparisonRow", "comparison_rows", "consort_flow"]

NO_REASON = "No reason given"


# --- between-arm comparisons ----------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    """One score at one point: an arm against the comparator."""

    instrument: Instrument
    measure: Measure
    point: MeasurementPoint
    arm: StudyArm
    control_arm: StudyArm
    randomized_arm: int
    randomized_control: int
    # Of those without data, how many still have their window open at this point.
    not_due_arm: int
    not_due_control: int
    result: Comparison

    @property
    def n_arm(self) -> int:
        return self.result.arm.n

    @property
    def n_control(self) -> int:
        return self.result.control.n

    @property
    def missing_arm(self) -> int:
        return self.randomized_arm - self.n_arm

    @property
    def missing_control(self) -> int:
        return self.randomized_control - self.n_control


def _instruments_compared(data: StudyRows, point: MeasurementPoint) -> list[Instrument]:
    """Instruments asked at baseline and at `point`, in the order baseline asks them.

    Optional instruments (a cohort may add them) only when someone answered them at baseline.
    """
    if data.baseline is None:
        return []
    required = set(point.instruments) & set(data.baseline.instruments)
    asked = {*point.instruments, *point.optional_instruments}
    answered_at_baseline = {
        code for (_e, point_id, code) in data.scores if point_id == data.baseline.pk
    }
    found = []
    for code in [*data.baseline.instruments, *data.baseline.optional_instruments]:
        if code not in asked or (code not in required and code not in answered_at_baseline):
            continue
        try:
            instrument = instrument_get(code)
        except InstrumentError:
            continue
        if instrument not in found:
            found.append(instrument)
    return found


def comparison_rows(*, study: Study, now: dt.datetime | None = None) -> list[ComparisonRow]:
    """Every non-comparator arm against the comparator, for every score of every instrument
    asked at baseline and at each post/follow-up point, by point, instrument, score and arm.

    n: participants randomized to the arm with both a baseline and a score at the point on this
    score (intention to treat: analysed in the arm allocated, whatever they attended, withdrawn
    or not); missing: randomized minus n, of whom `not_due` still have their window open.
    """
    now = now or timezone.now()
    data = study_rows(study)
    control, baseline = comparator_of(data.arms), data.baseline
    if control is None or baseline is None:
        return []
    members: dict[int, list[int]] = {arm.pk: [] for arm in data.arms}
    for person in data.people.values():
        members.setdefault(person.arm_id, []).append(person.enrollment_id)
    open_at = {
        (enrollment_id, point_id)
        for enrollment_id, windows in data.windows.items()
        for closes_at, point_id in windows
        if closes_at > now
    }
    rows = []
    for point in data.later:
        for instrument in _instruments_compared(data, point):
            for measure in measures_of(instrument):
                pairs = {
                    arm.pk: _pairs(
                        data.scores, members[arm.pk], (baseline.pk, point.pk), instrument, measure
                    )
                    for arm in data.arms
                }
                for arm in data.arms:
                    if arm.pk == control.pk:
                        continue
                    rows.append(
                        ComparisonRow(
                            instrument=instrument,
                            measure=measure,
                            point=point,
                            arm=arm,
                            control_arm=control,
                            randomized_arm=len(members[arm.pk]),
                            randomized_control=len(members[control.pk]),
                            not_due_arm=_not_due(members[arm.pk], pairs[arm.pk], point, open_at),
                            not_due_control=_not_due(
                                members[control.pk], pairs[control.pk], point, open_at
                            ),
                            result=compare(
                                list(pairs[arm.pk].values()), list(pairs[control.pk].values())
                            ),
                        )
                    )
    return rows


def _pairs(
    scores: dict[tuple[int, int, str], ScoreResult],
    enrollment_ids: list[int],
    point_ids: tuple[int, int],
    instrument: Instrument,
    measure: Measure,
) -> dict[int, tuple[float, float]]:
    """(baseline, later) of each participant with both values of `measure`, by enrollment."""
    baseline_id, later_id = point_ids
    found = {}
    for enrollment_id in enrollment_ids:
        before = scores.get((enrollment_id, baseline_id, instrument.code))
        after = scores.get((enrollment_id, later_id, instrument.code))
        if before is None or after is None:
            continue
        b, a = measure.value(before), measure.value(after)
        if b is not None and a is not None:
            found[enrollment_id] = (float(b), float(a))
    return found


def _not_due(
    enrollment_ids: list[int],
    pairs: dict[int, tuple[float, float]],
    point: MeasurementPoint,
    open_at: set[tuple[int, int]],
) -> int:
    return sum(1 for e in enrollment_ids if e not in pairs and (e, point.pk) in open_at)


def consort_flow(*, study: Study, now: dt.datetime | None = None) -> ConsortFlow:
    """The CONSORT 2010 counts of `study` from its rows (definitions: STUDY_DEFINITIONS)."""
    now = now or timezone.now()
    data = study_rows(study)
    screenings = list(
        Screening.objects.filter(
            Q(study=study) | Q(enrollment__allocation__study=study)
        ).values_list("eligible", "consented", "reasons", "enrollment_id")
    )
    attended = set(
        Attendance.objects.filter(
            enrollment__allocation__study=study, status__in=ATTENDED_STATUSES
        ).values_list("enrollment_id", flat=True)
    )
    ineligible = declined = not_randomized = 0
    rule_counts: Counter[str] = Counter()
    for eligible, consented, reasons, enrollment_id in screenings:
        if enrollment_id in data.people:
            continue
        if not eligible:
            ineligible += 1
            # A rule counted once per person, even if the form listed it twice.
            rule_counts.update(
                {str(r.get("text") or r.get("code") or NO_REASON) for r in reasons or []}
                or {NO_REASON}
            )
        elif not consented:
            declined += 1
        else:
            not_randomized += 1
    screened = {e for *_rest, e in screenings if e is not None}
    return ConsortFlow(
        study=study,
        assessed=len(screenings),
        ineligible=ineligible,
        ineligible_reasons=sorted(rule_counts.items(), key=lambda kv: (-kv[1], kv[0])),
        declined=declined,
        not_randomized=not_randomized,
        randomized=len(data.people),
        randomized_unscreened=sum(1 for e in data.people if e not in screened),
        arms=[_arm_flow(data, arm, attended, now) for arm in data.arms],
    )


def _arm_flow(data: StudyRows, arm: StudyArm, attended: set[int], now: dt.datetime) -> ArmFlow:
    people = [p for p in data.people.values() if p.arm_id == arm.pk]
    later = {point.pk: point for point in data.later}
    baseline_id = data.baseline.pk if data.baseline is not None else None
    lost: Counter[str] = Counter()
    discontinued: Counter[str] = Counter()
    analysed = 0
    for person in people:
        if person.withdrawn:
            discontinued[person.withdrawal_reason.strip() or NO_REASON] += 1
        else:
            point = _missed_last_closed(data, person.enrollment_id, later, now)
            if point is not None:
                lost[f"No answers at {point.label}"] += 1
        if _has_pair(data, person.enrollment_id, baseline_id, later):
            analysed += 1
    received = (
        len(people) if is_control(arm) else sum(1 for p in people if p.enrollment_id in attended)
    )
    return ArmFlow(
        arm=arm,
        allocated=len(people),
        received=received,
        lost=sum(lost.values()),
        lost_reasons=sorted(lost.items(), key=lambda kv: (-kv[1], kv[0])),
        discontinued=sum(discontinued.values()),
        discontinued_reasons=sorted(discontinued.items(), key=lambda kv: (-kv[1], kv[0])),
        analysed=analysed,
    )


def _missed_last_closed(
    data: StudyRows, enrollment_id: int, later: dict[int, MeasurementPoint], now: dt.datetime
) -> MeasurementPoint | None:
    """The last post/follow-up point whose window has closed, if they sent nothing there."""
    closed = [
        (closes_at, pid)
        for closes_at, pid in data.windows.get(enrollment_id, [])
        if closes_at <= now and pid in later
    ]
    if not closed:
        return None  # still in follow-up: no window has closed yet
    _closes_at, point_id = max(closed)
    return None if (enrollment_id, point_id) in data.answered else later[point_id]


def _has_pair(
    data: StudyRows,
    enrollment_id: int,
    baseline_id: int | None,
    later: dict[int, MeasurementPoint],
) -> bool:
    """A score at baseline and a score of the same questionnaire at any post/follow-up point."""
    if baseline_id is None:
        return False
    at_baseline = data.scored.get((enrollment_id, baseline_id), set())
    return any(
        at_baseline & data.scored.get((enrollment_id, point_id), set()) for point_id in later
    )
