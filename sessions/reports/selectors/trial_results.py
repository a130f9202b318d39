"""Reads of a randomized study's results for pages that already checked who may see the study
(sessions.trials.selectors.study_get_for_coordinator): the between-arm comparisons and the
CONSORT flow, computed in sessions.reports.trial_results (the exports use them from there)."""

from __future__ import annotations

from sessions.reports.consort import ConsortFlow, ConsortRow
from sessions.reports.trial_results import ComparisonRow, comparison_rows, consort_flow

__all__ = ["ComparisonRow", "ConsortFlow", "ConsortRow", "comparison_rows", "consort_flow"]
