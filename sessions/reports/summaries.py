"""A cohort summary's numbers as people read them, shared by the overview and the cohort page.

Pure: it formats what sessions.reports.definitions counted and makes no queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from programs.models import Cohort
from sessions.reports.charts import format_percent
from sessions.reports.definitions import CohortSummary

__all__ = ["SummaryCells", "figures_by_arm"]


@dataclass(frozen=True)
class SummaryCells:
    """A cohort summary's numbers as people read them: “8 of 10 (80%)”, or why there is none."""

    summary: CohortSummary

    @property
    def cohort(self) -> Cohort:
        return self.summary.cohort

    @property
    def completion(self) -> str:
        s = self.summary
        return "Not offered sessions" if s.is_control else format_percent(s.completed, s.enrolled)

    @property
    def attendance(self) -> str:
        s = self.summary
        if s.is_control:
            return "Not offered sessions"
        if s.participant_sessions_held == 0:
            return "No sessions held yet"
        return format_percent(s.participant_sessions_attended, s.participant_sessions_held)

    @property
    def baseline(self) -> str:
        return format_percent(self.summary.baseline_completed, self.summary.enrolled)

    @property
    def post(self) -> str:
        return format_percent(self.summary.post_completed, self.summary.enrolled)

    @property
    def paired(self) -> str:
        return format_percent(self.summary.paired_completed, self.summary.enrolled)

    @property
    def adherence(self) -> str:
        s = self.summary
        if s.is_control:
            return "Not offered sessions"
        if s.days_in_program == 0:
            return "Not started yet"
        return format_percent(s.practice_days, s.days_in_program).replace(" (", " days (", 1)


def figures_by_arm(
    cells: list[SummaryCells], *, self_guided: bool = False
) -> list[tuple[str, list[tuple[str, str]]]]:
    """One cohort's figures, a row per figure and a column per arm (reads well on any screen).

    A self-guided course has no sessions to attend: the same figure counts weeks completed of
    the weeks reached (Definitions), and is named so."""
    rows: list[tuple[str, Callable[[SummaryCells], object]]] = [
        ("Enrolled", lambda c: c.summary.enrolled),
        ("Only invited (not enrolled)", lambda c: c.summary.invited),
        ("Withdrawn", lambda c: c.summary.withdrawn),
        ("Completed the course", lambda c: c.completion),
        ("Weeks completed" if self_guided else "Attendance", lambda c: c.attendance),
        ("Baseline questionnaires", lambda c: c.baseline),
        ("Post questionnaires", lambda c: c.post),
        ("Both (paired)", lambda c: c.paired),
        ("Practice adherence", lambda c: c.adherence),
    ]
    return [(label, [(c.summary.arm_label, str(value(c))) for c in cells]) for label, value in rows]
