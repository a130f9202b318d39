"""Reads of the outcome summary page."""

from __future__ import annotations

from programs.models import Cohort, Program
from sessions.reports.outcomes import OutcomeGroup, outcome_groups
from sessions.reports.selectors.access import ReportAccess


def outcome_groups_for_report(
    *, access: ReportAccess, cohort: Cohort | None = None, program: Program | None = None
) -> list[OutcomeGroup]:
    """Outcome summaries of the cohorts within reach, narrowed to one cohort or program if asked.

    Without a cohort, each program also gets groups over all its cohorts together.
    """
    cohorts = access.cohorts
    if cohort is not None:
        cohorts = cohorts.filter(pk=cohort.pk)
    if program is not None:
        cohorts = cohorts.filter(program=program)
    return outcome_groups(cohorts=cohorts, pooled=cohort is None)
