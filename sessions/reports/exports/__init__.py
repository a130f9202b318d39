"""Exports of completion, participants, responses and outcomes as CSV (streamed) or XLSX.

    output = export_start(user=..., organization=..., kind="completion", fmt="csv",
                          scope=ExportScope(cohorts=...), filters={...})

`columns` names every column and says what it means, `scope` holds the types all the others
share (ExportScope, Table, Progress), `tables` says what each kind holds and where its numbers
come from (`responses` makes the rows of the responses kind), `cells` how a value is written
(formula escaping, rounding), `writers` how tables become bytes, `postgres` the COPY fast path
of the responses table, `run` the ExportRecord around it all.

Imports inside the package go one way only: cells and columns import nothing of it; scope
imports cells; postgres, responses and writers import those; tables imports the row makers;
run imports tables and writers.
"""

from sessions.reports.exports.cells import escape_text
from sessions.reports.exports.columns import (
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
    STUDY_KINDS,
    score_subscale_columns,
)
from sessions.reports.exports.run import (
    FILES,
    FORMATS,
    ExportError,
    ExportOutput,
    export_build,
    export_start,
    file_choices,
)
from sessions.reports.exports.scope import ExportScope, Table
from sessions.reports.exports.tables import tables_for

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
    "STUDY_KINDS",
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
