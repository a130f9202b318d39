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
from tests.factories import PASSWORD, UserFactory
from tests.reauthentication import record_reauthentication

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
    assert response.redirect_chain[-1][0] == reverse("reports:participant_home")
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
    # Giving a staff role asks for the password first (tested through the real page in
    # test_inviting_someone_new_as_staff_asks_for_the_password_then_sends_and_records_it).
    record_reauthentication(client, coordinator_user)
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


def test_reinviting_an_existing_address_reuses_the_account_once_its_owner_signs_in(
    client, coordinator_user, organization, participant
):
    # Before: the link alone, opened signed out, gave the existing account the role. Now the
    # owner signs in first, comes back to the invitation, and only confirms.
    invitation_create(
        organization=organization,
        email=participant.email,
        role="facilitator",
        invited_by=coordinator_user,
    )
    token = "r" * 43
    Invitation.objects.filter(email=participant.email).update(token_hash=hash_token(token))
    link = reverse("invitation_accept", args=[token])
    page = client.get(link, follow=True)
    assert page.redirect_chain[0][0] == f"{reverse('account_login')}?next={link}"
    assert f"Sign in as {participant.email} to accept the invitation" in page.text

    signed_in = client.post(
        f"{reverse('account_login')}?next={link}",
        {"login": participant.email, "password": PASSWORD},
    )
    assert signed_in.url == link
    page = client.get(link)
    assert page.status_code == 200
    assert "You are signed in as <strong>pat@example.org</strong>" in page.text
    assert 'name="full_name"' not in page.text
    assert 'name="password"' not in page.text
    response = client.post(link, {})
    assert response.url == reverse("home")
    assert User.objects.filter(email__iexact=participant.email).count() == 1
    participant.refresh_from_db()
    assert participant.check_password(PASSWORD)
    assert participant.full_name == "Pat Participant"
    assert participant.memberships.get().role == Role.FACILITATOR


# --- an existing account: only its owner, signed in, accepts ---------------------------------


@pytest.fixture
def invited_pat(organization, coordinator_user, participant):
    """Pat (an account in use, with a password) is invited as a facilitator; the link's token."""
    invitation_create(
        organization=organization,
        email=participant.email,
        full_name="Somebody Else",
        role="facilitator",
        invited_by=coordinator_user,
    )
    token = "p" * 43
    Invitation.objects.filter(email=participant.email).update(token_hash=hash_token(token))
    return token


def _nothing_changed(participant, organization) -> None:
    participant.refresh_from_db()
    assert participant.full_name == "Pat Participant"
    assert participant.check_password(PASSWORD)
    assert not Membership.objects.filter(user=participant).exists()
    assert Invitation.objects.get(email=participant.email, organization=organization).is_usable


def test_an_invitation_link_of_an_existing_account_used_signed_out_changes_nothing(
    client, organization, participant, invited_pat
):
    # Before: anyone holding the link could rename participant4 and give the account a role.
    link = reverse("invitation_accept", args=[invited_pat])
    posted = client.post(link, {"full_name": "Renamed By A Link Holder"})
    assert posted.status_code == 302
    assert posted.url.startswith(reverse("account_login"))
    _nothing_changed(participant, organization)
    with pytest.raises(InvitationError, match="Sign in to accept it"):
        invitation_accept(token=invited_pat, password=None, full_name="Renamed")
    _nothing_changed(participant, organization)


def test_an_invitation_of_an_existing_account_opened_as_someone_else_says_so_and_changes_nothing(
    client, organization, participant, invited_pat
):
    someone = UserFactory(email="sam@example.org", full_name="Sam Someone")
    client.force_login(someone)
    link = reverse("invitation_accept", args=[invited_pat])
    page = client.get(link)
    assert page.status_code == 403
    assert "This invitation is for another account" in page.text
    assert "Nothing has been changed." in page.text
    assert "pat@example.org" in page.text
    posted = client.post(link, {"full_name": "Renamed By Sam"})
    assert posted.status_code == 403
    _nothing_changed(participant, organization)
    someone.refresh_from_db()
    assert someone.full_name == "Sam Someone"
    assert not Membership.objects.filter(user=someone).exists()
    with pytest.raises(InvitationError, match="for another account"):
        invitation_accept(token=invited_pat, password=None, signed_in=someone)
    _nothing_changed(participant, organization)


def test_the_page_for_another_account_signs_out_and_comes_back_to_the_invitation(
    client, participant, invited_pat
):
    client.force_login(UserFactory(email="sam@example.org"))
    link = reverse("invitation_accept", args=[invited_pat])
    page = client.get(link)
    assert f'name="next" value="{link}"' in page.text
    signed_out = client.post(reverse("account_logout"), {"next": link})
    assert signed_out.url == link
    assert client.get(link).url.startswith(reverse("account_login"))


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
