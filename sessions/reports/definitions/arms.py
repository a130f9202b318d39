"""Every reported number about one arm of one cohort, from enrollment facts (no queries)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from programs.models import Arm, Cohort, EnrollmentStatus
from sessions.reports.definitions.facts import EnrollmentFacts
from sessions.reports.definitions.rows import SessionRow, rate

__all__ = ["CohortSummary", "summaries_build"]


@dataclass(frozen=True)
class CohortSummary:
    """Every reported number about one arm of one cohort (cohorts without enrollments: one row)."""

    cohort: Cohort
    arm: str  # Arm value
    enrolled: int
    active: int
    withdrawn: int
    completed: int
    completion_rate: Decimal | None
    sessions_held: int
    attendance_rate: Decimal | None
    baseline_completed: int
    post_completed: int
    paired_completed: int
    practice_adherence: Decimal | None
    open_safety_flags: int
    # The numerators and denominators behind the rates, so pages can say "8 of 10 (80%)".
    participant_sessions_attended: int = 0
    participant_sessions_held: int = 0
    practice_days: int = 0
    days_in_program: int = 0
    required_sessions: int = 0  # M of "attended at least N of M"
    invited: int = 0  # invited and not started: not enrolled

    @property
    def arm_label(self) -> str:
        return str(Arm(self.arm).label)

    @property
    def is_control(self) -> bool:
        return self.arm == Arm.CONTROL

    @property
    def completion_threshold(self) -> int:
        return self.cohort.program.completion_threshold


def _group_sessions_held(sessions: Iterable[SessionRow], now: dt.datetime) -> dict[int, int]:
    """Per cohort, the required group sessions held for the whole group (distinct numbers).

    One pass over all rows, so an overview of many cohorts costs no more per cohort.
    """
    held: dict[int, set[int]] = defaultdict(set)
    for s in sessions:
        if s.enrollment_id is None and not s.cancelled and not s.optional and s.starts_at < now:
            held[s.cohort_id].add(s.program_session_id)
    return {cohort_id: len(numbers) for cohort_id, numbers in held.items()}


def summaries_build(
    *,
    cohorts: Sequence[Cohort],
    facts: Iterable[EnrollmentFacts],
    sessions: Iterable[SessionRow],
    open_flags: Mapping[tuple[int, str], int] | None = None,
    required_sessions: Mapping[int, int] | None = None,
    now: dt.datetime,
) -> list[CohortSummary]:
    """One summary per cohort and arm, from facts and rows already fetched (no queries).

    Arms appear when the cohort has an enrollment in them (invited ones too), intervention
    first; a cohort without enrollments gets one intervention row of zeros.
    `open_flags` maps (cohort pk, arm) to the number of unacknowledged safety events.
    """
    open_flags = open_flags or {}
    required_sessions = required_sessions or {}
    held_by_cohort = _group_sessions_held(sessions, now)
    by_arm: dict[tuple[int, str], list[EnrollmentFacts]] = defaultdict(list)
    for f in facts:
        by_arm[(f.enrollment.cohort_id, f.enrollment.arm)].append(f)
    summaries = []
    for cohort in cohorts:
        arms = [arm for arm in Arm.values if (cohort.pk, arm) in by_arm] or [Arm.INTERVENTION]
        group_held = (
            0
            if cohort.program.is_individual or cohort.program.is_self_guided
            else held_by_cohort.get(cohort.pk, 0)
        )
        for arm in arms:
            every = by_arm.get((cohort.pk, arm), [])
            counted = [f for f in every if f.counted]
            control = arm == Arm.CONTROL
            enrolled = len(counted)
            completed = sum(1 for f in counted if f.completed_course)
            held = sum(f.sessions_held for f in counted)
            attended = sum(f.sessions_attended for f in counted)
            if control:
                sessions_held = 0
            elif cohort.program.is_individual or cohort.program.is_self_guided:
                sessions_held = held
            else:
                sessions_held = group_held
            practice_days = sum(f.practice_days for f in counted)
            days_in_program = sum(f.days_in_program for f in counted)
            summaries.append(
                CohortSummary(
                    cohort=cohort,
                    arm=str(arm),
                    enrolled=enrolled,
                    active=sum(
                        1 for f in counted if f.enrollment.status == EnrollmentStatus.ACTIVE
                    ),
                    withdrawn=sum(
                        1 for f in counted if f.enrollment.status == EnrollmentStatus.WITHDRAWN
                    ),
                    completed=completed,
                    completion_rate=None if control else rate(completed, enrolled),
                    sessions_held=sessions_held,
                    attendance_rate=rate(attended, held),
                    baseline_completed=sum(1 for f in counted if f.baseline_completed),
                    post_completed=sum(1 for f in counted if f.post_completed),
                    paired_completed=sum(1 for f in counted if f.paired_completed),
                    practice_adherence=rate(practice_days, days_in_program),
                    open_safety_flags=open_flags.get((cohort.pk, arm), 0),
                    participant_sessions_attended=attended,
                    participant_sessions_held=held,
                    practice_days=practice_days,
                    days_in_program=days_in_program,
                    required_sessions=required_sessions.get(cohort.program_id, 0),
                    invited=len(every) - enrolled,
                )
            )
    return summaries
