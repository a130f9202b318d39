"""The coordinator's page for importing a REDCap records file: who reaches it, what an import
says, and how a file with problems comes back (every problem by line, nothing saved)."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sessions.questionnaires.models import Response
from tests.factories import EnrollmentFactory, coordinator
from tests.questionnaires.test_questionnaire_staff import NOW, assessment, mbsr_cohort, phq9

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def waiting(organization):
    enrollment = EnrollmentFactory(cohort=mbsr_cohort(organization, []), participant_code="RV-5")
    assessment(enrollment, "baseline")
    assessment(enrollment, "post")
    return enrollment


def url(organization):
    return reverse("reports:redcap_import", args=[organization.slug])


def csv_file(*rows: dict[int, int | str | None], events=("baseline_arm_1", "post_arm_1")):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["record_id", "redcap_event_name", *[f"phq9_{n}" for n in range(1, 11)], "phq9_complete"]
    )
    for answers, event in zip(rows, events, strict=False):
        values = ["" if answers.get(n) is None else answers[n] for n in range(1, 11)]
        writer.writerow(["RV-5", event, *values, "2"])
    return SimpleUploadedFile("records.csv", buffer.getvalue().encode(), content_type="text/csv")


def test_only_the_organizations_coordinators_reach_the_page(
    client, organization, coordinator_user, facilitator_user, other_coordinator, participant
):
    assert client.get(url(organization)).status_code == 302  # sign in first
    for outsider in (facilitator_user, other_coordinator, participant):
        client.force_login(outsider)
        assert client.get(url(organization)).status_code == 404
        response = client.post(
            url(organization), {"records": csv_file(phq9(6, 0)), "mode": "phone"}
        )
        assert response.status_code == 404
    assert not Response.objects.exists()
    client.force_login(coordinator_user)
    page = client.get(url(organization))
    assert page.status_code == 200
    assert "Import answers from REDCap" in page.content.decode()
    home = client.get(reverse("coordinator_home")).content.decode()
    assert url(organization) in home


def test_the_page_makes_a_fixed_number_of_queries(
    client, organization, coordinator_user, django_assert_max_num_queries
):
    client.force_login(coordinator_user)
    with django_assert_max_num_queries(8):
        assert client.get(url(organization)).status_code == 200


def test_a_good_file_is_imported_and_the_page_says_how_much(
    client, organization, coordinator_user, waiting
):
    client.force_login(coordinator_user)
    response = client.post(
        url(organization),
        {"records": csv_file(phq9(6, 0), phq9(3, 0)), "mode": "phone"},
        follow=True,
    )
    assert response.redirect_chain == [(url(organization), 302)]
    assert (
        "Imported 2 responses from 2 lines; 0 already in Stillwater with the same answers were "
        "left as they were." in response.content.decode()
    )
    saved = Response.objects.order_by("assessment__opens_at")
    assert [(r.mode, r.entered_by) for r in saved] == [("phone", coordinator_user)] * 2


def test_a_file_with_problems_lists_each_by_line_saves_nothing_and_keeps_the_choice(
    client, organization, coordinator_user, waiting
):
    bad = phq9(6, 0)
    bad[2] = 9
    client.force_login(coordinator_user)
    response = client.post(
        url(organization), {"records": csv_file(phq9(6, 0), bad), "mode": "phone"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported: the file has 1 problem. Fix it and choose the file again." in page
    assert "Line 3: phq9_2 is “9”, not one of the answers it offers (0, 1, 2, 3)." in page
    assert "<title>Error: Import answers from REDCap" in page
    # The choice made is kept; a browser cannot refill a file input, so the file is chosen again.
    assert '<input type="radio" name="mode" value="phone" required id="id_mode_1" checked>' in page
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("records.csv", "record_id,é".encode("latin-1")), "is not UTF-8 text"),
        (None, "Choose the records file to import."),
        (SimpleUploadedFile("records.csv", b"x" * (2 * 1024 * 1024 + 1)), "larger than 2 MB"),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(
    client, organization, coordinator_user, upload, message
):
    client.force_login(coordinator_user)
    data = {"mode": "in_person"} | ({"records": upload} if upload else {})
    response = client.post(url(organization), data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_another_organizations_coordinator_cannot_reach_these_participants(
    client, other_organization, waiting
):
    other = coordinator(other_organization, user__email="olga@example.org")
    client.force_login(other)
    response = client.post(
        url(other_organization), {"records": csv_file(phq9(6, 0)), "mode": "phone"}
    )
    assert response.status_code == 400
    assert "no participant of Hillview Neurology has the code “RV-5”" in response.content.decode()
    assert not Response.objects.exists()


def test_what_a_file_holds_is_escaped_when_its_problems_name_it(
    client, organization, coordinator_user
):
    client.force_login(coordinator_user)
    hostile = '<script>alert("xq7")</script>'
    upload = SimpleUploadedFile(
        "records.csv", f'record_id,redcap_event_name,{hostile}\n"{hostile}",x,1\n'.encode()
    )
    response = client.post(url(organization), {"records": upload, "mode": "phone"})
    assert response.status_code == 400
    page = response.content.decode()
    assert hostile not in page
    assert (
        "the column “&lt;script&gt;alert(&quot;xq7&quot;)&lt;/script&gt;” is not a Stillwater question"
        in page
    )
