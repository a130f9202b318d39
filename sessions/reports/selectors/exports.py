"""Reads of the export pages: past exports, and what a download may hold."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Organization
from programs.models import Cohort, Program
from sessions.reports.exports import ExportScope
from sessions.reports.models import ExportRecord
from sessions.reports.selectors.access import ReportAccess


def export_record_list_for_organization(*, organization: Organization) -> QuerySet[ExportRecord]:
    """The organization's exports, newest first, for its coordinators."""
    return ExportRecord.objects.filter(organization=organization).order_by("-created_at", "-pk")


def export_scope_for_report(
    *,
    access: ReportAccess,
    cohort: Cohort | None = None,
    program: Program | None = None,
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
    return ExportScope(cohorts=cohorts, identifiable=identifiable, pooled=cohort is None)
