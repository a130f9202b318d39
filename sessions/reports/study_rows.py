"""A randomized study's rows as its result pages need them, read once in a fixed number of
queries however many people it holds (sessions.reports.trial_results computes from them).

Who is in which arm is the arm after the last correction, else the allocated arm (intention to
treat: whatever happened afterwards). Scores are those of every other report: the latest
submitted version of each response, scored from the raw answers by programs.scoring (prorated
where the instrument allows missing items).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BigIntegerField, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from programs.instrument_library import InstrumentError
from programs.models import EnrollmentStatus, MeasurementKind, MeasurementPoint
from programs.scoring import InvalidAnswers, ScoreResult, score
from sessions.questionnaires.models import Assessment, Response
from sessions.trials.models import Allocation, AllocationCorrection, Study, StudyArm

__all__ = ["LATER_KINDS", "Person", "StudyRows", "comparator_of", "study_rows"]

LATER_KINDS = (MeasurementKind.POST, MeasurementKind.FOLLOW_UP)

ScoreKey = tuple[int, int, str]  # enrollment id, measurement point id, instrument code


@dataclass(frozen=True)
class Person:
    enrollment_id: int
    arm_id: int  # the current study arm
    withdrawn: bool
    withdrawal_reason: str


@dataclass(frozen=True)
class StudyRows:
    arms: list[StudyArm]
    people: dict[int, Person]  # by enrollment id
    baseline: MeasurementPoint | None
    later: list[MeasurementPoint]  # post, then follow-ups in time order
    scores: dict[ScoreKey, ScoreResult]  # of the latest submitted version
    answered: set[tuple[int, int]]  # (enrollment id, point id) with any submitted response
    # enrollment id -> [(closes_at, point id)] of their post and follow-up windows
    windows: dict[int, list[tuple[dt.datetime, int]]]
    # (enrollment id, point id) -> instrument codes scored there
    scored: dict[tuple[int, int], set[str]]


def _point_order(point: MeasurementPoint) -> tuple[int, int, int]:
    # Post comes first; follow-ups, all measured from the last session, by when they open.
    return (0 if point.kind == MeasurementKind.POST else 1, point.opens_days, point.pk)


def study_rows(study: Study) -> StudyRows:
    """Arms, people with their current arm, the plan's points, scores and windows: 5 queries."""
    arms = list(StudyArm.objects.filter(study=study).order_by("position", "pk"))
    last_correction = AllocationCorrection.objects.filter(allocation=OuterRef("pk")).order_by(
        "-corrected_at", "-pk"
    )
    people = {
        enrollment_id: Person(enrollment_id, arm_id, status == EnrollmentStatus.WITHDRAWN, reason)
        for enrollment_id, arm_id, status, reason in Allocation.objects.filter(study=study)
        .annotate(
            current_arm=Coalesce(
                Subquery(last_correction.values("arm_after_id")[:1]),
                F("arm_id"),
                output_field=BigIntegerField(),
            )
        )
        .values_list(
            "enrollment_id", "current_arm", "enrollment__status", "enrollment__withdrawal_reason"
        )
    }
    points = list(MeasurementPoint.objects.filter(program_id=study.program_id))
    baseline = next((p for p in points if p.kind == MeasurementKind.BASELINE), None)
    later = sorted((p for p in points if p.kind in LATER_KINDS), key=_point_order)

    latest: dict[ScoreKey, tuple[int, dict[str, int | None]]] = {}
    for enrollment_id, point_id, code, version, answers in Response.objects.filter(
        assessment__enrollment__allocation__study=study, submitted_at__isnull=False
    ).values_list(
        "assessment__enrollment_id",
        "assessment__measurement_point_id",
        "instrument",
        "version",
        "answers",
    ):
        key = (enrollment_id, point_id, code)
        if key not in latest or version > latest[key][0]:
            latest[key] = (version, answers)
    scores: dict[ScoreKey, ScoreResult] = {}
    for key, (_version, answers) in latest.items():
        try:
            scores[key] = score(key[2], {int(item): value for item, value in answers.items()})
        except (InstrumentError, InvalidAnswers):
            continue  # an instrument no longer shipped, or answers it cannot score: no score
    windows: dict[int, list[tuple[dt.datetime, int]]] = {}
    for enrollment_id, point_id, closes_at in Assessment.objects.filter(
        enrollment__allocation__study=study, measurement_point__kind__in=LATER_KINDS
    ).values_list("enrollment_id", "measurement_point_id", "closes_at"):
        windows.setdefault(enrollment_id, []).append((closes_at, point_id))
    scored: dict[tuple[int, int], set[str]] = {}
    for enrollment_id, point_id, code in scores:
        scored.setdefault((enrollment_id, point_id), set()).add(code)
    return StudyRows(
        arms=arms,
        people=people,
        baseline=baseline,
        later=later,
        scores=scores,
        answered={(e, p) for e, p, _code in latest},
        windows=windows,
        scored=scored,
    )


def comparator_of(arms: list[StudyArm]) -> StudyArm | None:
    """The arm the others are compared with: the one marked so, else the first control arm."""
    marked = next((a for a in arms if a.is_comparator), None)
    return marked or next((a for a in arms if a.enrollment_arm == "control"), None)
