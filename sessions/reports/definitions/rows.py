"""The rows the pure layer of the definitions reads, and the one division every rate uses.

Rows are plain tuples, built from models already fetched (`SessionRow.of(...)`) or straight from
`values_list` (sessions.reports.definitions.fetching), so the arithmetic needs no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from sessions.models import Attendance, ScheduledSession, SessionStatus
from sessions.questionnaires.models import Assessment

__all__ = [
    "AssessmentRow",
    "AttendanceRow",
    "CompletionRow",
    "PracticeDay",
    "SessionRow",
    "rate",
]


def rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator as an unrounded Decimal; None when the denominator is 0."""
    if denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


class SessionRow(NamedTuple):
    pk: int
    cohort_id: int
    enrollment_id: int | None
    program_session_id: int
    optional: bool
    is_makeup: bool
    cancelled: bool
    starts_at: dt.datetime
    number: int = 0  # the program session's number

    @classmethod
    def of(cls, session: ScheduledSession) -> SessionRow:
        """From a session fetched with its program_session."""
        return cls(
            session.pk,
            session.cohort_id,
            session.enrollment_id,
            session.program_session_id,
            session.program_session.optional,
            session.is_makeup,
            session.status == SessionStatus.CANCELLED,
            session.starts_at,
            session.program_session.number,
        )


class AttendanceRow(NamedTuple):
    scheduled_session_id: int
    enrollment_id: int
    status: str

    @classmethod
    def of(cls, attendance: Attendance) -> AttendanceRow:
        return cls(attendance.scheduled_session_id, attendance.enrollment_id, attendance.status)


class PracticeDay(NamedTuple):
    """One participant's local day with practice logged, and its minutes (None: strategy logs)."""

    enrollment_id: int
    date: dt.date
    minutes: int | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> PracticeDay:
        """From a row of sessions.selectors.practice_log_list_day_totals_for_cohort."""
        return cls(row["enrollment_id"], row["date"], row["minutes"])


class AssessmentRow(NamedTuple):
    enrollment_id: int
    kind: str  # MeasurementKind value
    completed: bool

    @classmethod
    def of(cls, assessment: Assessment, kind: str) -> AssessmentRow:
        return cls(assessment.enrollment_id, kind, assessment.completed_at is not None)


class CompletionRow(NamedTuple):
    """A self-guided participant marked a week as completed."""

    enrollment_id: int
    program_session_id: int
    optional: bool
