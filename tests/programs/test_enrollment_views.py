"""Coordinators enrol participants one at a time or from a list, and change or withdraw them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from programs.models import Enrollment, EnrollmentStatus
from tests.factories import EnrollmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(name, obj) -> str:
    return reverse(f"programs:{name}", args=[obj.pk])


def _message(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _cast(who, *, facilitator_user, other_coordinator, participant):
    return {
        "facilitator_of_the_cohort": facilitator_user,
        "coordinator_of_another_organization": other_coordinator,
        "participant": participant,
    }[who]


CASTS = ["facilitator_of_the_cohort", "coordinator_of_another_organization", "participant"]


# --- one participant ----------------------------------------------------------------------


def test_coordinator_invites_one_participant(
    client, coordinator_user, cohort, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(coordinator_user)
    page = client.get(_url("enrollment_create", cohort))
    assert page.status_code == 200
    assert "Their first session" not in page.text  # a group course has one schedule

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("enrollment_create", cohort),
            {
                "full_name": "Alex Morgan",
                "email": "alex@example.org",
                "phone": "",
                "timezone": "Europe/London",
                "arm": "intervention",
            },
        )

    assert response.status_code == 302
    assert response.url == reverse("reports:cohort_detail", args=[cohort.pk])
    enrollment = Enrollment.objects.get(cohort=cohort)
    assert enrollment.user.email == "alex@example.org"
    assert f"Their participant code is {enrollment.participant_code}" in _message(response)
    assert mailoutbox[-1].to == ["alex@example.org"]


def test_ier_form_asks_for_their_own_start_defaulting_to_the_cohorts(
    client, coordinator_user, ier_cohort
):
    client.force_login(coordinator_user)
    page = client.get(_url("enrollment_create", ier_cohort))
    assert 'name="start_date" value="2026-09-14"' in page.text
    assert 'name="session_time" value="10:00"' in page.text

    client.post(
        _url("enrollment_create", ier_cohort),
        {
            "full_name": "Alex Morgan",
            "email": "alex@example.org",
            "timezone": "Europe/London",
            "arm": "intervention",
            "start_date": "2026-09-17",
            "session_time": "15:00",
        },
    )
    enrollment = Enrollment.objects.get(cohort=ier_cohort)
    assert enrollment.start_date == dt.date(2026, 9, 17)
    assert enrollment.scheduled_sessions.count() == 6


def test_address_already_enrolled_is_a_form_error_and_what_was_typed_stays(
    client, coordinator_user, cohort
):
    EnrollmentFactory(cohort=cohort, user=UserFactory(email="alex@example.org"))
    client.force_login(coordinator_user)
    page = client.post(
        _url("enrollment_create", cohort),
        {
            "full_name": "Alexandra Morgan",
            "email": "Alex@Example.org",
            "phone": "07700 900123",
            "timezone": "Europe/London",
            "arm": "control",
        },
    )
    assert page.status_code == 200
    assert "alex@example.org is already enrolled in this cohort." in page.text
    assert 'value="Alexandra Morgan"' in page.text
    assert 'value="07700 900123"' in page.text
    assert cohort.enrollments.count() == 1


@pytest.mark.parametrize("who", CASTS)
def test_only_the_organizations_coordinators_can_enrol(
    client, cohort, who, facilitator_user, other_coordinator, participant
):
    EnrollmentFactory(cohort=cohort, user=participant)
    client.force_login(
        _cast(
            who,
            facilitator_user=facilitator_user,
            other_coordinator=other_coordinator,
            participant=participant,
        )
    )
    data = {"full_name": "X", "email": "x@example.org", "timezone": "UTC", "arm": "intervention"}
    assert client.get(_url("enrollment_create", cohort)).status_code == 404
    assert client.post(_url("enrollment_create", cohort), data).status_code == 404
    assert client.get(_url("enrollment_import", cohort)).status_code == 404
    assert (
        client.post(_url("enrollment_import", cohort), {"text": "name,email\nX,x@example.org"})
    ).status_code == 404
    assert not User.objects.filter(email="x@example.org").exists()


# --- a list -------------------------------------------------------------------------------


def test_pasted_clean_list_enrols_everyone_and_says_how_many(
    client, coordinator_user, cohort, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(coordinator_user)
    page = client.get(_url("enrollment_import", cohort))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text

    text = "name,email,phone,timezone\nAlex,alex@example.org,,\nSam,sam@example.org,,Europe/Paris\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("enrollment_import", cohort), {"text": text})

    assert response.status_code == 302
    assert "2 participants added to “Tuesday evenings”" in _message(response)
    assert cohort.enrollments.count() == 2
    assert len(mailoutbox) == 2


def test_list_with_problems_creates_nobody_lists_each_line_and_keeps_the_text(
    client, coordinator_user, cohort, mailoutbox
):
    EnrollmentFactory(cohort=cohort, user=UserFactory(email="kim@example.org"))
    client.force_login(coordinator_user)
    text = (
        "name,email,phone,timezone\n"
        "Alex,alex@example.org,,\n"
        ",nobody@example.org,,\n"
        "Sam,sam@example,,\n"
        "Kim,kim@example.org,,\n"
        "Lee,lee@example.org,,Mars/Olympus\n"
        "Alex again,ALEX@example.org,,\n"
    )
    page = client.post(_url("enrollment_import", cohort), {"text": text})

    assert page.status_code == 200
    for expected in [
        "Line 3: the name is missing.",
        "Line 4: “sam@example” is not an e-mail address.",
        "Line 5: kim@example.org is already enrolled in this cohort.",
        "Line 6: “Mars/Olympus” is not a time zone name such as Europe/London.",
        "Line 7: alex@example.org is already on line 2 of this list.",
    ]:
        assert expected in page.text
    assert "nobody is added" in page.text
    # What was pasted is still in the box, line for line.
    assert (
        "Lee,lee@example.org,,Mars/Olympus\nAlex again,ALEX@example.org,,\n</textarea>" in page.text
    )
    assert cohort.enrollments.count() == 1
    assert not User.objects.filter(email="alex@example.org").exists()
    assert mailoutbox == []


def test_uploaded_csv_file_is_read(client, coordinator_user, cohort):
    client.force_login(coordinator_user)
    upload = SimpleUploadedFile(
        "people.csv", "\ufeffname,email\nJosé,jose@example.org\n".encode(), "text/csv"
    )
    response = client.post(_url("enrollment_import", cohort), {"text": "", "file": upload})
    assert response.status_code == 302
    assert cohort.enrollments.get().user.full_name == "José"


def test_file_that_is_not_utf8_is_refused_with_how_to_fix_it(client, coordinator_user, cohort):
    client.force_login(coordinator_user)
    upload = SimpleUploadedFile(
        "people.csv", "name,email\nJosé,jose@example.org\n".encode("latin-1"), "text/csv"
    )
    page = client.post(_url("enrollment_import", cohort), {"text": "", "file": upload})
    assert page.status_code == 200
    assert "The file is not saved as UTF-8 text" in page.text
    assert not cohort.enrollments.exists()


def test_file_with_problems_is_put_in_the_box_to_be_corrected(client, coordinator_user, cohort):
    client.force_login(coordinator_user)
    upload = SimpleUploadedFile("people.csv", b"name,email\nAlex,alex(at)example.org\n", "text/csv")
    page = client.post(_url("enrollment_import", cohort), {"text": "", "file": upload})
    assert "Line 2: “alex(at)example.org” is not an e-mail address." in page.text
    assert "Alex,alex(at)example.org\n</textarea>" in page.text
    assert "put the file's contents in the box" in page.text


def test_empty_submission_says_the_list_is_empty(client, coordinator_user, cohort):
    client.force_login(coordinator_user)
    page = client.post(_url("enrollment_import", cohort), {"text": "  "})
    assert "The list is empty." in page.text


# --- change and withdraw ------------------------------------------------------------------


@pytest.fixture
def enrollment(cohort, participant):
    return EnrollmentFactory(cohort=cohort, user=participant, participant_code="MB-7K3Q9")


def test_coordinator_changes_arm_and_status(client, coordinator_user, enrollment):
    client.force_login(coordinator_user)
    page = client.get(_url("enrollment_update", enrollment))
    assert page.status_code == 200
    assert "MB-7K3Q9" in page.text
    assert page.text.count("<h1") == 1

    response = client.post(
        _url("enrollment_update", enrollment),
        {"action": "update", "arm": "control", "status": "completed"},
    )
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert (enrollment.arm, enrollment.status) == ("control", "completed")


def test_coordinator_records_a_withdrawal(client, coordinator_user, enrollment):
    client.force_login(coordinator_user)
    response = client.post(
        _url("enrollment_update", enrollment),
        {"action": "withdraw", "on_date": "2026-08-03", "reason": "Too tired to travel"},
    )
    assert response.status_code == 302
    assert "MB-7K3Q9 is recorded as withdrawn" in _message(response)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    assert enrollment.withdrawn_at == dt.date(2026, 8, 3)
    assert enrollment.withdrawal_reason == "Too tired to travel"


def test_withdrawal_in_the_future_is_refused_and_the_reason_stays(
    client, coordinator_user, enrollment
):
    client.force_login(coordinator_user)
    page = client.post(
        _url("enrollment_update", enrollment),
        {"action": "withdraw", "on_date": "2026-09-01", "reason": "Moving to Leeds"},
    )
    assert page.status_code == 200
    assert "The date of withdrawal cannot be in the future." in page.text
    assert "Moving to Leeds</textarea>" in page.text
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE


def test_ier_participants_start_can_be_moved(client, coordinator_user, ier_cohort):
    client.force_login(coordinator_user)
    client.post(
        _url("enrollment_create", ier_cohort),
        {
            "full_name": "Alex",
            "email": "alex@example.org",
            "timezone": "Europe/London",
            "arm": "intervention",
            "start_date": "2026-09-14",
            "session_time": "10:00",
        },
    )
    enrollment = Enrollment.objects.get()
    response = client.post(
        _url("enrollment_update", enrollment),
        {
            "action": "update",
            "arm": "intervention",
            "status": "invited",
            "start_date": "2026-09-21",
            "session_time": "11:00",
        },
    )
    assert response.status_code == 302
    first = enrollment.scheduled_sessions.order_by("starts_at").first()
    assert first.starts_at.astimezone(ier_cohort.zoneinfo) == dt.datetime(
        2026, 9, 21, 11, 0, tzinfo=ier_cohort.zoneinfo
    )


@pytest.mark.parametrize("who", CASTS)
def test_only_the_organizations_coordinators_change_an_enrollment(
    client, enrollment, who, facilitator_user, other_coordinator, participant
):
    client.force_login(
        _cast(
            who,
            facilitator_user=facilitator_user,
            other_coordinator=other_coordinator,
            participant=participant,
        )
    )
    url = _url("enrollment_update", enrollment)
    assert client.get(url).status_code == 404
    data = {"action": "withdraw", "on_date": "2026-08-02", "reason": "x"}
    assert client.post(url, data).status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
