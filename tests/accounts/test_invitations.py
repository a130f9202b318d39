"""Coordinators invite people by e-mail; the link verifies the address and is used once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User, hash_token
from accounts.services import InvitationError, invitation_accept, invitation_create

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/invitations/(?P<token>[\w-]+)/")


def _invite(client, django_capture_on_commit_callbacks, mailoutbox, **data) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invitation_create"), data)
    assert response.status_code == 302, response.content
    return LINK.search(mailoutbox[-1].body)["token"]


def test_invited_participant_verifies_sets_password_and_signs_in(
    client, coordinator_user, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(coordinator_user)
    token = _invite(
        client,
        django_capture_on_commit_callbacks,
        mailoutbox,
        email="New.Person@Example.org",
        full_name="New Person",
        role="",
    )
    message = mailoutbox[-1]
    assert message.to == ["new.person@example.org"]
    # Organizations are often named for the condition they serve; the e-mail names the inviter.
    assert "Riverside MS Centre" not in message.subject
    assert "has invited you to Stillwater" in message.subject
    assert message.alternatives[0][1] == "text/html"
    client.logout()

    page = client.get(reverse("invitation_accept", args=[token]))
    assert page.status_code == 200
    assert "Choose a password" in page.text

    response = client.post(
        reverse("invitation_accept", args=[token]),
        {"full_name": "New Person", "password": "quiet lake morning"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("program_sessions:participant_home")
    assert "Hello, New Person" in response.text
    user = User.objects.get(email="new.person@example.org")
    assert EmailAddress.objects.get(user=user).verified
    assert not user.memberships.exists()

    client.logout()
    login = client.post(
        reverse("account_login"),
        {"login": "new.person@example.org", "password": "quiet lake morning"},
    )
    assert login.status_code == 302
    assert login.url == reverse("home")


def test_invited_facilitator_gets_the_facilitator_role(
    client, coordinator_user, organization, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(coordinator_user)
    token = _invite(
        client,
        django_capture_on_commit_callbacks,
        mailoutbox,
        email="fac@example.org",
        role="facilitator",
    )
    client.logout()
    response = client.post(
        reverse("invitation_accept", args=[token]),
        {"full_name": "Fran", "password": "quiet lake morning"},
        follow=True,
    )
    # Staff set up an authenticator app before their first staff page (accounts/mfa.py),
    # straight away: the password they have just chosen is not asked for again.
    landing = response.redirect_chain[-1][0]
    assert landing.startswith(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert "Authenticator" in response.text
    assert Membership.objects.get(user__email="fac@example.org").role == Role.FACILITATOR


def test_invitation_link_works_only_once(client, coordinator_user, organization):
    invitation_create(
        organization=organization, email="once@example.org", role="", invited_by=coordinator_user
    )
    token = "t" * 43
    Invitation.objects.filter(email="once@example.org").update(token_hash=hash_token(token))
    invitation_accept(token=token, password="quiet lake morning")

    page = client.get(reverse("invitation_accept", args=[token]))
    assert page.status_code == 404
    assert "already been used" in page.text
    with pytest.raises(InvitationError, match="already been used"):
        invitation_accept(token=token, password="another long password")


def test_expired_invitation_is_refused_with_a_clear_message(client, coordinator_user, organization):
    invitation_create(
        organization=organization, email="late@example.org", role="", invited_by=coordinator_user
    )
    token = "x" * 43
    Invitation.objects.filter(email="late@example.org").update(token_hash=hash_token(token))
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        page = client.get(reverse("invitation_accept", args=[token]))
        assert page.status_code == 404
        assert "expired" in page.text
        assert not User.objects.filter(email="late@example.org").exists()


def test_reinviting_withdraws_the_older_link(coordinator_user, organization):
    first = invitation_create(
        organization=organization, email="p@example.org", role="", invited_by=coordinator_user
    )
    second = invitation_create(
        organization=organization, email="P@example.org", role="", invited_by=coordinator_user
    )
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.is_usable


def test_reinviting_an_existing_address_reuses_the_account(
    client, coordinator_user, organization, participant
):
    invitation_create(
        organization=organization,
        email=participant.email,
        role="facilitator",
        invited_by=coordinator_user,
    )
    token = "r" * 43
    Invitation.objects.filter(email=participant.email).update(token_hash=hash_token(token))
    page = client.get(reverse("invitation_accept", args=[token]))
    assert "already have an account" in page.text
    response = client.post(reverse("invitation_accept", args=[token]), {"full_name": ""})
    assert response.url == reverse("account_login")
    assert User.objects.filter(email__iexact=participant.email).count() == 1
    participant.refresh_from_db()
    assert participant.check_password("a-long-test-password")
    assert participant.memberships.get().role == Role.FACILITATOR


def test_weak_password_keeps_the_invitation_and_says_why(client, coordinator_user, organization):
    invitation_create(
        organization=organization, email="weak@example.org", role="", invited_by=coordinator_user
    )
    token = "w" * 43
    Invitation.objects.filter(email="weak@example.org").update(token_hash=hash_token(token))
    response = client.post(
        reverse("invitation_accept", args=[token]), {"full_name": "Wendy", "password": "12345"}
    )
    assert response.status_code == 200
    assert "too short" in response.text
    # What was typed is still in the form, and the link still works.
    assert 'value="Wendy"' in response.text
    assert Invitation.objects.get(email="weak@example.org").is_usable


def test_cannot_invite_an_existing_coordinator_again(client, coordinator_user):
    client.force_login(coordinator_user)
    response = client.post(
        reverse("invitation_create"), {"email": coordinator_user.email, "role": "coordinator"}
    )
    assert response.status_code == 200
    assert "already a coordinator here" in response.text


def test_invalid_email_is_reported_on_the_form(client, coordinator_user, mailoutbox):
    client.force_login(coordinator_user)
    response = client.post(
        reverse("invitation_create"), {"email": "not-an-address", "full_name": "Sam"}
    )
    assert response.status_code == 200
    assert "Enter a valid email address" in response.text
    assert 'value="Sam"' in response.text
    assert mailoutbox == []


def test_a_coordinator_withdraws_their_own_invitation(client, coordinator_user, organization):
    invitation = invitation_create(
        organization=organization, email="w@example.org", role="", invited_by=coordinator_user
    )
    client.force_login(coordinator_user)
    response = client.post(reverse("invitation_revoke", args=[invitation.pk]), follow=True)
    assert "no longer works" in response.text
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


@pytest.mark.parametrize("who", ["other_coordinator", "facilitator_user", "participant"])
def test_others_cannot_withdraw_an_invitation(request, client, coordinator_user, organization, who):
    invitation = invitation_create(
        organization=organization, email="w@example.org", role="", invited_by=coordinator_user
    )
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_usable


def test_coordinator_sees_pending_invitations_not_other_organizations(
    client, coordinator_user, organization, other_coordinator, other_organization
):
    invitation_create(
        organization=organization, email="mine@example.org", role="", invited_by=coordinator_user
    )
    invitation_create(
        organization=other_organization,
        email="theirs@example.org",
        role="",
        invited_by=other_coordinator,
    )
    client.force_login(coordinator_user)
    page = client.get(reverse("coordinator_home"))
    assert "mine@example.org" in page.text
    assert "theirs@example.org" not in page.text
