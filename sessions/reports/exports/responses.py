"""The tables of the responses export: answers item by item, scores, and the data dictionary.

- `responses` (long format): one row per item answer of the latest submitted version of each
  response; on PostgreSQL its CSV body comes from postgres.py instead, byte for byte the same;
- `scores`: one row per response, its total, percentage, band and subscales;
- `dictionary`: one row per item of the instruments the programs ask.

Rows are read a chunk of responses at a time, so memory does not grow with the answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Case, F, QuerySet, When

from programs.instrument_library import Instrument, InstrumentNotFound, instrument_get
from programs.scoring import InvalidAnswers, score
from sessions.questionnaires.models import Response
from sessions.questionnaires.selectors import response_list_latest_submitted
from sessions.reports.exports.cells import RATE_PLACES, Cell, cell
from sessions.reports.exports.columns import score_subscale_columns
from sessions.reports.exports.scope import ExportScope, person_code_of
from sessions.reports.outcomes import planned_instruments

# Participants whose responses are read together: one query per chunk, memory bounded by it.
ENROLLMENT_CHUNK = 200


def latest_submitted_responses(scope: ExportScope) -> QuerySet[Response]:
    """The latest submitted version of every response of the scope's participants, in file order
    within one participant (the participants' own order is ExportScope.enrollment_order)."""
    return (
        response_list_latest_submitted()
        .filter(assessment__enrollment__in=scope.enrollments())
        .order_by("assessment__opens_at", "assessment_id", "instrument")
    )


RESPONSE_FIELDS = (
    "assessment__enrollment__participant_code",
    "person_full_name",
    "assessment__enrollment__user__email",
    "person_code",
    "assessment__enrollment__cohort__program__name",
    "assessment__enrollment__cohort__name",
    "assessment__enrollment__arm",
    "assessment__measurement_point__code",
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
    """Response values in file order: a chunk of participants at a time, each chunk's responses
    read in one query and put in the participants' natural order (which SQL cannot say the same
    way on SQLite and PostgreSQL), so memory is bounded by the chunk, not the export."""
    order = scope.enrollment_order
    responses = latest_submitted_responses(scope).annotate(
        person_full_name=PERSON_FULL_NAME,
        person_code=person_code_of(
            "assessment__enrollment__cohort__organization_id", "assessment__enrollment__user_id"
        ),
    )
    for start in range(0, len(order), ENROLLMENT_CHUNK):
        chunk = order[start : start + ENROLLMENT_CHUNK]
        rank = {pk: n for n, pk in enumerate(chunk)}
        found = list(
            responses.filter(assessment__enrollment_id__in=chunk).values_list(
                *RESPONSE_FIELDS, "assessment__enrollment_id"
            )
        )
        # A stable sort: each participant's responses keep the query's order.
        found.sort(key=lambda values: rank[values[-1]])
        for values in found:
            yield values[:-1]


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
    for planned in planned_instruments(program_ids, every_point=True).values():
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
