"""The allocations export: one row per allocation made in the scope's cohorts.

Only allocations already made appear (an unused slot is never opened here); the arm is the one
after any correction, the block number comes from the allocation (read from its slot when it was
used), and the time is in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch

from sessions.reports.exports.cells import Cell, cell
from sessions.reports.exports.columns import ALLOCATION_COLUMNS
from sessions.reports.exports.scope import ExportScope, Table
from sessions.rosters import natural_sort_key
from sessions.trials.models import Allocation, AllocationCorrection
from sessions.trials.services.allocation import current_arm


def allocation_rows(scope: ExportScope) -> Iterator[list[Cell]]:
    allocations = (
        Allocation.objects.filter(enrollment__cohort_id__in=scope.cohorts.values("pk"))
        .select_related("study", "arm", "enrollment__cohort__program")
        .prefetch_related(
            Prefetch(
                "corrections", queryset=AllocationCorrection.objects.select_related("arm_after")
            )
        )
    )
    if scope.arm:
        allocations = allocations.filter(enrollment__arm=scope.arm)
    ordered = sorted(
        allocations,
        key=lambda a: (
            a.enrollment.cohort.program.name,
            a.study.name,
            a.enrollment.cohort.start_date,
            a.enrollment.cohort.name,
            natural_sort_key(a.enrollment.participant_code),
        ),
    )
    for allocation in ordered:
        enrollment = allocation.enrollment
        yield [
            cell(enrollment.participant_code),
            cell(enrollment.cohort.program.name),
            cell(enrollment.cohort.name),
            cell(allocation.study.name),
            cell(allocation.stratum_label),
            cell(allocation.block),
            cell(current_arm(allocation).code),
            cell(allocation.allocated_at),
        ]


def allocation_tables(scope: ExportScope) -> list[Table]:
    return [Table("allocations", ALLOCATION_COLUMNS, lambda: allocation_rows(scope))]
