"""The types every part of an export shares: what to export, a table, a row count.

They live here, apart from the modules that make rows (tables, responses, postgres) and the one
that writes them (writers), so that those import this module and never each other in a circle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from programs.models import Cohort, PersonCode
from sessions.reports.exports.cells import Cell


@dataclass(frozen=True)
class ExportScope:
    """What to export: cohorts the requester may see (already filtered), and how."""

    cohorts: QuerySet[Cohort]
    identifiable: bool = False
    # Outcomes: add rows pooled over each program's cohorts (an export not limited to a cohort).
    pooled: bool = False
    now: dt.datetime | None = None

    def ordered(self) -> QuerySet[Cohort]:
        return self.cohorts.select_related("program").order_by(
            "program__name", "start_date", "name", "pk"
        )


class Progress:
    """Counts data rows as they are written."""

    def __init__(self) -> None:
        self.rows = 0


@dataclass(frozen=True)
class Table:
    """One file (CSV) or sheet (XLSX) of an export."""

    name: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterator[Sequence[Cell]]]
    # An optional faster producer of the same CSV body (no header), byte for byte: PostgreSQL's
    # COPY for the responses table. It counts its rows into the Progress it is given.
    csv_body: Callable[[Progress], Iterator[bytes]] | None = None
    # The codebook is about the data, not data: its rows are not in the export's row count.
    counted: bool = True


def person_code_of(organization: str, user: str) -> Subquery:
    """The person code of the row's person in the row's organization (paths to both ids): one
    subquery in the row's own query, so an export's query count stays fixed."""
    return Subquery(
        PersonCode.objects.filter(
            organization_id=OuterRef(organization), user_id=OuterRef(user)
        ).values("code")[:1]
    )
