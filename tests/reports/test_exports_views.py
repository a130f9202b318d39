"""The export pages: who may download what, re-entering the password for names, the record of
each export, streaming, bad choices, and a fixed number of queries however big the cohort."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile

import openpyxl
import pytest
import time_machine
from django.http import StreamingHttpResponse
from django.urls import reverse

from sessions.reports.exports import PARTICIPANT_COLUMNS
from sessions.reports.models import ExportRecord
from tests.factories import PASSWORD, EnrollmentFactory, coordinator, facilitator
from tests.questionnaires.test_questionnaire_staff import (
    NOW,
    assessment,
    mbsr_cohort,
    phq9,
    respond,
)

pytestmark = pytest.mark.django_db

KINDS = ["completion", "participants", "responses", "outcomes"]


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def url(kind, **query):
    base = reverse("reports:export_download", args=[kind])
    if not query:
        return base
    return base + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def add_participants(cohort, start: int, count: int) -> None:
    for n in range(start, start + count):
        enrollment = EnrollmentFactory(cohort=cohort, participant_code=f"P-{n:04d}")
        respond(assessment(enrollment, "baseline"), "phq9", phq9(10 + n % 5, 0))
        respond(assessment(enrollment, "post"), "phq9", phq9(5 + n % 3, 0))


@pytest.fixture
def cast(organization, other_organization, facilitator_user, coordinator_user, participant):
    cohort = mbsr_cohort(organization, [facilitator_user])
    other_facilitator = facilitator(organization, user__email="finn@example.org")
    neighbour = mbsr_cohort(organization, [other_facilitator])
    EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-OWN1")
    EnrollmentFactory(cohort=neighbour, participant_code="P-NEXT1")
    foreign = mbsr_cohort(other_organization, [])
    EnrollmentFactory(cohort=foreign, participant_code="P-AWAY1")
    return {
        "cohort": cohort,
        "neighbour": neighbour,
        "foreign": foreign,
        "facilitator": facilitator_user,
        "coordinator": coordinator_user,
        "other_facilitator": other_facilitator,
        "other_coordinator": coordinator(other_organization, user__email="olga@example.org"),
        "participant": participant,
    }


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_coordinator_downloads_every_kind_of_their_organization(client, cast, kind):
    client.force_login(cast["coordinator"])
    response = client.get(url(kind, format="csv"))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    data = body(response)
    if kind == "participants":
        codes = {row[0] for row in csv_rows(data)[1:]}
        assert codes == {"P-OWN1", "P-NEXT1"}  # both of the organization's cohorts, not others


def test_coordinator_of_another_organization_gets_404_for_a_cohort(client, cast):
    client.force_login(cast["other_coordinator"])
    response = client.get(url("participants", cohort=cast["cohort"].pk))
    assert response.status_code == 404
    # Without a filter they get their own organization only.
    codes = {row[0] for row in csv_rows(body(client.get(url("participants"))))[1:]}
    assert codes == {"P-AWAY1"}


def test_facilitator_exports_only_the_cohorts_they_facilitate(client, cast):
    client.force_login(cast["facilitator"])
    own = client.get(url("participants", cohort=cast["cohort"].pk))
    assert own.status_code == 200
    assert {row[0] for row in csv_rows(body(own))[1:]} == {"P-OWN1"}
    assert client.get(url("participants", cohort=cast["neighbour"].pk)).status_code == 404
    everything = client.get(url("participants"))
    assert {row[0] for row in csv_rows(body(everything))[1:]} == {"P-OWN1"}


def test_another_facilitator_gets_404_for_a_cohort_they_do_not_run(client, cast):
    client.force_login(cast["other_facilitator"])
    for kind in KINDS:
        assert client.get(url(kind, cohort=cast["cohort"].pk)).status_code == 404


@pytest.mark.parametrize("page", ["reports:export", "reports:outcomes", "download"])
def test_participants_get_404_everywhere(client, cast, page):
    client.force_login(cast["participant"])
    address = url("completion") if page == "download" else reverse(page)
    assert client.get(address).status_code == 404
    assert client.get(address + f"?cohort={cast['cohort'].pk}").status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, cast):
    response = client.get(url("completion"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_unknown_kind_is_404(client, cast):
    client.force_login(cast["coordinator"])
    assert client.get(url("everything")).status_code == 404


def test_facilitator_cannot_export_names(client, cast):
    client.force_login(cast["facilitator"])
    response = client.get(url("participants", cohort=cast["cohort"].pk, identifiable=1))
    assert response.status_code == 400
    assert "Only coordinators can export names" in response.text
    assert not ExportRecord.objects.exists()


# --- identifiable exports need the password again ------------------------------------------


def test_coordinator_without_recent_password_is_sent_to_reauthenticate(client, cast):
    client.force_login(cast["coordinator"])
    address = url("participants", cohort=cast["cohort"].pk, identifiable=1)
    response = client.get(address)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert "next=" in response["Location"]
    assert not ExportRecord.objects.exists()


def test_coordinator_who_reentered_the_password_gets_names_and_it_is_recorded(client, cast):
    client.force_login(cast["coordinator"])
    address = url("participants", cohort=cast["cohort"].pk, identifiable=1)
    sent_away = client.get(address)
    confirm = client.post(sent_away["Location"], {"password": PASSWORD})
    assert confirm.status_code == 302
    assert confirm["Location"] == address  # back to the same download
    response = client.get(confirm["Location"])
    assert response.status_code == 200
    rows = csv_rows(body(response))
    assert rows[0][:3] == ["participant_code", "name", "email"]
    assert rows[1][:3] == ["P-OWN1", "Pat Participant", "pat@example.org"]
    record = ExportRecord.objects.get()
    assert record.identifiable is True
    assert record.user == cast["coordinator"]


def test_names_are_not_offered_for_summary_kinds(client, cast):
    client.force_login(cast["coordinator"])
    response = client.get(url("completion", identifiable=1))
    assert response.status_code == 400
    assert "Completion and outcome files hold no names" in response.text


def test_pseudonymous_by_default(client, cast):
    client.force_login(cast["coordinator"])
    data = body(client.get(url("participants", cohort=cast["cohort"].pk)))
    assert csv_rows(data)[0] == list(PARTICIPANT_COLUMNS)
    assert b"pat@example.org" not in data
    assert b"Pat Participant" not in data


# --- records and formats ----------------------------------------------------------------------


def test_every_download_is_recorded_with_rows_and_the_checksum_of_the_bytes(client, cast):
    client.force_login(cast["coordinator"])
    response = client.get(url("participants", format="csv", cohort=cast["cohort"].pk))
    data = body(response)
    record = ExportRecord.objects.get()
    assert record.user == cast["coordinator"]
    assert record.organization == cast["cohort"].organization
    assert (record.kind, record.format, record.identifiable) == ("participants", "csv", False)
    assert record.filters == {"cohort": cast["cohort"].pk, "cohort_name": cast["cohort"].name}
    assert record.row_count == len(csv_rows(data)) - 1 == 1
    assert record.checksum == hashlib.sha256(data).hexdigest()


def test_xlsx_download_is_a_workbook_and_recorded(client, cast):
    client.force_login(cast["coordinator"])
    response = client.get(url("responses", format="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    data = body(response)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["responses", "scores", "dictionary", "codebook"]
    record = ExportRecord.objects.get()
    assert record.checksum == hashlib.sha256(data).hexdigest()


def test_responses_csv_is_a_zip_or_one_file_on_request(client, cast):
    client.force_login(cast["coordinator"])
    zipped = client.get(url("responses"))
    assert zipped["Content-Type"] == "application/zip"
    assert "codebook.csv" in zipfile.ZipFile(io.BytesIO(body(zipped))).namelist()
    scores = client.get(url("responses", file="scores"))
    assert scores["Content-Type"].startswith("text/csv")
    assert csv_rows(body(scores))[0][0] == "participant_code"


def test_bad_choices_show_the_form_with_an_error_summary(client, cast):
    client.force_login(cast["coordinator"])
    response = client.get(url("completion", format="pdf", program="no-such-program"))
    assert response.status_code == 400
    text = response.text
    assert "There is a problem" in text
    assert "Choose CSV or Excel (XLSX); “pdf” is not a format we export." in text
    assert "Choose a program from the list." in text
    assert not ExportRecord.objects.exists()


def test_cohort_of_another_program_is_explained(client, cast, organization):
    from tests.factories import CohortFactory, shipped_program

    client.force_login(cast["coordinator"])
    CohortFactory(organization=organization, program=shipped_program("ier-6"))
    response = client.get(url("completion", cohort=cast["cohort"].pk, program="ier-6"))
    assert response.status_code == 400
    assert "is a cohort of MBSR-8 for MS, not of IER-6" in response.text


# --- the form page -----------------------------------------------------------------------------


def test_export_page_offers_kinds_formats_and_names_to_coordinators(client, cast):
    client.force_login(cast["coordinator"])
    response = client.get(reverse("reports:export"))
    assert response.status_code == 200
    text = response.text
    assert "<legend>What to export</legend>" in text
    assert 'name="identifiable"' in text
    assert "Recent exports" in text


def test_export_page_for_facilitators_has_no_names_box(client, cast):
    client.force_login(cast["facilitator"])
    response = client.get(reverse("reports:export"))
    assert response.status_code == 200
    assert 'name="identifiable"' not in response.text
    assert cast["neighbour"].name not in response.text


def test_export_page_sends_a_good_choice_to_its_download(client, cast):
    client.force_login(cast["coordinator"])
    response = client.get(
        reverse("reports:export"),
        {"kind": "completion", "format": "xlsx", "cohort": cast["cohort"].pk},
    )
    assert response.status_code == 302
    assert response["Location"] == url("completion", format="xlsx", cohort=cast["cohort"].pk)


def test_export_page_lists_what_is_missing(client, cast):
    client.force_login(cast["coordinator"])
    response = client.get(reverse("reports:export"), {"kind": ""})
    assert response.status_code == 400
    assert "Choose what to export." in response.text
    assert 'href="#id_kind"' in response.text
    assert '<fieldset id="id_kind"' in response.text


# --- queries ------------------------------------------------------------------------------------


def _queries(client, address, django_assert_max_num_queries, ceiling):
    with django_assert_max_num_queries(ceiling) as captured:
        response = client.get(address)
        assert response.status_code == 200
        if response.streaming:
            body(response)
    return len(captured)


# Session, user, staff membership, the cohort (its access check and the form), the export
# record; then a fixed number of reads per kind (completion and participants: the definitions'
# rows; responses: the participants' order, then one read per file; outcomes: cohorts, plans,
# enrollments, responses) and the record's finish and its audit event.
PINNED = {"completion": 17, "participants": 16, "responses": 13, "outcomes": 12}


@pytest.mark.parametrize("kind", KINDS)
def test_downloads_make_the_same_queries_for_5_and_60_participants(
    client, organization, facilitator_user, django_assert_max_num_queries, kind
):
    cohort = mbsr_cohort(organization, [facilitator_user])
    add_participants(cohort, 0, 5)
    client.force_login(facilitator_user)
    address = url(kind, cohort=cohort.pk)
    small = _queries(client, address, django_assert_max_num_queries, PINNED[kind])
    add_participants(cohort, 5, 55)
    assert _queries(client, address, django_assert_max_num_queries, PINNED[kind]) == small


def test_outcome_page_makes_the_same_queries_for_5_and_60_participants(
    client, organization, coordinator_user, django_assert_max_num_queries
):
    cohort = mbsr_cohort(organization, [])
    add_participants(cohort, 0, 5)
    client.force_login(coordinator_user)
    address = reverse("reports:outcomes") + f"?cohort={cohort.pk}"
    small = _queries(client, address, django_assert_max_num_queries, 12)
    add_participants(cohort, 5, 55)
    assert "P-0059" in client.get(address).text  # in the chart's table
    assert _queries(client, address, django_assert_max_num_queries, 12) == small


def test_export_records_survive_the_person_leaving(client, cast):
    client.force_login(cast["coordinator"])
    body(client.get(url("completion")))
    cast["coordinator"].delete()
    record = ExportRecord.objects.get()
    assert (record.user, record.actor) == (None, "cora@example.org")


def test_recent_exports_are_listed_for_coordinators(client, cast):
    client.force_login(cast["coordinator"])
    body(client.get(url("completion", format="csv")))
    page = client.get(reverse("reports:export")).text
    assert "cora@example.org" in page
    assert "Completion, CSV" in page
