"""Writes of the reports app: the record around every export."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditAction, Organization, User
from sessions.reports.models import ExportRecord

COMMAND_LINE = "command line"


def export_record_start(
    *,
    user: User | None,
    organization: Organization | None,
    kind: str,
    format: str,
    filters: dict[str, object],
    identifiable: bool,
    source: str = "page",
) -> ExportRecord:
    """Record an export before its first byte is produced (the who, what and filters)."""
    return ExportRecord.objects.create(
        user=user,
        actor=user.email if user is not None else COMMAND_LINE,
        organization=organization,
        kind=kind,
        format=format,
        filters=filters,
        identifiable=identifiable,
        source=source,
    )


def export_record_finish(*, record: ExportRecord, row_count: int, checksum: str) -> ExportRecord:
    """Add what an export produced once its last byte is out: data rows and SHA-256 checksum."""
    record.row_count = row_count
    record.checksum = checksum
    record.finished_at = timezone.now()
    record.save(update_fields=["row_count", "checksum", "finished_at"])
    return record


def export_record_audit(
    *,
    record: ExportRecord,
    user: User | None,
    outcome: dict[str, object],
    request: HttpRequest | None = None,
) -> None:
    """The one audit event of an export: what its record says, and how it ended."""
    audit_record(
        request=request,
        actor=user,
        actor_email=record.actor,
        action=AuditAction.EXPORT,
        obj=record,
        organization=record.organization,
        details={
            "kind": record.kind,
            "format": record.format,
            "filters": record.filters,
            "identifiable": record.identifiable,
            "source": record.source,
            **outcome,
        },
    )
