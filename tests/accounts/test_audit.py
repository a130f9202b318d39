"""The audit log cannot be changed through the app or the admin; sign-ins, sign-in failures,
two-factor changes and role changes are recorded with who, when and from which address."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import (
    AuditAction,
    AuditEvent,
    AuditLogImmutable,
    Invitation,
    Membership,
    Role,
)
from tests.factories import (
    PASSWORD,
    UserFactory,
    staff_totp_ensure,
    totp_code,
)
from tests.reauthentication import record_reauthentication

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/invitations/(?P<token>[\w-]+)/")
SECRET = re.compile(
    r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"|value="([A-Z2-7]+)"[^>]*id="authenticator_secret"'
)


def _only(action: str) -> AuditEvent:
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, [(e.action, e.actor_email) for e in events]
    return events[0]


# --- append-only --------------------------------------------------------------------------------


def test_an_event_cannot_be_changed_or_deleted_through_the_app(organization, coordinator_user):
    event = audit_record(
        request=None,
        actor=coordinator_user,
        action=AuditAction.EXPORT,
        organization=organization,
        details={"row_count": 3},
    )
    event.details = {"row_count": 0}
    with pytest.raises(AuditLogImmutable):
        event.save()
    with pytest.raises(AuditLogImmutable):
        event.delete()
    with pytest.raises(AuditLogImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(details={})
    with pytest.raises(AuditLogImmutable):
        AuditEvent.objects.all().delete()
    # bulk_update runs its UPDATE in an atomic block of its own, which the refusal spoils.
    with pytest.raises(AuditLogImmutable), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["details"])
    event.refresh_from_db()
    assert event.details == {"row_count": 3}
    assert AuditEvent.objects.count() == 1


def test_a_person_leaving_does_not_touch_their_events(participant):
    audit_record(request=None, actor=participant, action=AuditAction.LOGIN)
    participant_pk = participant.pk
    participant.delete()
    event = AuditEvent.objects.get()
    assert event.actor_id == participant_pk
    assert event.actor_email == "pat@example.org"


def test_the_admin_lists_and_searches_but_cannot_add_change_or_delete(
    client, organization, coordinator_user
):
    event = audit_record(
        request=None,
        actor=coordinator_user,
        action=AuditAction.VIEW_SCORES,
        organization=organization,
    )
    operator = UserFactory(email="ops@example.org", is_staff=True, is_superuser=True)
    staff_totp_ensure(operator)
    client.force_login(operator)

    listing = client.get(reverse("admin:accounts_auditevent_changelist") + "?q=cora")
    assert listing.status_code == 200
    assert "cora@example.org" in listing.text
    assert 'value="delete_selected"' not in listing.text
    assert reverse("admin:accounts_auditevent_add") not in listing.text
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    change = reverse("admin:accounts_auditevent_change", args=[event.pk])
    assert 'name="_save"' not in client.get(change).text
    assert (
        client.post(change, {"action": "login", "actor_email": "x@example.org"}).status_code == 403
    )
    delete = reverse("admin:accounts_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    # Asking for the bulk action by hand does not delete either.
    client.post(
        reverse("admin:accounts_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    event.refresh_from_db()
    assert (event.action, event.actor_email) == ("view_scores", "cora@example.org")
    assert AuditEvent.objects.filter(action=AuditAction.VIEW_SCORES).count() == 1


# --- signing in and out ------------------------------------------------------------------------


def test_signing_in_and_out_is_recorded_with_the_address(client, participant):
    response = client.post(
        reverse("account_login"),
        {"login": participant.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302
    login = _only(AuditAction.LOGIN)
    assert (login.actor, login.actor_email) == (participant, "pat@example.org")
    assert login.ip_address == "198.51.100.7"
    assert login.details["methods"] == ["password"]
    client.post(reverse("account_logout"), REMOTE_ADDR="198.51.100.7")
    logout = _only(AuditAction.LOGOUT)
    assert logout.actor == participant


def test_a_failed_sign_in_records_the_address_typed_and_nobody_as_the_actor(client, participant):
    response = client.post(
        reverse("account_login"),
        {"login": "Pat@Example.org", "password": "not-the-password"},
        REMOTE_ADDR="203.0.113.5",
    )
    assert response.status_code == 200
    failed = _only(AuditAction.LOGIN_FAILED)
    assert failed.actor is None
    assert failed.actor_email == "pat@example.org"
    assert failed.ip_address == "203.0.113.5"
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_recorded(
    client, participant, settings
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client.post(
        reverse("account_login"),
        {"login": participant.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert _only(AuditAction.LOGIN).ip_address == "203.0.113.9"


def test_without_a_trusted_proxy_a_forwarded_address_is_not_believed(client, participant, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    client.post(
        reverse("account_login"),
        {"login": participant.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert _only(AuditAction.LOGIN).ip_address == "10.0.0.1"


def test_staff_sign_in_is_one_entry_naming_both_steps(client, facilitator_user):
    client.post(reverse("account_login"), {"login": facilitator_user.email, "password": PASSWORD})
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()  # not in yet
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    refused = _only(AuditAction.MFA_FAILED)
    assert (refused.actor, refused.actor_email) == (None, "fay@example.org")
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    login = _only(AuditAction.LOGIN)
    assert login.actor == facilitator_user
    assert login.details["methods"] == ["password", "mfa"]


# --- two-factor changes -----------------------------------------------------------------------


def test_adding_replacing_and_removing_a_second_factor_is_recorded(
    client, participant, django_capture_on_commit_callbacks
):
    client.force_login(participant)
    record_reauthentication(client, participant)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    found = SECRET.search(page.text)
    assert found is not None
    secret = found.group(1) or found.group(2)
    # allauth sends its two-factor signals once the change is committed.
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert done.status_code == 302
    added = AuditEvent.objects.filter(action=AuditAction.MFA_ADDED)
    # The app, and the recovery codes allauth makes with the first authenticator.
    assert {e.details["type"] for e in added} == {"totp", "recovery_codes"}
    assert {e.actor for e in added} == {participant}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_generate_recovery_codes"))
    assert _only(AuditAction.MFA_RESET).details["type"] == "recovery_codes"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_deactivate_totp"))
    removed = AuditEvent.objects.filter(action=AuditAction.MFA_REMOVED)
    # Without the app the recovery codes go too: allauth removes both, and both are recorded.
    assert sorted(e.details["type"] for e in removed) == ["recovery_codes", "totp"]


# --- roles --------------------------------------------------------------------------------------


def _invite(client, captured, mailoutbox, **data):
    with captured(execute=True):
        return client.post(reverse("invitation_create"), {"full_name": "", **data})


def test_changing_a_colleagues_role_asks_for_the_password_then_records_each_step(
    client,
    organization,
    coordinator_user,
    facilitator_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    client.force_login(coordinator_user)
    sent_away = _invite(
        client,
        django_capture_on_commit_callbacks,
        mailoutbox,
        email="fay@example.org",
        role="coordinator",
    )
    assert sent_away.status_code == 302
    assert sent_away.url.startswith(reverse("account_reauthenticate"))
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.INVITATION_SENT).exists()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(sent_away.url, {"password": PASSWORD})
    # The same invitation goes out, as typed before the password.
    assert confirmed.status_code == 302
    assert confirmed.url == reverse("coordinator_home")
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("fay@example.org", "coordinator")
    sent = _only(AuditAction.INVITATION_SENT)
    assert sent.actor == coordinator_user
    assert sent.organization == organization
    assert sent.details == {
        "email": "fay@example.org",
        "role": "coordinator",
        "current_role": "facilitator",
    }

    token = LINK.search(mailoutbox[-1].body)["token"]
    # Fay has an account: she accepts signed in as herself (the link alone changes nothing).
    client.force_login(facilitator_user)
    accepted = client.post(reverse("invitation_accept", args=[token]), {})
    assert accepted.status_code == 302
    assert Membership.objects.get(user=facilitator_user).role == Role.COORDINATOR
    changed = _only(AuditAction.ROLE_CHANGED)
    assert changed.actor == facilitator_user
    assert changed.organization == organization
    assert changed.details["from"] == "facilitator"
    assert changed.details["to"] == "coordinator"
    assert changed.details["invited_by"] == "cora@example.org"
    history = Membership.objects.get(user=facilitator_user).history.order_by("history_id")
    assert [h.role for h in history] == ["facilitator", "coordinator"]


def test_inviting_someone_new_as_staff_asks_for_the_password_then_sends_and_records_it(
    client, organization, coordinator_user, mailoutbox, django_capture_on_commit_callbacks
):
    # Before: a new address got a staff role without the coordinator confirming who they are.
    client.force_login(coordinator_user)
    sent_away = _invite(
        client,
        django_capture_on_commit_callbacks,
        mailoutbox,
        email="new.person@example.org",
        full_name="New Person",
        role="facilitator",
    )
    assert sent_away.status_code == 302
    assert sent_away.url.startswith(reverse("account_reauthenticate"))
    assert not Invitation.objects.exists()
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(sent_away.url, {"password": PASSWORD})
    # The invitation goes out as typed before the password: nothing is lost.
    assert response.status_code == 302
    assert response.url == reverse("coordinator_home")
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.full_name, invitation.role) == (
        "new.person@example.org",
        "New Person",
        "facilitator",
    )
    assert [m.to for m in mailoutbox] == [["new.person@example.org"]]
    sent = _only(AuditAction.INVITATION_SENT)
    assert sent.details["current_role"] is None
    client.post(reverse("invitation_revoke", args=[invitation.pk]))
    revoked = _only(AuditAction.INVITATION_REVOKED)
    assert revoked.actor == coordinator_user
    assert revoked.details["email"] == "new.person@example.org"


def test_inviting_a_participant_needs_no_password(
    client, organization, coordinator_user, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(coordinator_user)
    response = _invite(
        client, django_capture_on_commit_callbacks, mailoutbox, email="pia@example.org", role=""
    )
    assert response.status_code == 302
    assert response.url == reverse("coordinator_home")
    assert Invitation.objects.get().email == "pia@example.org"
    assert [m.to for m in mailoutbox] == [["pia@example.org"]]


def test_inviting_a_member_to_the_role_they_have_is_refused_without_a_password(
    client, coordinator_user, facilitator_user, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(coordinator_user)
    response = _invite(
        client,
        django_capture_on_commit_callbacks,
        mailoutbox,
        email="fay@example.org",
        role="facilitator",
    )
    assert response.status_code == 200
    assert "already a facilitator here" in response.text
    assert not AuditEvent.objects.filter(action=AuditAction.INVITATION_SENT).exists()


def test_a_role_changed_in_the_admin_is_recorded_with_its_history(
    client, organization, facilitator_user
):
    operator = UserFactory(email="ops@example.org", is_staff=True, is_superuser=True)
    staff_totp_ensure(operator)
    client.force_login(operator)
    membership = Membership.objects.get(user=facilitator_user)
    response = client.post(
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        {"user": facilitator_user.pk, "organization": organization.pk, "role": "coordinator"},
    )
    assert response.status_code == 302, response.text
    changed = _only(AuditAction.ROLE_CHANGED)
    assert changed.actor == operator
    assert (changed.details["from"], changed.details["to"], changed.details["via"]) == (
        "facilitator",
        "coordinator",
        "admin",
    )
    latest = membership.history.order_by("-history_id").first()
    assert (latest.role, latest.history_user) == ("coordinator", operator)
