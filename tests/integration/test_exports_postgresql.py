"""On PostgreSQL the responses table is written by COPY ... TO STDOUT; it must be the very same
bytes as the portable path (the one SQLite uses), escaping, quoting and order included."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import replace

import pytest

from programs.models import Cohort, Enrollment
from sessions.questionnaires.models import Assessment
from sessions.reports.exports import ExportScope, export_start
from sessions.reports.exports import tables as export_tables
from sessions.reports.exports.writers import Progress, csv_chunks
from sessions.reports.models import ExportRecord
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, shipped_program
from tests.questionnaires.test_questionnaire_staff import assessment, phq9, respond

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 10, 25, 12, tzinfo=dt.UTC)


@pytest.fixture
def answers(postgresql, organization):
    program = shipped_program("mbsr-8-ms")
    odd = CohortFactory(organization=organization, program=program, name='=HYPERLINK("x"), "q"')
    plain = CohortFactory(organization=organization, program=program, name="Évening group")
    codes = ["=1+1", "+1", "-1", "@A", "\tT", "\rR", "a,b", 'q"uote', "line\nbreak", "P-0001"]
    for n, code in enumerate(codes):
        enrollment = EnrollmentFactory(
            cohort=odd if n % 2 else plain,
            participant_code=code,
            user=UserFactory(full_name=f"=Name {n}", email=f"person-{n}@example.org"),
        )
        base = assessment(enrollment, "baseline")
        first = respond(base, "phq9", phq9(10 + n % 4, 0))
        if n % 3 == 0:
            respond(base, "phq9", {**phq9(9, 0), 9: None}, version=2, supersedes=first)
        respond(base, "who5", {1: 2, 2: 3, 3: 4, 4: 5, 5: 0})
        respond(assessment(enrollment, "post"), "phq9", phq9(5, 1))
    return Cohort.objects.filter(pk__in=[odd.pk, plain.pk])


def _both(cohorts, identifiable):
    scope = ExportScope(cohorts=cohorts, identifiable=identifiable, now=NOW)
    (table, *_rest) = export_tables.tables_for("responses", scope)
    assert table.csv_body is not None  # PostgreSQL: the COPY path is in use
    fast, portable = Progress(), Progress()
    copied = b"".join(csv_chunks(table, fast))
    written = b"".join(csv_chunks(replace(table, csv_body=None), portable))
    return copied, fast.rows, written, portable.rows


@pytest.mark.parametrize("identifiable", [False, True])
def test_copy_writes_the_same_bytes_as_the_portable_path(answers, identifiable):
    copied, copied_rows, written, written_rows = _both(answers, identifiable)
    assert copied == written
    assert copied_rows == written_rows == 10 * (9 + 5 + 9)
    parsed = list(csv.reader(io.StringIO(copied.decode("utf-8"))))
    assert len(parsed) == 1 + copied_rows  # quoted line breaks did not split rows
    codes = {row[0] for row in parsed[1:]}
    assert "'=1+1" in codes
    assert "'\rR" in codes
    assert "line\nbreak" in codes


def test_copy_names_only_what_was_typed_for_someone_who_has_not_accepted(answers):
    # As the portable path: an organization sees the account's own name only once the person
    # accepted the enrollment, signed in as themselves; before that, the name it typed.
    Enrollment.objects.filter(participant_code__in=["+1", "P-0001"]).update(
        accepted_at=None, invited_name="=Typed name"
    )
    copied, _, written, _ = _both(answers, True)
    assert copied == written
    names = {row[0]: row[1] for row in csv.reader(io.StringIO(copied.decode("utf-8")))}
    assert names["'+1"] == names["P-0001"] == "'=Typed name"
    assert names["'-1"] == "'=Name 2"
    assert "=Name 1" not in copied.decode("utf-8")


def test_download_through_copy_is_recorded_with_its_checksum(
    answers, coordinator_user, organization
):
    output = export_start(
        user=coordinator_user,
        organization=organization,
        kind="responses",
        fmt="csv",
        scope=ExportScope(cohorts=answers, now=NOW),
        filters={},
        file="responses",
    )
    data = b"".join(output.chunks)
    record = ExportRecord.objects.get(pk=output.record.pk)
    assert record.row_count == 10 * (9 + 5 + 9)
    assert record.checksum == hashlib.sha256(data).hexdigest()


def test_copy_names_every_measurement_point_by_its_code_as_the_portable_path(answers):
    # Follow-ups three and six months after the course share a kind; the file names each point.
    for n, enrollment in enumerate(Enrollment.objects.filter(cohort__in=answers).order_by("pk")):
        for code in ("follow_up_3m", "follow_up_6m")[: 1 + n % 2]:
            point = enrollment.cohort.program.measurement_points.get(code=code)
            on = Assessment.objects.create(
                enrollment=enrollment,
                measurement_point=point,
                instruments=list(point.instruments),
                opens_at=NOW + dt.timedelta(days=100 if code == "follow_up_3m" else 200),
                closes_at=NOW + dt.timedelta(days=128 if code == "follow_up_3m" else 228),
            )
            respond(on, "phq9", phq9(4, 0))
    copied, copied_rows, written, written_rows = _both(answers, False)
    assert copied == written
    assert copied_rows == written_rows == 10 * (9 + 5 + 9) + 15 * 9
    parsed = list(csv.DictReader(io.StringIO(copied.decode("utf-8"))))
    assert {row["measurement_point"] for row in parsed} == {
        "baseline",
        "post",
        "follow_up_3m",
        "follow_up_6m",
    }
