"""The fidelity export: one row per rating of a held session against its checklist of core
elements, in the scope's cohorts.

Rows come in a reproducible order: cohorts as every export orders them (program, start date,
name), then sessions by start, the facilitator's rating before an observer's. Ratings of a
session cancelled after it was rated are left out, as on the adherence page. facilitator_code
names whose delivery was rated (the rater for a facilitator's own rating, the facilitator an
observer watched) by a pseudonym, never by name (sessions.services.fidelity.facilitator_code).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sessions.models import FidelityRating, SessionStatus
from sessions.reports.exports.cells import Cell, cell, rate4
from sessions.reports.exports.columns import FIDELITY_COLUMNS
from sessions.reports.exports.scope import ExportScope, Table, person_code_of
from sessions.services.fidelity import facilitator_code


def fidelity_rows(scope: ExportScope) -> Iterator[list[Cell]]:
    ratings = (
        FidelityRating.objects.filter(scheduled_session__cohort_id__in=scope.cohorts.values("pk"))
        .exclude(scheduled_session__status=SessionStatus.CANCELLED)
        # The facilitator's person code in the row's organization, read in the same query.
        .annotate(
            stored_code=person_code_of(
                "scheduled_session__cohort__organization_id", "facilitator_id"
            )
        )
        .values_list(
            "scheduled_session__cohort__program__name",
            "scheduled_session__cohort__name",
            "scheduled_session__cohort__organization_id",
            "scheduled_session__program_session__number",
            "facilitator_id",
            "role",
            "items_done",
            "items_total",
            "stored_code",
        )
        .order_by(
            "scheduled_session__cohort__program__name",
            "scheduled_session__cohort__start_date",
            "scheduled_session__cohort__name",
            "scheduled_session__cohort_id",
            "scheduled_session__starts_at",
            "scheduled_session_id",
            "role",
        )
    )
    # iterator(): ratings stream in chunks, so memory stays flat however many there are.
    for (
        program,
        cohort,
        organization_id,
        number,
        facilitator_id,
        role,
        done,
        total,
        stored_code,
    ) in ratings.iterator(chunk_size=2000):
        code = stored_code
        if code is None and facilitator_id is not None:
            # A rating saved before codes were drawn at rating time: drawn once, kept from now.
            code = facilitator_code(organization_id=organization_id, user_id=facilitator_id)
        yield [
            cell(program),
            cell(cohort),
            number,
            cell(code),
            cell(role),
            done,
            total,
            rate4(Decimal(done) / Decimal(total)),
        ]


def fidelity_tables(scope: ExportScope) -> list[Table]:
    return [Table("fidelity", FIDELITY_COLUMNS, lambda: fidelity_rows(scope))]
