"""The record and the audit event around a FHIR or REDCap export, as every other export has.

The record is written before the first byte (who, what, filters); rows and the SHA-256 of the
bytes written are added at the end, with one audit event. An export that fails part way keeps
its unfinished record and gets an audit event saying it did not complete.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from accounts.models import Organization, User
from sessions.reports.models import ExportRecord
from sessions.reports.services import (
    export_record_audit,
    export_record_finish,
    export_record_start,
)


@dataclass
class ExchangeRun:
    record: ExportRecord
    rows: int = 0
    # Every file's bytes, in the order written: their checksum is the export's.
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)

    def add(self, data: bytes) -> bytes:
        self.digest.update(data)
        return data


@contextmanager
def exchange_recorded(
    *,
    user: User | None,
    organization: Organization | None,
    kind: str,
    fmt: str,
    filters: dict[str, object],
) -> Iterator[ExchangeRun]:
    """Record an export, let the caller write it (counting rows, adding bytes), then finish."""
    record = export_record_start(
        user=user,
        organization=organization,
        kind=kind,
        format=fmt,
        filters=filters,
        identifiable=False,
        source="command",
    )
    run = ExchangeRun(record=record)

    def audit(**outcome: object) -> None:
        export_record_audit(record=record, user=user, outcome=outcome)

    try:
        yield run
    except BaseException:
        audit(completed=False)
        raise
    checksum = run.digest.hexdigest()
    export_record_finish(record=record, row_count=run.rows, checksum=checksum)
    audit(completed=True, row_count=run.rows, checksum=checksum)
