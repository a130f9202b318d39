"""The types every part of an export shares: what to export, a table, a row count.

They live here, apart from the modules that make rows (tables, responses, postgres) and the one
that writes them (writers), so that those import this module and never each other in a circle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from django.db.models import OuterRef, QuerySet, Subquery

from programs.models import Cohort, Enrollment, PersonCode
from sessions.reports.exports.cells import Cell
from sessions.rosters import natural_sort_key


@dataclass(frozen=True)
class ExportScope:
    """What to export: cohorts the requester may see (already filtered), and how."""

    cohorts: QuerySet[Cohort]
    identifiable: bool = False
    # Outcomes: add rows pooled over each program's cohorts (an export not limited to a cohort).
    pooled: bool = False
    now: dt.datetime | None = None
    # One arm only (intervention or control); empty: both.
    arm: str = ""

    def enrollments(self) -> QuerySet[Enrollment]:
        """The enrollments of the scope's cohorts (of its arm, if one was chosen)."""
        found = Enrollment.objects.filter(cohort_id__in=self.cohorts.values("pk"))
        return found.filter(arm=self.arm) if self.arm else found

    def ordered(self) -> QuerySet[Cohort]:
        return self.cohorts.select_related("program").order_by(
            "program__name", "start_date", "name", "pk"
        )

    @cached_property
    def enrollment_order(self) -> list[int]:
        """Every enrollment's pk in file order: cohorts as ordered(), then participant codes
        naturally (DEMO2 before DEMO11), as the roster shows them. Read once per export, in one
        query (the responses and scores tables both follow it).

        Decided here, once, in Python: the portable path and PostgreSQL's COPY both follow
        this list, so they cannot disagree on what natural order means.
        """
        found = list(
            self.enrollments()
            .order_by("cohort__program__name", "cohort__start_date", "cohort__name", "cohort_id")
            .values_list("pk", "cohort_id", "participant_code")
        )
        # The database ordered the cohorts (its collation, as everywhere else); Python the codes.
        rank: dict[int, int] = {}
        for _pk, cohort_id, _code in found:
            rank.setdefault(cohort_id, len(rank))
        found.sort(key=lambda e: (rank[e[1]], natural_sort_key(e[2])))
        return [pk for pk, _cohort, _code in found]


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
