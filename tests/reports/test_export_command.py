"""manage.py export: every kind, to standard output or a file, its record, and clear errors."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from sessions.reports.exports import COMPLETION_COLUMNS, OUTCOME_COLUMNS, PARTICIPANT_COLUMNS
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


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cohort(organization):
    cohort = mbsr_cohort(organization, [])
    for n in range(3):
        enrollment = EnrollmentFactory(cohort=cohort, participant_code=f"C-{n}")
        respond(assessment(enrollment, "baseline"), "phq9", phq9(12 + n, 0))
        respond(assessment(enrollment, "post"), "phq9", phq9(8, 0))
    return cohort


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("export", *args, stdout=out, stderr=err)
    return out.getvalue()


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("kind", "header"),
    [
        ("completion", COMPLETION_COLUMNS),
        ("participants", PARTICIPANT_COLUMNS),
        ("outcomes", OUTCOME_COLUMNS),
    ],
)
def test_each_single_file_kind_writes_csv_to_standard_output(cohort, kind, header):
    found = rows(run(kind, "--cohort", str(cohort.pk)))
    assert tuple(found[0]) == header
    assert len(found) > 1


def test_responses_one_file_on_standard_output(cohort):
    found = rows(run("responses", "--file", "responses", "--cohort", str(cohort.pk)))
    assert found[0][0] == "participant_code"
    assert len(found) == 1 + 3 * 2 * 9  # 3 participants x baseline and post x 9 PHQ-9 items


def test_responses_zip_and_xlsx_to_a_file(cohort, tmp_path):
    target = tmp_path / "answers.zip"
    run("responses", "--output", str(target), "--program", "mbsr-8-ms")
    assert zipfile.ZipFile(target).namelist() == [
        "responses.csv",
        "scores.csv",
        "dictionary.csv",
        "codebook.csv",
    ]
    book = tmp_path / "answers.xlsx"
    run("responses", "--format", "xlsx", "--output", str(book))
    assert openpyxl.load_workbook(book).sheetnames == [
        "responses",
        "scores",
        "dictionary",
        "codebook",
    ]


def test_every_run_is_recorded_with_rows_and_checksum(cohort, tmp_path, coordinator_user):
    target = tmp_path / "completion.csv"
    run(
        "completion",
        "--output",
        str(target),
        "--user",
        "CORA@example.org",
        "--organization",
        "riverside",
    )
    record = ExportRecord.objects.get()
    assert (record.source, record.kind, record.format) == ("command", "completion", "csv")
    assert (record.user, record.actor) == (coordinator_user, "cora@example.org")
    assert record.organization == cohort.organization
    assert record.filters == {"organization": "riverside"}
    assert record.row_count == 1
    assert record.checksum == hashlib.sha256(target.read_bytes()).hexdigest()


def test_without_user_the_record_says_command_line(cohort):
    run("participants")
    record = ExportRecord.objects.get()
    assert (record.user, record.actor, record.organization) == (None, "command line", None)
    assert record.row_count == 3


def test_command_and_page_give_the_same_file(client, cohort, coordinator_user):
    # The same moment for both: figures like "days in the course" follow the clock.
    with time_machine.travel(timezone.now(), tick=False):
        _command_and_page_agree(client, cohort, coordinator_user)


def _command_and_page_agree(client, cohort, coordinator_user):
    for kind in ("completion", "participants", "outcomes"):
        from_command = run(kind, "--cohort", str(cohort.pk)).encode("utf-8")
        client.force_login(coordinator_user)
        response = client.get(
            reverse("reports:export_download", args=[kind]), {"cohort": cohort.pk}
        )
        assert b"".join(response.streaming_content) == from_command


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["everything"],
            "Unknown kind “everything”. Choose one of: completion, participants, responses, outcomes, "
            "allocations, screening, consort, comparison, fidelity.",
        ),
        (["completion", "--format", "pdf"], "Unknown format “pdf”. Choose csv or xlsx."),
        (["completion", "--format", "xlsx"], "An XLSX workbook needs --output FILE"),
        (["responses"], "give --output FILE, or --file responses|scores|dictionary"),
        (["completion", "--cohort", "999999"], "No cohort 999999 exists."),
        (["completion", "--program", "nope"], "No program has the slug “nope”."),
        (["completion", "--organization", "nope"], "No organization has the slug “nope”."),
        (["completion", "--user", "nobody@example.org"], "No account has the e-mail address"),
        (["completion", "--file", "scores"], "The completion export has only one file."),
        (["responses", "--file", "answers"], "The responses export has no file “answers”."),
    ],
)
def test_clear_errors(cohort, args, message):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert message in str(error.value)
    assert not ExportRecord.objects.exists()


def test_a_cohort_outside_the_chosen_program_is_refused(cohort):
    with pytest.raises(CommandError, match="matches the other filters"):
        run("completion", "--cohort", str(cohort.pk), "--program", "ier-6")
