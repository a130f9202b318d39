"""The screening export (placeholder until it is built)."""

from __future__ import annotations

from sessions.reports.exports.columns import SCREENING_COLUMNS
from sessions.reports.exports.scope import ExportScope, Table


def screening_tables(scope: ExportScope) -> list[Table]:
    return [Table("screening", SCREENING_COLUMNS, lambda: iter(()))]
