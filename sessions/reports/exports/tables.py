"""The tables each export kind is made of, and the rows of completion, participants and outcomes.

Every number comes from sessions.reports.definitions (completion, attendance, questionnaire
completion, practice) or sessions.reports.outcomes (statistics); this module only arranges them
into rows. Rows are produced lazily, a batch of cohorts or a chunk of responses at a time, so
an export's memory does not grow with the number of rows.

Kinds and their tables:

- completion: one table, one row per cohort and arm;
- participants: one table, one row per enrollment;
- responses: three tables: `responses` (long format, one row per item answer of the latest
  submitted version of each response), `scores` (one row per response) and `dictionary`
  (one row per item of the instruments the programs ask), all made in responses.py;
- outcomes: one table, one row per program/cohort, arm, instrument and score.

The columns and their meanings are in columns.py; the shared types in scope.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count
from django.utils import timezone

from programs.models import Cohort, Enrollment
from sessions.reports.definitions import cohort_summaries, enrollment_facts
from sessions.reports.exports.cells import Cell, cell, p_value, rate4, stat4
from sessions.reports.exports.columns import (
    COMPLETION_COLUMNS,
    DICTIONARY_COLUMNS,
    IDENTIFIABLE_KINDS,
    KINDS,
    OUTCOME_COLUMNS,
    PARTICIPANT_COLUMNS,
    RESPONSE_COLUMNS,
    SCORE_BASE_COLUMNS,
    score_subscale_columns,
    with_identifiers,
)
from sessions.reports.exports.postgres import responses_copy_body
from sessions.reports.exports.responses import dictionary_rows, response_rows, score_rows
from sessions.reports.exports.scope import ExportScope, Table, person_code_of
from sessions.reports.exports.trials import TRIAL_TABLES
from sessions.reports.outcomes import OutcomeSummary, outcome_groups
from sessions.reports.states import (
    EXPORT_STATES,
    CohortState,
    cohort_end_date,
    cohort_state,
    with_session_span,
)
from sessions.rosters import natural_sort_key

# A batch of cohorts is read together up to about this many enrollments (a bigger cohort is
# read on its own): few queries for many small cohorts, bounded memory for big ones.
ENROLLMENT_BATCH = 2000


def _cohort_batches(scope: ExportScope) -> Iterator[list[Cohort]]:
    batch: list[Cohort] = []
    size = 0
    # iterator(): an organization's cohorts are read in chunks, not all held while rows stream.
    # The session span (for each cohort's state and end date) comes as subqueries, so the count
    # of enrollments is not multiplied by a join.
    cohorts = with_session_span(scope.ordered()).annotate(enrollment_count=Count("enrollments"))
    for cohort in cohorts.iterator(chunk_size=100):
        if batch and size + cohort.enrollment_count > ENROLLMENT_BATCH:
            yield batch
            batch, size = [], 0
        batch.append(cohort)
        size += cohort.enrollment_count
    if batch:
        yield batch


def _now(scope: ExportScope) -> dt.datetime:
    return scope.now or timezone.now()


def _cohort_cells(cohort: Cohort, now: dt.datetime) -> list[Cell]:
    """cohort_status, cohort_start_date, cohort_end_date (the overview's rule for the state)."""
    return [
        cell(EXPORT_STATES[cohort_state(cohort, now)]),
        cell(cohort.start_date),
        cell(cohort_end_date(cohort)),
    ]


# --- completion -------------------------------------------------------------------------------


def completion_rows(scope: ExportScope) -> Iterator[list[Cell]]:
    now = _now(scope)
    for batch in _cohort_batches(scope):
        by_pk = {c.pk: c for c in batch}
        for s in cohort_summaries(cohorts=batch, now=now):
            if scope.arm and s.arm != scope.arm:
                continue
            cohort = by_pk[s.cohort.pk]
            finished = cohort_state(cohort, now) == CohortState.FINISHED
            yield [
                cell(s.cohort.program.name),
                cell(s.cohort.name),
                cell(s.arm),
                s.enrolled,
                s.completed,
                # Who completes a course is known only once it is over: until then, no rate.
                rate4(s.completion_rate) if finished else None,
                s.sessions_held,
                rate4(s.attendance_rate),
                s.baseline_completed,
                s.post_completed,
                s.paired_completed,
                rate4(s.practice_adherence),
                *_cohort_cells(cohort, now),
            ]


# --- participants -----------------------------------------------------------------------------


def _local_day(instant: dt.datetime | None, cohort: Cohort) -> dt.date | None:
    return None if instant is None else timezone.localdate(instant, timezone=cohort.zoneinfo)


def participant_rows(scope: ExportScope) -> Iterator[list[Cell]]:
    now = _now(scope)
    for batch in _cohort_batches(scope):
        order = {c.pk: n for n, c in enumerate(batch)}
        by_pk = {c.pk: c for c in batch}
        enrollments: list[Enrollment] = list(
            scope.enrollments()
            .filter(cohort_id__in=order)
            .annotate(person_code=person_code_of("cohort__organization_id", "user_id"))
            .select_related("user")
            .order_by()
        )
        enrollments.sort(key=lambda e: (order[e.cohort_id], natural_sort_key(e.participant_code)))
        for e in enrollments:
            e.cohort = by_pk[e.cohort_id]
        cohort_cells = {c.pk: _cohort_cells(c, now) for c in batch}
        for f in enrollment_facts(enrollments=enrollments, now=now):
            e = f.enrollment
            row: list[Cell] = [cell(e.participant_code)]
            if scope.identifiable:
                # The account's own name only once the person accepted; before, what was typed.
                row += [cell(e.person_full_name), cell(e.user.email)]
            row += [
                cell(e.person_code),  # type: ignore[attr-defined]  # annotated above
                cell(e.cohort.program.name),
                cell(e.cohort.name),
                cell(e.arm),
                cell(e.status),
                f.sessions_held,
                f.sessions_attended,
                cell(f.completed_course),
                cell(f.baseline_completed),
                cell(f.post_completed),
                f.practice_days,
                f.practice_minutes,
                cell(_local_day(e.activated_at, e.cohort)),
                *cohort_cells[e.cohort_id],
            ]
            yield row


# --- outcomes -----------------------------------------------------------------------------------


def _note(summary: OutcomeSummary) -> str:
    notes: list[str] = []
    for note in (summary.t_note, summary.wilcoxon_note, summary.dz_note):
        if note and note not in notes:
            notes.append(note)
    return " ".join(notes)


def outcome_rows(scope: ExportScope) -> Iterator[list[Cell]]:
    for group in outcome_groups(cohorts=scope.cohorts, pooled=scope.pooled):
        if scope.arm and group.arm != scope.arm:
            continue
        for s in group.summaries:
            yield [
                cell(group.program.name),
                cell(group.cohort_label),
                cell(group.arm),
                cell(s.instrument.code),
                cell(s.measure.key),
                cell(s.direction),
                s.n_paired,
                stat4(s.baseline_mean),
                stat4(s.baseline_sd),
                stat4(s.post_mean),
                stat4(s.post_sd),
                stat4(s.mean_change),
                stat4(s.change_sd),
                stat4(s.ci_low),
                stat4(s.ci_high),
                p_value(s.t_p),
                p_value(s.wilcoxon_p),
                stat4(s.dz),
                s.mic,
                s.mic_reached,
                stat4(s.mic_share),
                cell(_note(s)) if _note(s) else None,
            ]


# --- the kinds ----------------------------------------------------------------------------------


def tables_for(kind: str, scope: ExportScope) -> list[Table]:
    """The tables of one export kind, rows not yet read."""
    ident = scope.identifiable and kind in IDENTIFIABLE_KINDS
    if kind == "completion":
        return [Table("completion", COMPLETION_COLUMNS, lambda: completion_rows(scope))]
    if kind == "participants":
        return [
            Table(
                "participants",
                with_identifiers(PARTICIPANT_COLUMNS, ident),
                lambda: participant_rows(scope),
            )
        ]
    if kind == "responses":
        return [
            Table(
                "responses",
                with_identifiers(RESPONSE_COLUMNS, ident),
                lambda: response_rows(scope),
                csv_body=responses_copy_body(scope),
            ),
            Table(
                "scores",
                with_identifiers(SCORE_BASE_COLUMNS, ident) + score_subscale_columns(),
                lambda: score_rows(scope),
            ),
            Table("dictionary", DICTIONARY_COLUMNS, lambda: dictionary_rows(scope)),
        ]
    if kind == "outcomes":
        return [Table("outcomes", OUTCOME_COLUMNS, lambda: outcome_rows(scope))]
    if kind in TRIAL_TABLES:
        return TRIAL_TABLES[kind](scope)
    raise ValueError(f"unknown export kind {kind!r}; choose one of {', '.join(KINDS)}")
