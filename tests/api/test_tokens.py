"""API tokens at the door: a token works until it is revoked or expires (then 401), does only what
its scopes allow (else 403), is limited per token (429 with Retry-After), is kept only as a hash,
and every call it makes, refused or not, is in the audit log. A browser session is no token."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.apps import apps
from django.contrib.sessions.models import Session
from django.urls import include, path, reverse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import AuditAction, AuditEvent
from sessions.api.base import ApiMixin
from sessions.api.models import ApiToken
from sessions.api.services import api_token_create, api_token_revoke
from sessions.api.throttling import ApiTokenThrottle
from tests.reauthentication import record_reauthentication

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.test_tokens")]


class _RowsView(ApiMixin, APIView):
    """A stand-in endpoint: a page of two participants' rows; POST needs the enroll scope."""

    def get(self, request: Request) -> Response:
        return Response({"next": None, "results": [{"participant_code": c} for c in CODES]})

    def post(self, request: Request) -> Response:
        return Response({"participant_code": "P-NEW"}, status=201)


CODES = ["P-A01", "P-B02"]
ROWS = "/api/test-rows/"
# The project's routes (the real /api/v1/ among them), and the stand-in endpoint.
urlpatterns = [
    path("api/test-rows/", _RowsView.as_view()),
    path("", include("config.urls")),
]


def _make(organization, by, *, scopes=(), days=30, name="Stats script") -> tuple[ApiToken, str]:
    return api_token_create(
        organization=organization,
        by=by,
        name=name,
        scopes=scopes,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )


def _bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _calls(token: ApiToken) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action=AuditAction.API_CALL, object_id=str(token.pk)).order_by(
            "pk"
        )
    )


# --- a token works, and only as long as it should ---------------------------------------------


def test_a_token_reads_the_api(client, organization, coordinator_user):
    _token, raw = _make(organization, coordinator_user)
    response = client.get(reverse("api_root"), **_bearer(raw))
    assert response.status_code == 200


def test_without_a_token_the_api_answers_401_with_a_bearer_challenge(client):
    response = client.get(reverse("api_root"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer sw_000000000000_not-a-real-secret", "This API token is not known."),
        ("Bearer nonsense", "This API token is not known."),
        ("Token sw_000000000000_x", "Send the token as"),
        ("Bearer", "Send the token as"),
    ],
)
def test_an_unknown_or_malformed_token_gets_401_saying_why(client, header, message):
    response = client.get(reverse("api_root"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert message in response.json()["detail"]


def test_a_token_that_is_almost_right_is_refused(client, organization, coordinator_user):
    _token, raw = _make(organization, coordinator_user)
    response = client.get(
        reverse("api_root"), **_bearer(raw[:-1] + ("A" if raw[-1] != "A" else "B"))
    )
    assert response.status_code == 401


def test_a_revoked_token_gets_401_from_that_moment(client, organization, coordinator_user):
    token, raw = _make(organization, coordinator_user)
    assert client.get(reverse("api_root"), **_bearer(raw)).status_code == 200
    api_token_revoke(token=token, by=coordinator_user)
    response = client.get(reverse("api_root"), **_bearer(raw))
    assert response.status_code == 401
    assert "This API token was revoked." in response.json()["detail"]


def test_a_token_revoked_on_the_page_gets_401(client, organization, coordinator_user):
    token, raw = _make(organization, coordinator_user)
    client.force_login(coordinator_user)
    record_reauthentication(client, coordinator_user)
    client.post(reverse("api_token_revoke", args=[organization.slug, token.pk]))
    client.logout()
    assert client.get(reverse("api_root"), **_bearer(raw)).status_code == 401


def test_an_expired_token_gets_401(client, organization, coordinator_user):
    start = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        _token, raw = _make(organization, coordinator_user, days=30)
    with time_machine.travel(start + dt.timedelta(days=30, seconds=-1), tick=False):
        assert client.get(reverse("api_root"), **_bearer(raw)).status_code == 200
    with time_machine.travel(start + dt.timedelta(days=30), tick=False):
        response = client.get(reverse("api_root"), **_bearer(raw))
    assert response.status_code == 401
    assert "This API token has expired." in response.json()["detail"]


def test_last_use_is_recorded(client, organization, coordinator_user):
    token, raw = _make(organization, coordinator_user)
    assert token.last_used_at is None
    when = dt.datetime(2026, 9, 2, 3, 0, tzinfo=dt.UTC)
    with time_machine.travel(when, tick=False):
        client.get(reverse("api_root"), **_bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == when


# --- scopes -----------------------------------------------------------------------------------


def test_a_read_only_token_may_not_write(client, organization, coordinator_user):
    _token, raw = _make(organization, coordinator_user)
    response = client.post(ROWS, {}, content_type="application/json", **_bearer(raw))
    assert response.status_code == 403
    assert "does not have the “enroll” scope" in response.json()["detail"]


def test_a_token_with_the_enroll_scope_may_write(client, organization, coordinator_user):
    _token, raw = _make(organization, coordinator_user, scopes=["enroll"])
    response = client.post(ROWS, {}, content_type="application/json", **_bearer(raw))
    assert response.status_code == 201


# --- no browser session on the API ------------------------------------------------------------


def test_a_signed_in_coordinators_session_cookie_gets_401(client, organization, coordinator_user):
    client.force_login(coordinator_user)
    record_reauthentication(client, coordinator_user)
    assert client.get(reverse("coordinator_home")).status_code == 200  # the session works
    for url in (reverse("api_root"), ROWS):
        assert client.get(url).status_code == 401
        assert client.post(url, {}, content_type="application/json").status_code == 401
    assert not AuditEvent.objects.filter(action=AuditAction.API_CALL).exists()


def test_a_session_cookie_beside_a_token_adds_nothing(client, organization, coordinator_user):
    # The token's scopes decide, not the coordinator signed in on the same client.
    _token, raw = _make(organization, coordinator_user)
    client.force_login(coordinator_user)
    response = client.post(ROWS, {}, content_type="application/json", **_bearer(raw))
    assert response.status_code == 403


def test_a_call_with_a_token_leaves_no_session_and_sets_no_cookie(
    client, organization, coordinator_user
):
    # The idle logoff and change-history middleware run around every view; a token's client is
    # not a signed-in person, so neither writes a session for it.
    _token, raw = _make(organization, coordinator_user, scopes=["enroll"])
    for method in (client.get, client.post):
        response = method(ROWS, content_type="application/json", **_bearer(raw))
        assert response.status_code in (200, 201)
        assert not response.cookies
        # Nobody in between keeps a copy of what a token read.
        assert "no-store" in response["Cache-Control"]
    enrolled = client.get(reverse("api_root"), **_bearer(raw))
    assert enrolled.status_code == 200
    assert not enrolled.cookies
    assert not Session.objects.exists()


# --- the rate limit ---------------------------------------------------------------------------


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(ApiTokenThrottle, "THROTTLE_RATES", {"api_token": "3/minute"})


def test_after_the_limit_a_token_gets_429_with_retry_after(
    client, organization, coordinator_user, three_a_minute
):
    token, raw = _make(organization, coordinator_user)
    start = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            assert client.get(ROWS, **_bearer(raw)).status_code == 200
        refused = client.get(ROWS, **_bearer(raw))
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    # A minute later it works again.
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert client.get(ROWS, **_bearer(raw)).status_code == 200
    assert [e.details["status"] for e in _calls(token)] == [200, 200, 200, 429, 200]


def test_the_limit_is_counted_per_token(client, organization, coordinator_user, three_a_minute):
    _busy, busy_raw = _make(organization, coordinator_user, name="Busy")
    _quiet, quiet_raw = _make(organization, coordinator_user, name="Quiet")
    with time_machine.travel(dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC), tick=False):
        for _ in range(3):
            client.get(ROWS, **_bearer(busy_raw))
        assert client.get(ROWS, **_bearer(busy_raw)).status_code == 429
        assert client.get(ROWS, **_bearer(quiet_raw)).status_code == 200


# --- hashed at rest ---------------------------------------------------------------------------


def _everything_stored() -> str:
    """Every row of every table (sessions decoded) as text, to look for a secret in."""
    parts = []
    for model in apps.get_models(include_auto_created=True):
        parts.extend(str(row) for row in model._default_manager.values())
    parts.extend(str(session.get_decoded()) for session in Session.objects.all())
    return "\n".join(parts)


def test_the_raw_token_is_nowhere_in_the_database(client, organization, coordinator_user):
    client.force_login(coordinator_user)
    record_reauthentication(client, coordinator_user)
    page = client.post(
        reverse("api_token_create", args=[organization.slug]),
        {"name": "Sync", "scopes": ["enroll"], "expires_in_days": "30"},
    )
    token = ApiToken.objects.get()
    start = page.text.index(f"sw_{token.prefix}_")
    raw = page.text[start : page.text.index("<", start)]
    assert len(raw) > 40
    # It works, and using it (audited) stores it nowhere either.
    assert client.get(ROWS, **_bearer(raw)).status_code == 200
    stored = _everything_stored()
    assert token.key_hash in stored  # the check can see token rows
    assert raw not in stored
    assert raw.split("_", 2)[2] not in stored  # not even the secret part alone


# --- the audit log ----------------------------------------------------------------------------


def test_every_call_is_in_the_audit_log_with_the_participants_it_returned(
    client, organization, coordinator_user
):
    token, raw = _make(organization, coordinator_user, name="Nightly sync")
    client.get(ROWS + "?cohort=4", **_bearer(raw))
    client.get(reverse("api_root"), **_bearer(raw))
    client.post(ROWS, {}, content_type="application/json", **_bearer(raw))  # 403
    events = _calls(token)
    assert len(events) == 3
    first = events[0]
    assert first.organization == organization
    assert first.actor is None
    assert first.actor_email == f"api token {token.prefix}"
    assert first.participant_codes == "P-A01 P-B02"
    assert first.details == {
        "method": "GET",
        "path": ROWS,
        "query": "cohort=4",
        "status": 200,
        "rows": 2,
        "token": "Nightly sync",
    }
    assert [e.details["status"] for e in events] == [200, 200, 403]
    assert events[2].details["method"] == "POST"


def test_calls_with_a_revoked_or_expired_token_are_audited(client, organization, coordinator_user):
    revoked, revoked_raw = _make(organization, coordinator_user, name="Revoked")
    api_token_revoke(token=revoked, by=coordinator_user)
    client.get(ROWS, **_bearer(revoked_raw))
    start = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        expired, expired_raw = _make(organization, coordinator_user, name="Expired", days=30)
    with time_machine.travel(start + dt.timedelta(days=31), tick=False):
        client.get(ROWS, **_bearer(expired_raw))
    for token in (revoked, expired):
        (event,) = _calls(token)
        assert event.details["status"] == 401
        assert event.participant_codes == ""


def test_a_call_without_a_known_token_names_no_token(client):
    client.get(ROWS, HTTP_AUTHORIZATION="Bearer sw_000000000000_guess")
    # Nobody holds a token to name; the answer is 401 and the log is not flooded by guesses.
    assert not AuditEvent.objects.filter(action=AuditAction.API_CALL).exists()


def test_the_audit_page_shows_api_calls_readably(
    client, organization, coordinator_user, other_coordinator
):
    token, raw = _make(organization, coordinator_user, name="Nightly sync")
    client.get(ROWS + "?cohort=4", **_bearer(raw))
    client.force_login(coordinator_user)
    page = client.get(reverse("audit_log"), {"action": "api_call"}).text
    assert f"api token {token.prefix}" in page
    assert "Called the API" in page
    assert f"API token {token.pk}" in page
    assert "P-A01 P-B02" in page
    # Each detail as "name: value" (PostgreSQL keeps JSON keys in an order of its own).
    for part in (
        "method: GET",
        f"path: {ROWS}",
        "query: cohort=4",
        "status: 200",
        "rows: 2",
        "token: Nightly sync",
    ):
        assert part in page, part
    # Another organization's coordinator does not see them.
    client.force_login(other_coordinator)
    assert f"api token {token.prefix}" not in client.get(reverse("audit_log")).text
