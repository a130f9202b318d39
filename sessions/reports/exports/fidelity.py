"""The fidelity export (placeholder until it is built)."""

from __future__ import annotations

from sessions.reports.exports.columns import FIDELITY_COLUMNS
from sessions.reports.exports.scope import ExportScope, Table


def fidelity_tables(scope: ExportScope) -> list[Table]:
    return [Table("fidelity", FIDELITY_COLUMNS, lambda: iter(()))]
