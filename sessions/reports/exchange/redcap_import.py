"""`manage.py import redcap FILE`: answers given on paper or by phone, from a REDCap records file.

The file has the shape `export redcap` writes (records.csv): record_id (participant code),
redcap_event_name (a measurement point as "<code>_arm_1"), "<form>_<item>" answer codes and
"<form>_complete". A form marked 2 (Complete) is imported; a form with no answers is passed
over whatever its status; answers under any other status are a problem (only finished forms
come in, as staff send only finished answers).

Checked like staff entry (sessions.questionnaires.services.corrections): the participant
accepted the invitation and the current consent, the questionnaire is asked at that point, every
answer is one the item offers, and the answers are complete as the instrument requires. One
difference, on purpose: a window that has opened takes answers even after it closed, since paper
answers arrive late; a window not open yet takes none. A response already sent with the same
answers is passed over, so importing a file twice changes nothing; with other answers it is a
problem, because corrections are made in Stillwater, with a reason.

All or nothing: every line is checked first and every problem reported as "Line N: ..." (N
counts the file's lines, the header being line 1); only a file without problems is saved, in
one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import OuterRef
from django.utils import formats, timezone

from accounts.audit import audit_record
from accounts.consent import consent_current_accepted
from accounts.models import AuditAction, Organization, User
from programs.instrument_library import Instrument, Item, instrument_list
from programs.models import Enrollment, MeasurementPoint
from programs.scoring import InvalidAnswers, score
from sessions.questionnaires.models import Assessment, Response, ResponseMode
from sessions.questionnaires.services.corrections import STAFF_MODES, staff_entry_refusal
from sessions.questionnaires.services.responses import (
    ResponseError,
    item_may_be_skipped,
    response_submit,
)
from sessions.reports.exchange.redcap_names import (
    COMPLETE,
    EVENT_COLUMN,
    RECORD_ID,
    ExchangeError,
    complete_field,
    event_name,
    field_name,
    form_name,
    unique_event_name,
)
from sessions.reports.services import COMMAND_LINE

# Columns REDCap adds to its own exports; they carry nothing Stillwater keeps.
REDCAP_OWN_COLUMNS = frozenset(
    {
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
        "redcap_data_access_group",
        "redcap_survey_identifier",
    }
)
STATUSES = ("", "0", "1", "2")


class ImportProblems(ExchangeError):
    """The file cannot be imported; `problems` are its "Line N: ..." sentences."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    rows: int
    imported: int
    unchanged: int


@dataclass
class _Save:
    line: int
    assessment: Assessment
    instrument: Instrument
    answers: dict[int, int | None]
    draft: Response | None


@dataclass
class _Columns:
    # Column index of record_id and redcap_event_name; per form, its fields and status column.
    record: int
    event: int
    fields: dict[str, list[tuple[Item, int]]] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)


def _columns(header: list[str]) -> tuple[_Columns | None, list[str]]:
    known: dict[str, tuple[Instrument, Item | None]] = {}
    for instrument in instrument_list():
        known[complete_field(form_name(instrument))] = (instrument, None)
        for item in instrument.items:
            known[field_name(instrument, item)] = (instrument, item)
    forms = {form_name(instrument) for instrument in instrument_list()}
    problems: list[str] = []
    names = [name.strip() for name in header]
    for needed in (RECORD_ID, EVENT_COLUMN):
        if needed not in names:
            problems.append(f"Line 1: there is no {needed} column.")
    seen: set[str] = set()
    fields: dict[str, list[tuple[Item, int]]] = {}
    status: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in seen:
            problems.append(f"Line 1: the column {name} appears twice.")
        seen.add(name)
        if name in (RECORD_ID, EVENT_COLUMN) or name in REDCAP_OWN_COLUMNS:
            continue
        if name.endswith("_timestamp") and name.removesuffix("_timestamp") in forms:
            continue
        if name not in known:
            problems.append(
                f"Line 1: the column “{name}” is not a Stillwater question; the columns are "
                "those of records.csv from manage.py export redcap."
            )
            continue
        owner, question = known[name]
        if question is None:
            status[owner.code] = index
        else:
            fields.setdefault(owner.code, []).append((question, index))
    if problems:
        return None, problems
    return _Columns(names.index(RECORD_ID), names.index(EVENT_COLUMN), fields, status), []


def _rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and each data row with the line it starts on (a quoted value may hold line
    breaks, so rows and lines can differ)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, [])
    rows: list[tuple[int, list[str]]] = []
    start = reader.line_num + 1
    for row in reader:
        if any(value.strip() for value in row):
            rows.append((start, row))
        start = reader.line_num + 1
    return header, rows


def _answers(
    line: int, instrument: Instrument, given: dict[int, str], problems: list[str]
) -> dict[int, int | None] | None:
    """The form's answers as numbers, or None after adding its problems."""
    answers: dict[int, int | None] = {}
    before = len(problems)
    for item in instrument.items:
        text = given.get(item.number, "").strip()
        if not text:
            answers[item.number] = None
            continue
        value = int(text) if text.lstrip("-").isdigit() else None
        if value is None or value not in item.values:
            offered = ", ".join(str(v) for v in sorted(item.values))
            problems.append(
                f"Line {line}: {field_name(instrument, item)} is “{text}”, not one of the "
                f"answers it offers ({offered})."
            )
            continue
        answers[item.number] = value
    if len(problems) > before:
        return None
    for item in instrument.items:
        if answers[item.number] is None and not item_may_be_skipped(instrument, item.number):
            problems.append(
                f"Line {line}: {instrument.short_name} question {item.number} "
                f"({field_name(instrument, item)}) has no answer, and it may not be left out."
            )
    missing = [i.number for i in instrument.scored_items if answers[i.number] is None]
    allowed = instrument.total.max_missing
    if allowed and len(missing) > allowed:
        problems.append(
            f"Line {line}: at most {allowed} question{'s' if allowed != 1 else ''} of the "
            f"{instrument.short_name} may be left out; {len(missing)} are."
        )
    if len(problems) > before:
        return None
    try:
        score(instrument.code, answers)
    except InvalidAnswers as exc:
        problems.append(f"Line {line}: the {instrument.short_name} answers cannot be used ({exc}).")
        return None
    return answers


def _same(response: Response, answers: dict[int, int | None]) -> bool:
    stored = response.answer_map()
    return all(stored.get(number) == value for number, value in answers.items())


def _date(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y")


def redcap_records_check(
    *, organization: Organization, text: str, now: dt.datetime
) -> tuple[list[_Save], int, int]:
    """What the file would save, rows read and responses already there; ImportProblems if any."""
    header, rows = _rows(text)
    if not header:
        raise ImportProblems(["Line 1: the file is empty; it needs a header row."])
    columns, problems = _columns(header)
    if columns is None:
        raise ImportProblems(problems)
    codes = {row[columns.record].strip() for _line, row in rows if len(row) > columns.record}
    enrollments = {
        e.participant_code: e
        for e in Enrollment.objects.filter(
            cohort__organization=organization, participant_code__in=codes
        )
        .select_related("cohort__program")
        .annotate(consented=consent_current_accepted(OuterRef("user_id")))
    }
    assessments: dict[tuple[int, str], Assessment] = {}
    events: dict[int, list[str]] = {}
    for found in Assessment.objects.filter(enrollment__in=enrollments.values()).select_related(
        "measurement_point", "enrollment"
    ):
        unique = unique_event_name(event_name(found.measurement_point.code))
        assessments[(found.enrollment_id, unique)] = found
    programs: dict[int, list[str]] = {}
    for program_id, point_code in MeasurementPoint.objects.filter(
        program_id__in={e.cohort.program_id for e in enrollments.values()}
    ).values_list("program_id", "code"):
        programs.setdefault(program_id, []).append(unique_event_name(event_name(point_code)))
    for each in enrollments.values():
        events[each.pk] = programs.get(each.cohort.program_id, [])
    latest: dict[tuple[int, str], Response] = {}
    for response in Response.objects.filter(assessment__in=assessments.values()).order_by(
        "version"
    ):
        latest[(response.assessment_id, response.instrument)] = response

    saves: list[_Save] = []
    unchanged = 0
    first_line: dict[tuple[str, str], int] = {}
    width = len(header)
    for line, row in rows:
        if len(row) != width:
            problems.append(
                f"Line {line}: it has {len(row)} values but the header has {width} columns."
            )
            continue
        code, event = row[columns.record].strip(), row[columns.event].strip()
        enrollment = enrollments.get(code)
        if not code:
            problems.append(f"Line {line}: record_id is empty.")
            continue
        if enrollment is None:
            problems.append(
                f"Line {line}: no participant of {organization.name} has the code “{code}”."
            )
            continue
        if event not in events[enrollment.pk]:
            names = ", ".join(events[enrollment.pk]) or "none"
            problems.append(
                f"Line {line}: “{event}” is not an event of {enrollment.cohort.program.name}; "
                f"its events are {names}."
            )
            continue
        if (code, event) in first_line:
            problems.append(
                f"Line {line}: {code} at {event} is already on line {first_line[(code, event)]}."
            )
            continue
        first_line[(code, event)] = line
        assessment = assessments.get((enrollment.pk, event))
        if assessment is None or now < assessment.opens_at:
            opens = f" (it opens on {_date(assessment.opens_at)})" if assessment else ""
            problems.append(
                f"Line {line}: the questionnaires of {code} at {event} are not open yet{opens}, "
                "so no answers can be imported for them."
            )
            continue
        refusal = staff_entry_refusal(
            enrollment=enrollment,
            consented=enrollment.consented,  # type: ignore[attr-defined]
        )
        refused = False
        for instrument in instrument_list():
            fields = columns.fields.get(instrument.code, [])
            given = {item.number: row[index] for item, index in fields}
            has_answers = any(value.strip() for value in given.values())
            status_at = columns.status.get(instrument.code)
            status = row[status_at].strip() if status_at is not None else ""
            status_name = complete_field(form_name(instrument))
            if status not in STATUSES:
                problems.append(
                    f"Line {line}: {status_name} is “{status}”; REDCap's form status is 0 "
                    "(Incomplete), 1 (Unverified) or 2 (Complete)."
                )
                continue
            if status != COMPLETE:
                if has_answers:
                    problems.append(
                        f"Line {line}: the {instrument.short_name} has answers but {status_name} "
                        f"is “{status}”; only forms marked 2 (Complete) are imported."
                    )
                continue
            if instrument.code not in assessment.instruments:
                problems.append(
                    f"Line {line}: the {instrument.short_name} is not asked at {event}."
                )
                continue
            answers = _answers(line, instrument, given, problems)
            if answers is None:
                continue
            existing = latest.get((assessment.pk, instrument.code))
            if existing is not None and existing.is_submitted:
                if _same(existing, answers):
                    unchanged += 1
                else:
                    problems.append(
                        f"Line {line}: the {instrument.short_name} answers of {code} at {event} "
                        "were already sent, with other answers. Correct them in Stillwater, "
                        "with a reason, instead."
                    )
                continue
            # Asked only of what would be saved: answers already in Stillwater pass unchanged.
            if refusal is not None:
                if not refused:
                    problems.append(f"Line {line}: {code}: {refusal.short}")
                refused = True
                continue
            saves.append(_Save(line, assessment, instrument, answers, existing))
    if problems:
        raise ImportProblems(problems)
    return saves, len(rows), unchanged


def _save(save: _Save, *, by: User | None, mode: str, now: dt.datetime) -> None:
    """Save one form's answers and send them as staff entry does (scored, safety events raised,
    the measurement point completed once every questionnaire is in), late if need be."""
    answers = {str(number): value for number, value in save.answers.items()}
    if save.draft is None:
        response = Response.objects.create(
            assessment=save.assessment,
            instrument=save.instrument.code,
            instrument_version=save.instrument.version,
            answers=answers,
            mode=mode,
            entered_by=by,
        )
    else:
        # The participant began it online; the answers on paper are the whole set they gave.
        response = Response.objects.select_for_update().get(pk=save.draft.pk)
        if response.is_submitted:
            raise ImportProblems(
                [
                    f"Line {save.line}: the {save.instrument.short_name} answers were sent while "
                    "the file was being imported. Nothing was imported; import the file again."
                ]
            )
        response.answers, response.mode, response.entered_by = answers, mode, by
        response.save(update_fields=["answers", "mode", "entered_by", "updated_at"])
    try:
        response_submit(response=response, now=now, late_allowed=True)
    except ResponseError as exc:
        raise ImportProblems([f"Line {save.line}: {exc}"]) from exc


def redcap_import(
    *,
    organization: Organization,
    text: str,
    by: User | None,
    mode: str = ResponseMode.IN_PERSON,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Check a records file, then save every complete form in it, in one transaction."""
    if mode not in STAFF_MODES:
        raise ExchangeError("Say how the answers were given: phone or in_person.")
    now = now or timezone.now()
    saves, rows, unchanged = redcap_records_check(organization=organization, text=text, now=now)
    with transaction.atomic():
        for save in saves:
            _save(save, by=by, mode=mode, now=now)
        # Part of the import: if the event cannot be written, nothing is imported.
        audit_record(
            request=None,
            actor=by,
            actor_email=COMMAND_LINE,
            action=AuditAction.ANSWERS_IMPORTED,
            organization=organization,
            details={
                "source": "REDCap records file",
                "mode": mode,
                "lines": rows,
                "imported": len(saves),
                "unchanged": unchanged,
            },
            participant_codes={save.assessment.enrollment.participant_code for save in saves},
        )
    return ImportResult(rows=rows, imported=len(saves), unchanged=unchanged)
