"""The allocations export (placeholder until it is built)."""

from __future__ import annotations

from sessions.reports.exports.columns import ALLOCATION_COLUMNS
from sessions.reports.exports.scope import ExportScope, Table


def allocation_tables(scope: ExportScope) -> list[Table]:
    return [Table("allocations", ALLOCATION_COLUMNS, lambda: iter(()))]
