"""The coordinator's API page: tokens listed in words, made (after the password) and shown once,
revoked; nobody but the organization's coordinators reaches any of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent, User
from sessions.api.models import ApiToken
from sessions.api.services import api_token_create
from sessions.api.tokens import token_hash
from tests.factories import PASSWORD
from tests.reauthentication import record_reauthentication

pytestmark = pytest.mark.django_db

GOOD = {"name": "Nightly REDCap sync", "scopes": ["enroll"], "expires_in_days": "90"}
SECRET = re.compile(r"sw_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}")


def _page(organization) -> str:
    return reverse("api_page", args=[organization.slug])


def _new(organization) -> str:
    return reverse("api_token_create", args=[organization.slug])


def _revoke(organization, token) -> str:
    return reverse("api_token_revoke", args=[organization.slug, token.pk])


def _token(organization, by, name="Stats script", scopes=(), days=30) -> ApiToken:
    token, _raw = api_token_create(
        organization=organization,
        by=by,
        name=name,
        scopes=scopes,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return token


@pytest.fixture
def signed_in(client, coordinator_user):
    """The organization's coordinator, signed in, who has just confirmed their password."""
    client.force_login(coordinator_user)
    record_reauthentication(client, coordinator_user)
    return client


# --- who reaches the page ---------------------------------------------------------------------


def test_the_coordinator_home_links_to_the_api_page(client, coordinator_user, organization):
    client.force_login(coordinator_user)
    page = client.get(reverse("coordinator_home")).text
    assert f'href="{_page(organization)}"' in page


def test_the_api_page_links_to_the_documentation(client, coordinator_user, organization):
    client.force_login(coordinator_user)
    page = client.get(_page(organization)).text
    assert f'href="{reverse("api_docs")}"' in page


@pytest.mark.parametrize("who", ["facilitator_user", "participant", "other_coordinator"])
def test_anyone_but_its_coordinators_gets_404_before_any_password_prompt(
    client, request, organization, coordinator_user, who
):
    token = _token(organization, coordinator_user)
    user: User = request.getfixturevalue(who)
    client.force_login(user)  # no recent password: a 302 to the prompt would leak existence
    assert client.get(_page(organization)).status_code == 404
    assert client.post(_new(organization), GOOD).status_code == 404
    assert client.post(_revoke(organization, token)).status_code == 404
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_another_organizations_coordinator_cannot_revoke_through_their_own_page(
    client, organization, coordinator_user, other_organization, other_coordinator
):
    token = _token(organization, coordinator_user)
    client.force_login(other_coordinator)
    record_reauthentication(client, other_coordinator)
    # Their own slug, our token's number: it is not among their organization's tokens.
    assert client.post(_revoke(other_organization, token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_each_coordinator_sees_only_their_own_organizations_tokens(
    client, organization, coordinator_user, other_organization, other_coordinator
):
    _token(organization, coordinator_user, name="Riverside sync")
    _token(other_organization, other_coordinator, name="Hillview sync")
    client.force_login(other_coordinator)
    page = client.get(_page(other_organization)).text
    assert "Hillview sync" in page
    assert "Riverside sync" not in page


# --- the list ---------------------------------------------------------------------------------


def test_the_list_says_what_each_token_may_do_and_whether_it_works(
    client, organization, coordinator_user, django_assert_max_num_queries
):
    with time_machine.travel(dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC), tick=False):
        active = _token(
            organization, coordinator_user, name="Active one", scopes=["enroll"], days=365
        )
        _token(organization, coordinator_user, name="Short one", days=30)
        revoked = _token(
            organization, coordinator_user, name="Stopped one", scopes=["identifiable"], days=365
        )
    revoked.revoked_at = timezone.now()
    revoked.revoked_by = coordinator_user
    revoked.save()
    ApiToken.objects.filter(pk=active.pk).update(last_used_at=timezone.now())
    with time_machine.travel(dt.datetime(2026, 10, 15, 9, tzinfo=dt.UTC), tick=False):
        client.force_login(coordinator_user)
        with django_assert_max_num_queries(8):
            response = client.get(_page(organization))
    assert response.status_code == 200
    rows = dict(re.findall(r'<td data-label="Name">([^<]+)</td>(.*?)</tr>', response.text, re.S))
    assert set(rows) == {"Active one", "Short one", "Stopped one"}
    assert "Read pseudonymous data" in rows["Active one"]
    assert "Enroll participants" in rows["Active one"]
    assert "Read names and e-mail addresses" not in rows["Active one"]
    assert ">Active<" in rows["Active one"]
    assert ">Never<" not in rows["Active one"]
    assert ">Expired<" in rows["Short one"]
    assert ">Never<" in rows["Short one"]
    assert ">Revoked<" in rows["Stopped one"]
    assert "Read names and e-mail addresses" in rows["Stopped one"]
    assert "Cora Coordinator" in rows["Active one"]
    assert f"sw_{active.prefix}_…" in rows["Active one"]
    # A revoked token has no button; the others do (an expired one can still be stopped for good).
    assert "<button" not in rows["Stopped one"]
    assert "Revoke<span" in rows["Short one"]


def test_the_list_makes_the_same_number_of_queries_however_many_tokens(
    client, organization, coordinator_user, django_assert_max_num_queries
):
    for n in range(12):
        _token(organization, coordinator_user, name=f"Token {n}")
    client.force_login(coordinator_user)
    with django_assert_max_num_queries(8):
        assert client.get(_page(organization)).status_code == 200


# --- making a token ---------------------------------------------------------------------------


def test_making_a_token_asks_for_the_password_first_and_then_shows_the_secret_once(
    client, coordinator_user, organization
):
    client.force_login(coordinator_user)
    sent_away = client.post(_new(organization), GOOD)
    assert sent_away.status_code == 302
    assert sent_away.url.startswith(reverse("account_reauthenticate"))
    assert not ApiToken.objects.exists()

    # allauth keeps the suspended POST and runs it once the password is confirmed.
    response = client.post(sent_away.url, {"password": PASSWORD})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.name == "Nightly REDCap sync"
    assert token.scopes == ["enroll", "read"]
    (raw,) = set(SECRET.findall(response.text))
    assert raw.startswith(f"sw_{token.prefix}_")
    assert token.key_hash == token_hash(raw)
    assert "no-store" in response["Cache-Control"]


def test_the_new_token_page_shows_the_secret_with_a_copy_button_and_no_cache(
    signed_in, organization
):
    response = signed_in.post(_new(organization), GOOD)
    assert response.status_code == 200
    assert "<h1>Your new API token</h1>" in response.text
    raw = SECRET.search(response.text)
    assert raw is not None
    assert "no-store" in response["Cache-Control"]
    assert 'data-copy-target="api-token-secret"' in response.text
    assert 'role="status"' in response.text
    assert "/static/js/copy-link.js" in response.text
    # Never again: not on the list, not anywhere the coordinator goes next.
    for page in (_page(organization), reverse("audit_log"), reverse("coordinator_home")):
        assert raw.group(0) not in signed_in.get(page).text
    assert raw.group(0) not in str(dict(signed_in.session))


def test_expiry_and_scopes_are_what_was_chosen(signed_in, organization):
    now = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        signed_in.post(
            _new(organization),
            {"name": "Year", "scopes": ["enroll", "identifiable"], "expires_in_days": "365"},
        )
    token = ApiToken.objects.get()
    assert token.expires_at == now + dt.timedelta(days=365)
    assert token.scopes == ["enroll", "identifiable", "read"]


def test_reading_alone_is_what_a_token_gets_when_nothing_is_ticked(signed_in, organization):
    signed_in.post(_new(organization), {"name": "Reader", "expires_in_days": "30"})
    assert ApiToken.objects.get().scopes == ["read"]


def test_making_a_token_is_in_the_audit_log(signed_in, organization, coordinator_user):
    signed_in.post(_new(organization), GOOD)
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_CREATED)
    assert event.actor == coordinator_user
    assert event.organization == organization
    page = signed_in.get(reverse("audit_log")).text
    assert "Made an API token" in page
    assert "Nightly REDCap sync" in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"name": "", "expires_in_days": "90"}, "Give the token a name that says what it is for."),
        (
            {"name": "   ", "expires_in_days": "90"},
            "Give the token a name that says what it is for.",
        ),
        ({"name": "x" * 150, "expires_in_days": "90"}, "Keep it to 100 characters or fewer"),
        ({"name": "Sync", "expires_in_days": "7"}, "Choose how long the token works"),
        ({"name": "Sync"}, "Choose how long the token works."),
        ({"name": "Sync", "expires_in_days": "30", "scopes": ["admin"]}, "Choose from the list."),
        ({"name": "Sync\u202etxt", "expires_in_days": "30"}, "Use letters, digits, spaces"),
    ],
)
def test_bad_input_is_explained_and_what_was_typed_is_kept(signed_in, organization, typed, message):
    response = signed_in.post(_new(organization), {"scopes": ["enroll"], **typed})
    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S)
    assert summary is not None
    assert message in summary.group(0)
    assert "<title>Error: " in response.text
    if typed.get("name", "").strip() and "\u202e" not in typed["name"]:
        assert f'value="{typed["name"]}"' in response.text
    if "scopes" not in typed:
        assert re.search(r'value="enroll"[^>]*checked', response.text)
    assert not ApiToken.objects.exists()


# --- revoking ---------------------------------------------------------------------------------


def test_revoking_asks_for_the_password_then_stops_the_token(
    client, coordinator_user, organization
):
    token = _token(organization, coordinator_user, name="Old sync")
    client.force_login(coordinator_user)
    sent_away = client.post(_revoke(organization, token))
    assert sent_away.url.startswith(reverse("account_reauthenticate"))
    token.refresh_from_db()
    assert token.revoked_at is None

    response = client.post(sent_away.url, {"password": PASSWORD})
    assert response.status_code == 302
    assert response.url == _page(organization)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by == coordinator_user
    page = client.get(_page(organization)).text
    assert "The token “Old sync” is revoked." in page
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1


def test_revoking_twice_changes_nothing_the_second_time(signed_in, organization, coordinator_user):
    token = _token(organization, coordinator_user, name="Old sync")
    signed_in.post(_revoke(organization, token))
    first = ApiToken.objects.get().revoked_at
    response = signed_in.post(_revoke(organization, token), follow=True)
    assert "The token “Old sync” was already revoked." in response.text
    assert ApiToken.objects.get().revoked_at == first
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1


def test_the_token_pages_refuse_get_where_only_post_makes_sense(signed_in, organization):
    assert signed_in.get(_new(organization)).status_code == 405
