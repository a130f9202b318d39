"""The tables each export kind is made of: their columns, what each column means, and their rows.

Every number comes from sessions.reports.definitions (completion, attendance, questionnaire
completion, practice) or sessions.reports.outcomes (statistics); this module only arranges them
into rows. Rows are produced lazily, a batch of cohorts or a chunk of responses at a time, so
an export's memory does not grow with the number of rows.

Kinds and their tables:

- completion: one table, one row per cohort and arm;
- participants: one table, one row per enrollment;
- responses: three tables: `responses` (long format, one row per item answer of the latest
  submitted version of each response), `scores` (one row per response) and `dictionary`
  (one row per item of the instruments the programs ask);
- outcomes: one table, one row per program/cohort, arm, instrument and score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, Exists, F, OuterRef, QuerySet, Subquery, When
from django.utils import timezone

from programs.instrument_library import (
    Instrument,
    InstrumentNotFound,
    instrument_get,
    instrument_list,
)
from programs.models import Cohort, Enrollment, PersonCode
from programs.scoring import InvalidAnswers, score
from sessions.questionnaires.models import Response
from sessions.reports import outcomes as outcome_stats
from sessions.reports.definitions import cohort_summaries, enrollment_facts
from sessions.reports.exports.cells import RATE_PLACES, Cell, cell, p_value, rate4, stat4

if TYPE_CHECKING:
    from sessions.reports.exports.writers import Progress

KINDS = ("completion", "participants", "responses", "outcomes")
IDENTIFIABLE_KINDS = ("participants", "responses")
IDENTIFIERS = ("name", "email")

# A batch of cohorts is read together up to about this many enrollments (a bigger cohort is
# read on its own): few queries for many small cohorts, bounded memory for big ones.
ENROLLMENT_BATCH = 2000
CHUNK = 2000

COMPLETION_COLUMNS = (
    "program",
    "cohort",
    "arm",
    "enrolled",
    "completed",
    "completion_rate",
    "sessions_held",
    "attendance_rate",
    "baseline_completed",
    "post_completed",
    "paired_completed",
    "practice_adherence",
)
PARTICIPANT_COLUMNS = (
    "participant_code",
    "person_code",
    "program",
    "cohort",
    "arm",
    "status",
    "sessions_held",
    "sessions_attended",
    "completed_course",
    "baseline_completed",
    "post_completed",
    "practice_days",
    "practice_minutes",
)
RESPONSE_COLUMNS = (
    "participant_code",
    "person_code",
    "program",
    "cohort",
    "arm",
    "measurement_point",
    "instrument",
    "instrument_version",
    "item",
    "value",
    "submitted_at",
    "mode",
)
SCORE_BASE_COLUMNS = (
    "participant_code",
    "person_code",
    "program",
    "cohort",
    "arm",
    "measurement_point",
    "instrument",
    "instrument_version",
    "submitted_at",
    "mode",
    "total",
    "percentage",
    "band",
)
DICTIONARY_COLUMNS = ("instrument", "item", "text", "values", "reverse_scored", "subscale")
OUTCOME_COLUMNS = (
    "program",
    "cohort",
    "arm",
    "instrument",
    "score",
    "direction",
    "n_paired",
    "baseline_mean",
    "baseline_sd",
    "post_mean",
    "post_sd",
    "mean_change",
    "change_sd",
    "change_ci95_low",
    "change_ci95_high",
    "t_test_p",
    "wilcoxon_p",
    "cohens_dz",
    "mic",
    "mic_reached",
    "mic_share",
    "note",
)

# What each column means; a name means the same thing in every file. Printed in the codebook.
COLUMN_MEANINGS: dict[str, str] = {
    "participant_code": "The participant's pseudonymous code in this cohort (one per enrollment); with person_code, the only identifiers unless names were asked for.",
    "person_code": "The person's pseudonymous code in this organization: the same in every export and every cohort of the organization, so one person enrolled in two cohorts has two participant codes and one person code. Drawn at random, it says nothing about the person, and another organization never has the same code for them (its exports cannot be linked to these).",
    "name": "The participant's full name (identifiable exports only): their account's once they accepted the invitation, before that the name typed when they were invited.",
    "email": "The participant's e-mail address (identifiable exports only).",
    "program": "The program's name.",
    "cohort": "The cohort's name; “All cohorts” in outcome rows pooled over a program's cohorts.",
    "arm": "intervention or control.",
    "status": "The enrollment's status: invited (not enrolled yet), active, completed or withdrawn.",
    "enrolled": "See “enrolled” in the definitions.",
    "completed": "See “completed” in the definitions.",
    "completion_rate": "completed / enrolled, a decimal from 0 to 1 with 4 places (half up); empty for a control arm or when no one is enrolled.",
    "sessions_held": "See “sessions held” in the definitions (per cohort and arm in the completion file, per participant in the participants file).",
    "attendance_rate": "Sessions attended / sessions held over the arm's enrolled participants, 0 to 1 with 4 places; empty until a session is held.",
    "baseline_completed": "Completion file: enrolled participants who sent every baseline questionnaire. Participants file: 1 if this participant did, else 0.",
    "post_completed": "As baseline_completed, for the post measurement point.",
    "paired_completed": "Enrolled participants who completed both baseline and post.",
    "practice_adherence": "Practice days / days in the program so far, 0 to 1 with 4 places; empty before the program's first day.",
    "sessions_attended": "See “sessions attended” in the definitions.",
    "completed_course": "1 if the participant attended at least the program's threshold of sessions, else 0.",
    "practice_days": "See “practice days” in the definitions.",
    "practice_minutes": "See “practice minutes” in the definitions.",
    "measurement_point": "baseline or post (or another point of the program's questionnaire plan).",
    "instrument": "The instrument's code, e.g. phq9 (see the dictionary).",
    "instrument_version": "The version of the instrument's definition the answers were given to.",
    "item": "The item's number within the instrument.",
    "value": "The answer as given (raw, before any reverse scoring); empty when the item was left blank.",
    "submitted_at": "When the response was sent, in UTC (ISO 8601). Only the latest sent version of a response is exported: a staff correction replaces the answers it corrects.",
    "mode": "self (the participant), phone (read out by staff) or in_person (entered by staff).",
    "total": "The total score from the raw answers (prorated and rounded half up where the instrument allows missing items); empty if it could not be scored.",
    "percentage": "WHO-5 only: total times 4 (0 to 100).",
    "band": "The score band (staff only; “convention” bands are descriptive).",
    "text": "The item's wording.",
    "values": "The answer values the item offers, with their labels.",
    "reverse_scored": "1 if the item is reverse scored when the total or subscale is computed, else 0.",
    "subscale": "The subscale(s) the item belongs to; “(not scored)” for an unscored item.",
    "score": "Which score: total, percentage (WHO-5) or a subscale.",
    "direction": "Whether a lower or a higher score is better.",
    "n_paired": "Participants with this score at both baseline and post.",
    "baseline_mean": "Mean baseline score of the paired participants (4 places).",
    "baseline_sd": "Standard deviation (n - 1) of those baseline scores.",
    "post_mean": "Mean post score of the paired participants.",
    "post_sd": "Standard deviation (n - 1) of those post scores.",
    "mean_change": "Mean of post - baseline.",
    "change_sd": "Standard deviation (n - 1) of the changes.",
    "change_ci95_low": "Lower end of the 95% confidence interval of the mean change (t distribution, n - 1 degrees of freedom).",
    "change_ci95_high": "Upper end of that interval.",
    "t_test_p": "Two-sided p of the paired t-test (scipy.stats.ttest_rel), 4 significant digits.",
    "wilcoxon_p": "Two-sided p of the Wilcoxon signed-rank test on the changes (scipy.stats.wilcoxon, zero changes dropped), 4 significant digits.",
    "cohens_dz": "Effect size: mean change / standard deviation of the changes.",
    "mic": "The published minimal important change for this score (empty if none).",
    "mic_reached": "Paired participants whose change is at least the minimal important change in the improving direction.",
    "mic_share": "mic_reached / n_paired, 0 to 1 with 4 places.",
    "note": "Why a statistic is empty (too few pairs, no variation in the changes).",
}


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


def _with_identifiers(columns: tuple[str, ...], identifiable: bool) -> tuple[str, ...]:
    if not identifiable:
        return columns
    return (columns[0], *IDENTIFIERS, *columns[1:])


def _cohort_batches(scope: ExportScope) -> Iterator[list[Cohort]]:
    batch: list[Cohort] = []
    size = 0
    # iterator(): an organization's cohorts are read in chunks, not all held while rows stream.
    cohorts = scope.ordered().annotate(enrollment_count=Count("enrollments"))
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


# --- completion -------------------------------------------------------------------------------


def completion_rows(scope: ExportScope) -> Iterator[list[Cell]]:
    now = _now(scope)
    for batch in _cohort_batches(scope):
        for s in cohort_summaries(cohorts=batch, now=now):
            yield [
                cell(s.cohort.program.name),
                cell(s.cohort.name),
                cell(s.arm),
                s.enrolled,
                s.completed,
                rate4(s.completion_rate),
                s.sessions_held,
                rate4(s.attendance_rate),
                s.baseline_completed,
                s.post_completed,
                s.paired_completed,
                rate4(s.practice_adherence),
            ]


# --- participants -----------------------------------------------------------------------------


def participant_rows(scope: ExportScope) -> Iterator[list[Cell]]:
    now = _now(scope)
    for batch in _cohort_batches(scope):
        order = {c.pk: n for n, c in enumerate(batch)}
        by_pk = {c.pk: c for c in batch}
        enrollments = list(
            Enrollment.objects.filter(cohort_id__in=order)
            .annotate(person_code=person_code_of("cohort__organization_id", "user_id"))
            .select_related("user")
            .order_by()
        )
        enrollments.sort(key=lambda e: (order[e.cohort_id], e.participant_code))
        for e in enrollments:
            e.cohort = by_pk[e.cohort_id]
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
            ]
            yield row


# --- responses, scores, dictionary ----------------------------------------------------------


def latest_submitted_responses(scope: ExportScope) -> QuerySet[Response]:
    """The latest submitted version of every response of the scope's participants, in file order."""
    newer = Response.objects.filter(
        assessment_id=OuterRef("assessment_id"),
        instrument=OuterRef("instrument"),
        version__gt=OuterRef("version"),
        submitted_at__isnull=False,
    )
    return (
        Response.objects.filter(
            assessment__enrollment__cohort__in=scope.cohorts.values("pk"),
            submitted_at__isnull=False,
        )
        .exclude(Exists(newer))
        .order_by(
            "assessment__enrollment__cohort__program__name",
            "assessment__enrollment__cohort__start_date",
            "assessment__enrollment__cohort__name",
            "assessment__enrollment__cohort_id",
            "assessment__enrollment__participant_code",
            "assessment__opens_at",
            "assessment_id",
            "instrument",
        )
    )


RESPONSE_FIELDS = (
    "assessment__enrollment__participant_code",
    "person_full_name",
    "assessment__enrollment__user__email",
    "person_code",
    "assessment__enrollment__cohort__program__name",
    "assessment__enrollment__cohort__name",
    "assessment__enrollment__arm",
    "assessment__measurement_point__kind",
    "instrument",
    "instrument_version",
    "submitted_at",
    "mode",
    "answers",
)


# Enrollment.person_full_name in SQL: the account's name once the person accepted the
# enrollment, else the name the coordinator typed (an organization that only typed an address
# in learns nothing from the account).
PERSON_FULL_NAME = Case(
    When(
        assessment__enrollment__accepted_at__isnull=False,
        then=F("assessment__enrollment__user__full_name"),
    ),
    default=F("assessment__enrollment__invited_name"),
)


def _response_values(scope: ExportScope) -> Iterator[tuple[Any, ...]]:
    return (
        latest_submitted_responses(scope)
        .annotate(
            person_full_name=PERSON_FULL_NAME,
            person_code=person_code_of(
                "assessment__enrollment__cohort__organization_id", "assessment__enrollment__user_id"
            ),
        )
        .values_list(*RESPONSE_FIELDS)
        .iterator(CHUNK)
    )


# Values before these positions are the lead columns (_lead); from them on, the response's own.
LEAD_FIELDS = 8


def _lead(values: tuple[Any, ...], identifiable: bool) -> list[Cell]:
    code, name, email, person, program, cohort, arm, point = values[:LEAD_FIELDS]
    lead = [cell(code)]
    if identifiable:
        lead += [cell(name), cell(email)]
    return [*lead, cell(person), cell(program), cell(cohort), cell(arm), cell(point)]


def _item_sort_key(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (10**9, key)


def response_rows(scope: ExportScope) -> Iterator[list[Cell]]:
    for values in _response_values(scope):
        instrument, version, submitted_at, mode, answers = values[LEAD_FIELDS:]
        lead = _lead(values, scope.identifiable)
        tail_submitted, tail_mode = cell(submitted_at), cell(mode)
        for key in sorted(answers, key=_item_sort_key):
            value = answers[key]
            yield [
                *lead,
                cell(instrument),
                cell(version),
                int(key) if key.isdigit() else cell(key),
                value if isinstance(value, int) and not isinstance(value, bool) else cell(value),
                tail_submitted,
                tail_mode,
            ]


def score_subscale_columns() -> tuple[str, ...]:
    """One column per subscale of every shipped instrument, `<code>_<subscale>`, fixed order."""
    return tuple(
        f"{instrument.code}_{subscale.name}"
        for instrument in instrument_list()
        for subscale in instrument.subscales
    )


def _subscale(value: int | Decimal | None) -> Cell:
    # Mean subscales (MAIA-2) are exact quotients; 4 places, as every other statistic here.
    if isinstance(value, Decimal):
        return value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    return value


def score_rows(scope: ExportScope) -> Iterator[list[Cell]]:
    subscale_columns = score_subscale_columns()
    for values in _response_values(scope):
        code, version, submitted_at, mode, answers = values[LEAD_FIELDS:]
        row = [*_lead(values, scope.identifiable), cell(code), cell(version)]
        row += [cell(submitted_at), cell(mode)]
        subscales: dict[str, Cell] = {}
        try:
            result = score(code, {int(k): v for k, v in answers.items()})
        except (InvalidAnswers, InstrumentNotFound, ValueError):
            row += [None, None, None]
        else:
            row += [result.total, result.percentage, cell(result.band)]
            subscales = {f"{code}_{name}": _subscale(v) for name, v in result.subscales.items()}
        row += [subscales.get(column) for column in subscale_columns]
        yield row


def _values_text(instrument: Instrument, number: int) -> str:
    item = instrument.item(number)
    return "; ".join(f"{o.value} = {o.label}" for o in item.response_options)


def dictionary_rows(scope: ExportScope) -> Iterator[list[Cell]]:
    program_ids = set(scope.cohorts.values_list("program_id", flat=True))
    codes: list[str] = []
    for planned in outcome_stats.planned_instruments(program_ids).values():
        codes += [code for code in planned if code not in codes]
    for code in sorted(codes):
        try:
            instrument = instrument_get(code)
        except InstrumentNotFound:
            continue
        for item in instrument.items:
            names = [s.name for s in instrument.subscales if item.number in s.items]
            subscale = "; ".join(names) if item.scored else "(not scored)"
            yield [
                cell(code),
                item.number,
                cell(item.text),
                cell(_values_text(instrument, item.number)),
                cell(item.number in instrument.reverse_items),
                cell(subscale),
            ]


# --- outcomes -----------------------------------------------------------------------------------


def _note(summary: outcome_stats.OutcomeSummary) -> str:
    notes: list[str] = []
    for note in (summary.t_note, summary.wilcoxon_note, summary.dz_note):
        if note and note not in notes:
            notes.append(note)
    return " ".join(notes)


def outcome_rows(scope: ExportScope) -> Iterator[list[Cell]]:
    for group in outcome_stats.outcome_groups(cohorts=scope.cohorts, pooled=scope.pooled):
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
                _with_identifiers(PARTICIPANT_COLUMNS, ident),
                lambda: participant_rows(scope),
            )
        ]
    if kind == "responses":
        from sessions.reports.exports.postgres import responses_copy_body

        return [
            Table(
                "responses",
                _with_identifiers(RESPONSE_COLUMNS, ident),
                lambda: response_rows(scope),
                csv_body=responses_copy_body(scope),
            ),
            Table(
                "scores",
                _with_identifiers(SCORE_BASE_COLUMNS, ident) + score_subscale_columns(),
                lambda: score_rows(scope),
            ),
            Table("dictionary", DICTIONARY_COLUMNS, lambda: dictionary_rows(scope)),
        ]
    if kind == "outcomes":
        return [Table("outcomes", OUTCOME_COLUMNS, lambda: outcome_rows(scope))]
    raise ValueError(f"unknown export kind {kind!r}; choose one of {', '.join(KINDS)}")


def column_meaning(column: str) -> str:
    if column in COLUMN_MEANINGS:
        return COLUMN_MEANINGS[column]
    code, _, subscale = column.partition("_")
    return f"The {subscale.replace('_', ' ')} subscale of {code} (sum or mean, as the instrument defines it)."
