"""Every participant form of the accounts app reports all its mistakes at once.

Each test posts several mistakes together and finds every message in the same response: in the
error summary at the top (each linking to its field) and beside the field, with what was typed
kept. Before, accepting an invitation said a password was too short only once a name that was
too long had been fixed.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import ConsentRecord, Invitation, User, hash_token
from accounts.services import invitation_create
from tests.factories import PASSWORD, EnrollmentFactory
from tests.form_errors import assert_all_reported

pytestmark = pytest.mark.django_db

TOO_LONG_NAME = "Wendy " * 40  # 240 characters


def test_accepting_an_invitation_reports_a_long_name_and_a_short_password_together(
    client, coordinator_user, organization
):
    invitation_create(
        organization=organization, email="wendy@example.org", role="", invited_by=coordinator_user
    )
    token = "w" * 43
    Invitation.objects.filter(email="wendy@example.org").update(token_hash=hash_token(token))
    response = client.post(
        reverse("invitation_accept", args=[token]),
        {"full_name": TOO_LONG_NAME, "password": "12345"},
    )
    page = assert_all_reported(
        response,
        {
            "id_full_name": "Keep it to 200 characters or fewer (you have 239).",
            "id_password": "This password is too short. It must contain at least 10 characters.",
        },
    )
    assert TOO_LONG_NAME.strip() in page
    assert not User.objects.filter(email="wendy@example.org").exists()
    assert Invitation.objects.get(email="wendy@example.org").is_usable


def test_accepting_an_invitation_refuses_a_password_like_the_address_with_the_other_mistakes(
    client, coordinator_user, organization
):
    invitation_create(
        organization=organization,
        email="morning.lakeside@example.org",
        role="",
        invited_by=coordinator_user,
    )
    token = "m" * 43
    Invitation.objects.filter(email__startswith="morning").update(token_hash=hash_token(token))
    response = client.post(
        reverse("invitation_accept", args=[token]),
        {"full_name": TOO_LONG_NAME, "password": "morning.lakeside"},
    )
    assert_all_reported(
        response,
        {
            "id_full_name": "Keep it to 200 characters or fewer (you have 239).",
            "id_password": "The password is too similar to the e-mail address.",
        },
    )


def test_accepting_an_invitation_without_a_password_says_so_with_the_name(
    client, coordinator_user, organization
):
    invitation_create(
        organization=organization, email="nopass@example.org", role="", invited_by=coordinator_user
    )
    token = "n" * 43
    Invitation.objects.filter(email="nopass@example.org").update(token_hash=hash_token(token))
    response = client.post(
        reverse("invitation_accept", args=[token]), {"full_name": TOO_LONG_NAME, "password": ""}
    )
    assert_all_reported(
        response,
        {
            "id_full_name": "Keep it to 200 characters or fewer (you have 239).",
            "id_password": "Choose a password to finish setting up your account.",
        },
    )


def test_consent_reports_both_missing_answers_at_once(client):
    newcomer = EnrollmentFactory(consent=False).user
    client.force_login(newcomer)
    response = client.post(reverse("consent"), {"next": "/me/"})
    page = assert_all_reported(
        response,
        {
            "id_keep_research_data": (
                "Choose what happens to your answers if you ask us to erase your details."
            ),
            "id_agree": (
                "Tick the box to say you agree. If you do not want to take part, "
                "talk to your course team."
            ),
        },
    )
    assert '<input type="hidden" name="next" value="/me/">' in page
    assert not ConsentRecord.objects.filter(user=newcomer).exists()


def test_consent_keeps_the_choice_made_when_only_the_box_is_missing(client):
    newcomer = EnrollmentFactory(consent=False).user
    client.force_login(newcomer)
    response = client.post(reverse("consent"), {"keep_research_data": "keep"})
    assert_all_reported(
        response,
        {
            "id_agree": (
                "Tick the box to say you agree. If you do not want to take part, "
                "talk to your course team."
            )
        },
    )
    assert 'value="keep" id="id_keep_research_data_0" required checked' in response.text


def test_profile_reports_every_mistake_at_once_and_keeps_what_was_typed(client, participant):
    client.force_login(participant)
    response = client.post(
        reverse("profile"),
        {
            "full_name": TOO_LONG_NAME,
            "preferred_name": "P" * 120,
            "timezone": "Mars/Olympus_Mons",
            "phone": "0" * 40,
        },
    )
    page = assert_all_reported(
        response,
        {
            "id_full_name": "Keep it to 200 characters or fewer (you have 239).",
            "id_preferred_name": "Keep it to 100 characters or fewer (you have 120).",
            "id_timezone": "Choose your time zone from the list.",
            "id_phone": "Keep it to 32 characters or fewer (you have 40).",
        },
    )
    assert TOO_LONG_NAME.strip() in page
    assert "P" * 120 in page
    assert "0" * 40 in page
    participant.refresh_from_db()
    assert participant.full_name == "Pat Participant"


def test_changing_the_password_reports_every_mistake_at_once(client, participant):
    client.force_login(participant)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not my password", "password1": "short", "password2": "different"},
    )
    assert_all_reported(
        response,
        {
            "id_oldpassword": "Please type your current password.",
            "id_password1": "This password is too short. It must contain at least 10 characters.",
            "id_password2": "You must type the same password each time.",
        },
    )
    participant.refresh_from_db()
    assert participant.check_password(PASSWORD)
