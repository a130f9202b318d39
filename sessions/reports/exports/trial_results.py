"""The consort and comparison exports (placeholder until they are built)."""

from __future__ import annotations

from sessions.reports.exports.columns import COMPARISON_COLUMNS, CONSORT_COLUMNS
from sessions.reports.exports.scope import ExportScope, Table


def consort_tables(scope: ExportScope) -> list[Table]:
    return [Table("consort", CONSORT_COLUMNS, lambda: iter(()))]


def comparison_tables(scope: ExportScope) -> list[Table]:
    return [Table("comparison", COMPARISON_COLUMNS, lambda: iter(()))]
