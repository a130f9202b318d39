"""The one place every reported number is defined (BRIEF §8): pages, charts and exports read it here.

Two layers:

- `facts_build` and `summaries_build` are pure: they arrange rows already fetched, so the cohort
  page (which has fetched most of them for its roster) adds no queries for its numbers, and the
  arithmetic is tested without HTTP;
- `enrollment_facts` and `cohort_summaries` fetch those rows in a fixed number of queries,
  however many cohorts and enrollments they cover, then call the pure layer.

Rates are exact `Decimal` quotients (Decimal's 28 significant digits, never rounded here;
formatting is the caller's job) and None when the denominator is 0 or the rate does not apply.

The rules agree with what the cohort page already shows (sessions.rosters.roster_build):

- a session is *held* when it has started and was not cancelled; optional sessions (MBSR's day
  of practice) never count; a session and its make-up count once (distinct session numbers);
- a participant *attended* a session when their attendance says attended or made up, at that
  session or at a make-up of it;
- intention to treat: withdrawn participants stay in every denominator, and the sessions held
  after they left count as not attended.

Modules: `glossary` (the definitions in words), `rows` (what the pure layer reads), `facts` (per
enrollment), `arms` (per cohort and arm), `fetching` (the queries). Callers import from this
package, never from its modules.
"""

from __future__ import annotations

from sessions.reports.definitions.arms import CohortSummary, summaries_build
from sessions.reports.definitions.facts import (
    EnrollmentFacts,
    SessionAttendance,
    facts_build,
    session_attendance_build,
)
from sessions.reports.definitions.fetching import (
    cohort_summaries,
    enrollment_facts,
    open_safety_flag_counts,
    required_session_counts,
    self_guided_completion_rows,
)
from sessions.reports.definitions.glossary import DEFINITIONS
from sessions.reports.definitions.rows import (
    AssessmentRow,
    AttendanceRow,
    CompletionRow,
    PracticeDay,
    SessionRow,
    rate,
)

__all__ = [
    "DEFINITIONS",
    "AssessmentRow",
    "AttendanceRow",
    "CohortSummary",
    "CompletionRow",
    "EnrollmentFacts",
    "PracticeDay",
    "SessionAttendance",
    "SessionRow",
    "cohort_summaries",
    "enrollment_facts",
    "facts_build",
    "open_safety_flag_counts",
    "rate",
    "required_session_counts",
    "self_guided_completion_rows",
    "session_attendance_build",
    "summaries_build",
]
