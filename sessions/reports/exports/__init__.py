"""Exports of completion, participants, responses and outcomes as CSV (streamed) or XLSX.

    output = export_start(user=..., organization=..., kind="completion", fmt="csv",
                          scope=ExportScope(cohorts=...), filters={...})

`tables` says what each kind holds and where its numbers come from, `cells` how a value is
written (formula escaping, rounding), `writers` how tables become bytes, `postgres` the COPY
fast path of the responses table, `run` the ExportRecord around it all.
"""

from sessions.reports.exports.cells import escape_text
from sessions.reports.exports.run import (
    FILES,
    FORMATS,
    ExportError,
    ExportOutput,
    export_build,
    export_start,
    file_choices,
)
from sessions.reports.exports.tables import (
    COLUMN_MEANINGS,
    COMPLETION_COLUMNS,
    DICTIONARY_COLUMNS,
    IDENTIFIABLE_KINDS,
    IDENTIFIERS,
    KINDS,
    OUTCOME_COLUMNS,
    PARTICIPANT_COLUMNS,
    RESPONSE_COLUMNS,
    SCORE_BASE_COLUMNS,
    ExportScope,
    Table,
    score_subscale_columns,
    tables_for,
)

__all__ = [
    "COLUMN_MEANINGS",
    "COMPLETION_COLUMNS",
    "DICTIONARY_COLUMNS",
    "FILES",
    "FORMATS",
    "IDENTIFIABLE_KINDS",
    "IDENTIFIERS",
    "KINDS",
    "OUTCOME_COLUMNS",
    "PARTICIPANT_COLUMNS",
    "RESPONSE_COLUMNS",
    "SCORE_BASE_COLUMNS",
    "ExportError",
    "ExportOutput",
    "ExportScope",
    "Table",
    "escape_text",
    "export_build",
    "export_start",
    "file_choices",
    "score_subscale_columns",
    "tables_for",
]
