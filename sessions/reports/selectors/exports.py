"""Reads of the export pages: past exports, and what a download may hold."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Organization
from programs.models import Cohort, Program
from sessions.reports.exports import ExportScope
from sessions.reports.models import ExportRecord
from sessions.reports.selectors.access import ReportAccess
from sessions.reports.states import cohort_state, with_session_span


def export_record_list_for_organization(*, organization: Organization) -> QuerySet[ExportRecord]:
    """The organization's exports, newest first, for its coordinators."""
    return ExportRecord.objects.filter(organization=organization).order_by("-created_at", "-pk")


def export_scope_for_report(
    *,
    access: ReportAccess,
    cohort: Cohort | None = None,
    program: Program | None = None,
    arm: str = "",
    state: str = "",
    start_from: dt.date | None = None,
    start_to: dt.date | None = None,
    identifiable: bool = False,
) -> ExportScope:
    """The cohorts within reach, narrowed to one cohort or program if asked, as an export's scope.

    An export not limited to one cohort also gets the outcome rows pooled over each program.
    """
    cohorts = access.cohorts
    if cohort is not None:
        cohorts = cohorts.filter(pk=cohort.pk)
    if program is not None:
        cohorts = cohorts.filter(program=program)
    # The overview's filters (its download links carry them), with its rule for the state.
    if start_from is not None:
        cohorts = cohorts.filter(start_date__gte=start_from)
    if start_to is not None:
        cohorts = cohorts.filter(start_date__lte=start_to)
    if state:
        now = timezone.now()
        chosen = [c.pk for c in with_session_span(cohorts) if cohort_state(c, now) == state]
        cohorts = access.cohorts.filter(pk__in=chosen)
    return ExportScope(cohorts=cohorts, identifiable=identifiable, pooled=cohort is None, arm=arm)
