"""The consort and comparison exports: every study with a cohort in the scope.

consort: one row per stage (and arm, and reason), the numbers of the CONSORT flow page.
comparison: one row per score, point and arm against the comparator, the numbers of the
results page, statistics with 4 places and p-values with 4 significant digits. Both come from
sessions.reports.trial_results, so a file and its page cannot disagree. Studies in a
reproducible order: program, then study name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import QuerySet

from sessions.reports.exports.cells import Cell, cell, p_value, stat4
from sessions.reports.exports.columns import COMPARISON_COLUMNS, CONSORT_COLUMNS
from sessions.reports.exports.scope import ExportScope, Table
from sessions.reports.trial_results import comparison_rows, consort_flow
from sessions.trials.models import Study


def _studies(scope: ExportScope) -> QuerySet[Study]:
    return (
        Study.objects.filter(pk__in=Study.objects.filter(cohorts__in=scope.cohorts).values("pk"))
        .select_related("program")
        .order_by("program__name", "name", "pk")
    )


def _consort_rows(scope: ExportScope) -> Iterator[Sequence[Cell]]:
    for study in _studies(scope):
        for row in consort_flow(study=study, now=scope.now).rows:
            yield [
                cell(study.program.name),
                cell(study.name),
                cell(row.stage),
                cell(row.arm.code if row.arm is not None else ""),
                cell(row.count),
                cell(row.reason),
            ]


def _comparison_rows(scope: ExportScope) -> Iterator[Sequence[Cell]]:
    for study in _studies(scope):
        for row in comparison_rows(study=study, now=scope.now):
            result = row.result
            yield [
                cell(study.program.name),
                cell(study.name),
                cell(row.instrument.code),
                cell(row.measure.key),
                cell(row.point.code),
                cell(row.arm.code),
                cell(row.control_arm.code),
                cell(row.n_arm),
                cell(row.n_control),
                cell(stat4(result.arm.mean)),
                cell(stat4(result.control.mean)),
                cell(stat4(result.difference.estimate)),
                cell(stat4(result.difference.ci_low)),
                cell(stat4(result.difference.ci_high)),
                cell(stat4(result.ancova.estimate)),
                cell(stat4(result.ancova.ci_low)),
                cell(stat4(result.ancova.ci_high)),
                cell(p_value(result.ancova.p)),
                cell(stat4(result.hedges_g)),
            ]


def consort_tables(scope: ExportScope) -> list[Table]:
    return [Table("consort", CONSORT_COLUMNS, lambda: _consort_rows(scope))]


def comparison_tables(scope: ExportScope) -> list[Table]:
    return [Table("comparison", COMPARISON_COLUMNS, lambda: _comparison_rows(scope))]
