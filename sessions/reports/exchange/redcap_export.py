"""`manage.py export redcap --output DIR`: files for a longitudinal REDCap project.

- data_dictionary.csv: record_id, then one radio field per item of every instrument the scope's
  programs ask, one form per instrument (uploaded on REDCap's Data Dictionary page);
- arms.csv and events.csv: one arm, one event per measurement point (Define My Events);
- instrument_event_mapping.csv: which forms each event asks (Designate Instruments);
- records.csv: one row per participant and measurement point with any sent answers (Data
  Import Tool): record_id (the participant code), redcap_event_name, the answer codes of the
  latest sent version of each response, and each form's status: 2 (Complete) when sent, 0
  (Incomplete) when asked at that point but not sent, empty when not asked there.

Pseudonymous: participant codes only. Row count on the record: the rows of records.csv.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from accounts.models import Organization, User
from programs.instrument_library import Instrument, instrument_get
from programs.models import MeasurementPoint, WindowAnchor
from sessions.questionnaires.models import Assessment
from sessions.questionnaires.services.responses import item_may_be_skipped
from sessions.reports.exchange.recording import exchange_recorded
from sessions.reports.exchange.redcap_names import (
    ARM,
    ARM_COLUMNS,
    ARM_NAME,
    COMPLETE,
    DICTIONARY_COLUMNS,
    EVENT_COLUMN,
    EVENT_COLUMNS,
    INCOMPLETE,
    MAPPING_COLUMNS,
    RECORD_ID,
    ExchangeError,
    choices,
    complete_field,
    event_name,
    field_name,
    form_name,
    unique_event_name,
)
from sessions.reports.exports.responses import latest_submitted_responses
from sessions.reports.exports.scope import ExportScope
from sessions.rosters import natural_sort_key

KIND = "redcap"
FORMAT = "csv"
FILES = (
    "data_dictionary.csv",
    "arms.csv",
    "events.csv",
    "instrument_event_mapping.csv",
    "records.csv",
)


@dataclass(frozen=True)
class Event:
    name: str
    unique_name: str
    label: str


@dataclass
class RedcapFiles:
    """Each file's rows (header first); `records` counts the data rows of records.csv."""

    tables: dict[str, list[Sequence[str]]]
    records: int


def _point_order(point: MeasurementPoint) -> tuple[int, int, int]:
    # Chronological: points measured from the first session, then those from the last one.
    return (0 if point.anchor == WindowAnchor.FIRST_SESSION else 1, point.opens_days, point.pk)


def _events(points: list[MeasurementPoint]) -> dict[str, Event]:
    """One event per point code (the same code in two programs is one event), in time order."""
    events: dict[str, Event] = {}
    taken: dict[str, str] = {}
    for point in sorted(points, key=_point_order):
        if point.code in events:
            continue
        name = event_name(point.code)
        unique = unique_event_name(name)
        if unique in taken:
            raise ExchangeError(
                f"The measurement points “{taken[unique]}” and “{point.code}” would both be the "
                f"REDCap event “{unique}” (REDCap keeps only the first 18 characters of a "
                "name). Give one of them a shorter code."
            )
        taken[unique] = point.code
        events[point.code] = Event(name=name, unique_name=unique, label=point.label)
    return events


def _forms(points: list[MeasurementPoint], answered: Iterable[str]) -> list[Instrument]:
    """Instruments in the order first asked, then any answered but no longer asked."""
    codes: list[str] = []
    for point in sorted(points, key=_point_order):
        for code in [*point.instruments, *point.optional_instruments]:
            if code not in codes:
                codes.append(code)
    codes += sorted(set(answered) - set(codes))
    return [instrument_get(code) for code in codes]


def _dictionary(forms: list[Instrument]) -> list[Sequence[str]]:
    blank = [""] * (len(DICTIONARY_COLUMNS) - 5)
    first = form_name(forms[0]) if forms else "participant"
    rows: list[Sequence[str]] = [
        DICTIONARY_COLUMNS,
        [RECORD_ID, first, "", "text", "Participant code", *blank],
    ]
    for instrument in forms:
        for index, item in enumerate(instrument.items):
            required = "" if item_may_be_skipped(instrument, item.number) else "y"
            row = [""] * len(DICTIONARY_COLUMNS)
            row[0] = field_name(instrument, item)
            row[1] = form_name(instrument)
            # The instructions head the form, as they head the questionnaire in Stillwater.
            row[2] = f"{instrument.name}. {instrument.instructions}" if index == 0 else ""
            row[3] = "radio"
            row[4] = item.text
            row[5] = choices(item)
            row[12] = required
            rows.append(row)
    return rows


def redcap_files(scope: ExportScope) -> RedcapFiles:
    """Every file's rows for the scope's cohorts. Queries: points, assessments, responses."""
    points = list(
        MeasurementPoint.objects.filter(program__cohorts__in=scope.cohorts.values("pk")).distinct()
    )
    responses = list(
        latest_submitted_responses(scope).values_list("assessment_id", "instrument", "answers")
    )
    events = _events(points)
    forms = _forms(points, {code for _a, code, _v in responses})
    answers: dict[int, dict[str, dict[str, int | None]]] = defaultdict(dict)
    for assessment_id, code, values in responses:
        answers[assessment_id][code] = values

    designated: set[tuple[str, str]] = set()
    for point in points:
        for code in [*point.instruments, *point.optional_instruments]:
            designated.add((point.code, code))

    assessments = list(
        Assessment.objects.filter(pk__in=answers.keys()).values_list(
            "pk", "enrollment__participant_code", "measurement_point__code", "instruments"
        )
    )
    event_rank = {code: n for n, code in enumerate(events)}
    assessments.sort(key=lambda a: (natural_sort_key(a[1]), event_rank.get(a[2], len(events))))

    columns: list[str] = [RECORD_ID, EVENT_COLUMN]
    for instrument in forms:
        columns += [field_name(instrument, item) for item in instrument.items]
        columns.append(complete_field(form_name(instrument)))
    records: list[Sequence[str]] = [columns]
    for pk, code, point_code, asked in assessments:
        row = [code, events[point_code].unique_name]
        given = answers[pk]
        for instrument in forms:
            sent = given.get(instrument.code)
            values = sent or {}
            for item in instrument.items:
                value = values.get(str(item.number))
                row.append("" if value is None else str(value))
            if sent is not None:
                row.append(COMPLETE)
                designated.add((point_code, instrument.code))
            elif instrument.code in asked:
                row.append(INCOMPLETE)
                designated.add((point_code, instrument.code))
            else:
                row.append("")
        records.append(row)

    form_rank = {instrument.code: n for n, instrument in enumerate(forms)}
    mapping: list[Sequence[str]] = [MAPPING_COLUMNS]
    mapping += [
        [str(ARM), events[point_code].unique_name, form_name(instrument_get(code))]
        for point_code, code in sorted(
            designated, key=lambda pair: (event_rank[pair[0]], form_rank[pair[1]])
        )
    ]
    return RedcapFiles(
        tables={
            "data_dictionary.csv": _dictionary(forms),
            "arms.csv": [ARM_COLUMNS, [str(ARM), ARM_NAME]],
            "events.csv": [
                EVENT_COLUMNS,
                *([e.name, str(ARM), e.unique_name, e.label] for e in events.values()),
            ],
            "instrument_event_mapping.csv": mapping,
            "records.csv": records,
        },
        records=len(records) - 1,
    )


def csv_bytes(rows: list[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue().encode()


def redcap_export(
    *,
    scope: ExportScope,
    output: Path,
    user: User | None,
    organization: Organization | None,
    filters: dict[str, object],
) -> int:
    """Write the files into the folder `output` (made if missing), recorded and audited; the
    number of records rows written."""
    with exchange_recorded(
        user=user, organization=organization, kind=KIND, fmt=FORMAT, filters=filters
    ) as run:
        files = redcap_files(scope)
        output.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            (output / name).write_bytes(run.add(csv_bytes(files.tables[name])))
        run.rows = files.records
    return files.records
