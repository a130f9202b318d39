"""Reads of the reports app."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Organization
from sessions.reports.models import ExportRecord


def export_record_list_for_organization(*, organization: Organization) -> QuerySet[ExportRecord]:
    """The organization's exports, newest first, for its coordinators."""
    return ExportRecord.objects.filter(organization=organization).order_by("-created_at", "-pk")
