"""The screening export: one row per screening of the organizations of the scope's cohorts.

Pseudonymous: the screening code, never the name or contact details. Reasons are the plain
rule texts joined with "; ". Rows in a reproducible order (screened_at, then code).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sessions.reports.exports.cells import Cell, cell
from sessions.reports.exports.columns import SCREENING_COLUMNS
from sessions.reports.exports.scope import ExportScope, Table
from sessions.trials.models import Screening


def _rows(scope: ExportScope) -> Iterator[Sequence[Cell]]:
    screenings = (
        Screening.objects.filter(organization_id__in=scope.cohorts.values("organization_id"))
        .order_by("screened_at", "screening_code")
        .values_list(
            "screening_code",
            "program__name",
            "screened_at",
            "eligible",
            "reasons",
            "consented",
            "waitlisted_at",
            "offered_at",
            "enrollment__participant_code",
        )
    )
    for (
        code,
        program,
        screened_at,
        eligible,
        reasons,
        consented,
        waitlisted,
        offered,
        enrolled,
    ) in screenings.iterator(chunk_size=2000):
        yield [
            cell(code),
            cell(program),
            cell(screened_at),
            cell(eligible),
            cell("; ".join(r.get("text", "") for r in reasons or [])),
            cell(consented),
            cell(waitlisted),
            cell(offered),
            cell(enrolled or ""),
        ]


def screening_tables(scope: ExportScope) -> list[Table]:
    return [Table("screening", SCREENING_COLUMNS, lambda: _rows(scope))]
