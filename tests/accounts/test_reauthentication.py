"""Re-confirming identity takes the password or, for staff, an authenticator code: never a code
sent by e-mail, which proves only that someone can read the inbox.

The original finding: with django-allauth 65.22, `POST /accounts/reauthenticate/code/` mailed a
code, and typing it in unlocked an identifiable export.
"""

from __future__ import annotations

import time

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.urls import reverse

from sessions.reports.models import ExportRecord
from tests.factories import PASSWORD, EnrollmentFactory, totp_code
from tests.questionnaires.test_questionnaire_staff import mbsr_cohort

pytestmark = pytest.mark.django_db

CODE_PAGES = ("/accounts/reauthenticate/code/", "/accounts/reauthenticate/code/confirm/")


@pytest.fixture
def identifiable_export(organization, facilitator_user, participant) -> str:
    cohort = mbsr_cohort(organization, [facilitator_user])
    EnrollmentFactory(cohort=cohort, user=participant, participant_code="P-OWN1")
    return (
        reverse("reports:export_download", args=["participants"])
        + f"?cohort={cohort.pk}&identifiable=1"
    )


def _record(client, method: str) -> None:
    """Add a fresh authentication record of this method to the client's session."""
    session = client.session
    records = list(session.get(AUTHENTICATION_METHODS_SESSION_KEY) or [])
    records.append({"method": method, "at": time.time(), "reauthenticated": True})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()


def test_an_emailed_code_cannot_unlock_an_identifiable_export(
    client, coordinator_user, identifiable_export, mailoutbox
):
    client.force_login(coordinator_user)
    sent_away = client.get(identifiable_export)
    assert sent_away.status_code == 302
    assert sent_away["Location"].startswith(reverse("account_reauthenticate"))

    # The steps that worked before: ask for a code by e-mail, then confirm it.
    asked = client.post(CODE_PAGES[0], {"next": identifiable_export})
    confirmed = client.post(CODE_PAGES[1], {"code": "ABC123", "next": identifiable_export})

    assert (asked.status_code, confirmed.status_code) == (404, 404)
    assert mailoutbox == []
    assert client.get(identifiable_export).status_code == 302
    assert not ExportRecord.objects.exists()


def test_a_code_record_left_in_the_session_does_not_count_as_confirming(
    client, coordinator_user, identifiable_export
):
    # A session from before the change, or a sign-in by e-mailed code, may hold such a record.
    client.force_login(coordinator_user)
    _record(client, "code")

    response = client.get(identifiable_export)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not ExportRecord.objects.exists()


@pytest.mark.parametrize("path", CODE_PAGES)
@pytest.mark.parametrize("who", ["anonymous", "participant", "coordinator_user"])
def test_the_emailed_code_pages_do_not_exist_for_anyone(client, request, path, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get(path).status_code == 404
    assert client.post(path, {"email": "pat@example.org"}).status_code == 404


def test_the_confirm_page_offers_the_authenticator_app_to_staff_and_no_emailed_code(
    client, coordinator_user
):
    client.force_login(coordinator_user)
    page = client.get(reverse("account_reauthenticate"))

    assert page.status_code == 200
    text = page.content.decode()
    assert reverse("mfa_reauthenticate") in text
    assert "/accounts/reauthenticate/code/" not in text
    assert [m["id"] for m in get_adapter().get_reauthentication_methods(coordinator_user)] == [
        "reauthenticate",
        "mfa_reauthenticate",
    ]


def test_participants_confirm_with_their_password_only(participant):
    methods = get_adapter().get_reauthentication_methods(participant)
    assert [m["id"] for m in methods] == ["reauthenticate"]


def test_staff_unlock_an_identifiable_export_with_an_authenticator_code(
    client, coordinator_user, identifiable_export
):
    client.force_login(coordinator_user)
    client.get(identifiable_export)

    confirmed = client.post(
        reverse("mfa_reauthenticate") + f"?next={identifiable_export}",
        {"code": totp_code(), "next": identifiable_export},
    )

    assert confirmed.status_code == 302
    assert confirmed["Location"] == identifiable_export
    response = client.get(identifiable_export)
    assert response.status_code == 200
    assert b"Pat Participant" in b"".join(response.streaming_content)
    assert ExportRecord.objects.get().identifiable is True


def test_staff_unlock_an_identifiable_export_with_their_password(
    client, coordinator_user, identifiable_export
):
    client.force_login(coordinator_user)
    sent_away = client.get(identifiable_export)

    confirmed = client.post(sent_away["Location"], {"password": PASSWORD})

    assert confirmed["Location"] == identifiable_export
    assert client.get(identifiable_export).status_code == 200
