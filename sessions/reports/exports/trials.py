"""The export kinds of randomized studies, each made in its own module.

allocations (allocations.py), screening (screening.py), consort and comparison
(trial_results.py), fidelity (fidelity.py); their columns are in columns.py.
"""

from __future__ import annotations

from collections.abc import Callable

from sessions.reports.exports.allocations import allocation_tables
from sessions.reports.exports.fidelity import fidelity_tables
from sessions.reports.exports.scope import ExportScope, Table
from sessions.reports.exports.screening import screening_tables
from sessions.reports.exports.trial_results import comparison_tables, consort_tables

TRIAL_TABLES: dict[str, Callable[[ExportScope], list[Table]]] = {
    "allocations": allocation_tables,
    "screening": screening_tables,
    "consort": consort_tables,
    "comparison": comparison_tables,
    "fidelity": fidelity_tables,
}
