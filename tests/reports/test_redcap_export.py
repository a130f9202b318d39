"""manage.py export redcap: a data dictionary, events and records a longitudinal REDCap project takes."""

from __future__ import annotations

import csv
import hashlib
import io
import re

import pytest
import time_machine
from django.core.management import CommandError, call_command

from accounts.models import AuditAction, AuditEvent
from programs.instrument_library import instrument_get
from sessions.reports.exchange.redcap_names import DICTIONARY_COLUMNS, unique_event_name
from sessions.reports.models import ExportRecord
from tests.factories import EnrollmentFactory
from tests.questionnaires.test_questionnaire_staff import (
    NOW,
    assessment,
    mbsr_cohort,
    phq9,
    respond,
)

pytestmark = pytest.mark.django_db

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# REDCap's own columns in a records file, not in any data dictionary: the event of the row
# and each form's status ("<form>_complete").
REDCAP_OWN = "redcap_event_name"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def answered(organization, other_organization):
    cohort = mbsr_cohort(organization, [])
    for n in range(3):
        enrollment = EnrollmentFactory(cohort=cohort, participant_code=f"RV-{n}")
        baseline = assessment(enrollment, "baseline")
        answers = phq9(6 + n, 0)
        answers[10] = None  # the difficulty item may be left out
        respond(baseline, "phq9", answers)
        respond(baseline, "who5", {1: 3, 2: n, 3: 3, 4: 2, 5: 5})
        respond(assessment(enrollment, "post"), "gad7", dict.fromkeys(range(1, 9), n))
    first = respond(
        assessment(EnrollmentFactory(cohort=cohort, participant_code="RV-9"), "baseline"),
        "phq9",
        phq9(4, 0),
    )
    respond(first.assessment, "phq9", phq9(7, 0), version=2, supersedes=first, reason="Misread")
    elsewhere = EnrollmentFactory(
        cohort=mbsr_cohort(other_organization, []), participant_code="HV-1"
    )
    respond(assessment(elsewhere, "baseline"), "phq9", phq9(9, 0))
    return cohort


def export(folder, *args):
    err = io.StringIO()
    call_command("export", "redcap", "--output", str(folder), *args, stderr=err)
    return err.getvalue()


def read(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def table(path):
    rows = read(path)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def files(tmp_path, answered):
    export(tmp_path / "redcap", "--organization", "riverside")
    return tmp_path / "redcap"


def test_the_dictionary_has_redcaps_columns_and_valid_unique_field_names(files):
    rows = read(files / "data_dictionary.csv")
    assert tuple(rows[0]) == DICTIONARY_COLUMNS
    assert rows[0][:2] == ["Variable / Field Name", "Form Name"]
    names = [row[0] for row in rows[1:]]
    assert names[0] == "record_id"
    assert len(names) == len(set(names))
    for name in names:
        assert FIELD_NAME.match(name), name
        assert len(name) <= 100, name
    forms = [row[1] for row in rows[1:]]
    for form in forms:
        assert FIELD_NAME.match(form), form
    # One form per instrument of the program, in the order asked, each with all its items.
    assert list(dict.fromkeys(forms)) == [
        "pss10", "gad7", "phq9", "mfis21", "ucla3", "who5", "maia2", "ffmq15"
    ]  # fmt: skip
    for code in dict.fromkeys(forms):
        items = [row for row in rows[1:] if row[1] == code and row[0] != "record_id"]
        assert len(items) == len(instrument_get(code).items)


def test_radio_choices_are_the_instruments_answers(files):
    rows = table(files / "data_dictionary.csv")
    by_name = {row["Variable / Field Name"]: row for row in rows}
    assert by_name["phq9_1"]["Field Type"] == "radio"
    assert by_name["phq9_1"]["Choices, Calculations, OR Slider Labels"] == (
        "0, Not at all | 1, Several days | 2, More than half the days | 3, Nearly every day"
    )
    checked = 0
    for row in rows[1:]:
        instrument = instrument_get(row["Form Name"])
        number = int(row["Variable / Field Name"].rsplit("_", 1)[1])
        item = instrument.item(number)
        choices = [
            part.split(", ", 1)
            for part in row["Choices, Calculations, OR Slider Labels"].split(" | ")
        ]
        assert [(int(v), label) for v, label in choices] == [
            (o.value, o.label) for o in item.response_options
        ]
        assert row["Field Label"] == item.text
        checked += 1
    assert checked == len(rows) - 1
    # Required unless the instrument lets the item be left out (the PHQ-9 allows two blanks).
    assert by_name["pss10_1"]["Required Field?"] == "y"
    assert by_name["phq9_9"]["Required Field?"] == ""


def test_every_records_column_is_in_the_dictionary_or_one_of_redcaps_own(files):
    dictionary = table(files / "data_dictionary.csv")
    fields = {row["Variable / Field Name"] for row in dictionary}
    statuses = {f"{row['Form Name']}_complete" for row in dictionary}
    header = read(files / "records.csv")[0]
    assert header[:2] == ["record_id", "redcap_event_name"]
    assert set(header) - fields == {REDCAP_OWN} | statuses
    assert len(header) == len(set(header))


def test_records_hold_the_latest_sent_answers_per_participant_and_event(files):
    records = table(files / "records.csv")
    assert [(r["record_id"], r["redcap_event_name"]) for r in records] == [
        ("RV-0", "baseline_arm_1"),
        ("RV-0", "post_arm_1"),
        ("RV-1", "baseline_arm_1"),
        ("RV-1", "post_arm_1"),
        ("RV-2", "baseline_arm_1"),
        ("RV-2", "post_arm_1"),
        ("RV-9", "baseline_arm_1"),
    ]
    rv1 = records[2]
    assert [rv1[f"phq9_{n}"] for n in range(1, 11)] == [
        "3",
        "3",
        "1",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "",
    ]
    assert rv1["phq9_complete"] == rv1["who5_complete"] == "2"
    assert rv1["who5_2"] == "1"
    # Asked at baseline but never sent: Incomplete, with no answers.
    assert rv1["pss10_complete"] == "0"
    assert rv1["pss10_1"] == ""
    corrected = records[-1]
    assert sum(int(corrected[f"phq9_{n}"]) for n in range(1, 10)) == 7
    assert "HV-1" not in (files / "records.csv").read_text()


def test_events_and_mapping_cover_every_row_of_records(files):
    events = table(files / "events.csv")
    assert read(files / "events.csv")[0] == [
        "event_name", "arm_num", "unique_event_name", "custom_event_label"
    ]  # fmt: skip
    assert [(e["event_name"], e["arm_num"], e["unique_event_name"]) for e in events] == [
        ("baseline", "1", "baseline_arm_1"),
        ("post", "1", "post_arm_1"),
        ("follow_up_3m", "1", "follow_up_3m_arm_1"),
        ("follow_up_6m", "1", "follow_up_6m_arm_1"),
    ]
    assert events[0]["custom_event_label"] == "Before the course"
    # What REDCap would name each event is the unique name the records use.
    assert all(unique_event_name(e["event_name"]) == e["unique_event_name"] for e in events)
    assert table(files / "arms.csv") == [{"arm_num": "1", "name": "Arm 1"}]
    mapping = {
        (m["unique_event_name"], m["form"]) for m in table(files / "instrument_event_mapping.csv")
    }
    assert read(files / "instrument_event_mapping.csv")[0] == [
        "arm_num",
        "unique_event_name",
        "form",
    ]
    for record in table(files / "records.csv"):
        for column, value in record.items():
            if column.endswith("_complete") and value:
                assert (record["redcap_event_name"], column.removesuffix("_complete")) in mapping


def test_unique_event_names_follow_redcaps_rule():
    # REDCap's own example: "Deadline to opt out of study" in arm 2.
    assert unique_event_name("Deadline to opt out of study", 2) == "deadline_to_opt_ou_arm_2"
    assert unique_event_name("follow_up_3m") == "follow_up_3m_arm_1"


def test_the_export_is_recorded_and_audited(tmp_path, answered, organization):
    said = export(tmp_path / "out", "--organization", "riverside")
    record = ExportRecord.objects.get()
    assert (record.kind, record.format, record.organization) == ("redcap", "csv", organization)
    assert record.row_count == 7
    assert "7 records rows" in said
    digest = hashlib.sha256()
    for name in (
        "data_dictionary.csv",
        "arms.csv",
        "events.csv",
        "instrument_event_mapping.csv",
        "records.csv",
    ):
        digest.update((tmp_path / "out" / name).read_bytes())
    assert record.checksum == digest.hexdigest()
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.details["kind"], event.details["completed"]) == ("redcap", True)


def test_an_output_that_is_a_file_or_missing_is_refused(tmp_path):
    existing = tmp_path / "file.txt"
    existing.write_text("x")
    with pytest.raises(CommandError, match="needs a folder"):
        export(existing)
    with pytest.raises(CommandError, match="needs --output DIR"):
        call_command("export", "redcap")
    assert not ExportRecord.objects.exists()


def test_two_points_redcap_would_name_alike_are_refused_with_a_way_out():
    from programs.models import MeasurementPoint
    from sessions.reports.exchange.redcap_export import _events
    from sessions.reports.exchange.redcap_names import ExchangeError

    points = [
        MeasurementPoint(pk=n, code=code, label=code, anchor="last_session", opens_days=n)
        for n, code in enumerate(["follow_up_three_months", "follow_up_three_monthly"], start=1)
    ]
    with pytest.raises(ExchangeError, match="Give one of them a shorter code"):
        _events(points)
    assert _events(points[:1])["follow_up_three_months"].unique_name == "follow_up_three_mo_arm_1"
