"""Security headers, cookies, the client address behind a proxy, and the error pages.

What a browser is told on each kind of response: every page gets the Content-Security-Policy
(nothing inline, nothing from elsewhere), nosniff, a same-origin referrer and a
Permissions-Policy; pages for a signed-in person and pages reached by a secret link are never
stored; static files stay cacheable.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import time_machine
from allauth.account.adapter import get_adapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import include, path, reverse

from accounts.headers import PERMISSIONS_POLICY
from tests.factories import UserFactory
from tests.sessions.staff_cast import NOW, enroll, group_cohort
from tests.test_settings import _run, production_environment  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def csp_directives(response: HttpResponse) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    parts = [part.strip().split(None, 1) for part in header.split(";") if part.strip()]
    return dict(parts)


def assert_page_headers(response: HttpResponse) -> None:
    """What every page, signed in or not, must carry."""
    assert csp_directives(response) == EXPECTED_CSP
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "data:" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert f"{feature}=()" in response["Permissions-Policy"]


def assert_never_stored(response: HttpResponse) -> None:
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control


def assert_may_be_stored(response: HttpResponse) -> None:
    assert "no-store" not in response.get("Cache-Control", "")


# --- Pages -----------------------------------------------------------------------------


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cohort(facilitator_user):
    return group_cohort(facilitator_user.memberships.get().organization, [facilitator_user])


def test_participant_page_is_never_stored(client, cohort, participant, now):
    enroll(cohort, user=participant)
    client.force_login(participant)

    response = client.get(reverse("reports:participant_home"))

    assert response.status_code == 200
    assert "Hello, Pat Participant" in response.text
    assert_page_headers(response)
    assert_never_stored(response)


def test_staff_page_is_never_stored(client, cohort, facilitator_user, now):
    enroll(cohort, user=UserFactory(full_name="Rowan Roster"))
    client.force_login(facilitator_user)

    response = client.get(reverse("reports:cohort_people", args=[cohort.pk]))

    assert response.status_code == 200
    assert "Rowan Roster" in response.text
    assert_page_headers(response)
    assert_never_stored(response)


def test_anonymous_login_page_has_the_headers(client):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    assert_page_headers(response)


def test_public_page_for_an_anonymous_visitor_may_be_stored(client):
    response = client.get(reverse("help"))

    assert response.status_code == 200
    assert_page_headers(response)
    assert_may_be_stored(response)


def test_the_answer_to_signing_in_is_never_stored(client, participant):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("account_login"), {"login": participant.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert_never_stored(response)


@pytest.mark.parametrize("signed_in", [False, True])
def test_static_files_stay_cacheable(client, participant, signed_in):
    if signed_in:
        client.force_login(participant)

    response = client.get(f"{settings.STATIC_URL}css/stillwater.css")

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert_may_be_stored(response)
    response.close()


def test_favicon_is_a_file_not_a_data_address(client):
    page = client.get(reverse("account_login"))
    match = re.search(r'<link rel="icon" href="([^"]+)"', page.text)
    assert match is not None
    assert match[1] == f"/{settings.STATIC_URL}img/favicon.svg".replace("//", "/")

    icon = client.get(match[1])
    assert icon.status_code == 200
    assert b"<circle" in b"".join(icon.streaming_content)


def test_invitation_link_page_is_never_stored(
    client, coordinator_user, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(coordinator_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("invitation_create"),
            {"email": "nia@example.org", "full_name": "Nia Newcomer", "role": ""},
        )
    token = re.search(r"/invitations/([\w-]+)/", mailoutbox[-1].body)[1]
    client.logout()

    response = client.get(reverse("invitation_accept", args=[token]))

    assert response.status_code == 200
    assert "Nia Newcomer" in response.text
    assert_page_headers(response)
    assert_never_stored(response)


def test_unsubscribe_link_page_is_never_stored(client, participant):
    from sessions.notifications.services.unsubscribe import unsubscribe_token

    response = client.get(
        reverse(
            "notifications:unsubscribe",
            args=[unsubscribe_token(user=participant, kind="session_24h")],
        )
    )

    assert response.status_code == 200
    assert_page_headers(response)
    assert_never_stored(response)


def test_authenticator_qr_code_is_drawn_inline_not_as_a_data_image(client, participant):
    from tests.factories import PASSWORD

    client.post(reverse("account_login"), {"login": participant.email, "password": PASSWORD})
    # Turning on an authenticator asks for the password again first, as it should.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 200
    assert "data:image" not in response.text
    assert "<?xml" not in response.text
    qr = re.search(r'<div class="qr-code" role="img" aria-label="[^"]+">\s*<svg', response.text)
    assert qr is not None
    assert_page_headers(response)
    assert_never_stored(response)


# --- Templates -------------------------------------------------------------------------

INLINE = {
    # A JSON data block (allauth's e-mail and recovery-code pages) is never run: the policy
    # leaves it alone and only the same-origin script beside it reads it.
    "an inline <script>": re.compile(
        r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.IGNORECASE
    ),
    "a <style> block": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "an event-handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: address": re.compile(r"javascript:", re.IGNORECASE),
}


def test_no_page_template_has_inline_script_or_style():
    """The policy would block them; e-mails are not pages and keep their inline styles."""
    found = []
    for template in sorted((BASE_DIR / "templates").rglob("*.html")):
        relative = template.relative_to(BASE_DIR / "templates")
        if relative.parts[0] == "emails":
            continue
        text = template.read_text()
        found += [f"{relative}: {what}" for what, pattern in INLINE.items() if pattern.search(text)]
    assert found == []


# --- Cookies and production ------------------------------------------------------------


def test_session_and_csrf_cookies_are_http_only_and_same_site(client, participant):
    from tests.factories import PASSWORD

    client.get(reverse("account_login"))
    response = client.post(
        reverse("account_login"), {"login": participant.email, "password": PASSWORD}
    )

    session = response.cookies[settings.SESSION_COOKIE_NAME]
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    for cookie in (session, csrf):
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


PRODUCTION_RESPONSE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
# Pages name their static files through the manifest `collectstatic` writes; without one here,
# plain static URLs stand in. Every other setting is production's.
override_settings(STORAGES={
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}).enable()
response = Client().get("/accounts/login/", secure=True, headers={"host": "stillwater.example.org"})
print(json.dumps({
    "status": response.status_code,
    "hsts": response.get("Strict-Transport-Security"),
    "csp": response.get("Content-Security-Policy"),
    "cookie": {name: dict(morsel, name=name) for name, morsel in response.cookies.items()},
    "session_cookie": [settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_SECURE,
                       settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE],
    "insecure": Client().get("/accounts/login/", headers={"host": "stillwater.example.org"})["Location"],
}))
"""


def test_production_sends_hsts_and_secure_host_only_cookies(production_environment):  # noqa: F811
    result = _run(["-c", PRODUCTION_RESPONSE], production_environment)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["status"] == 200
    # A year at least, for every subdomain too, and ready for the browsers' preload list.
    hsts = [part.strip() for part in seen["hsts"].split(";")]
    assert hsts[0].startswith("max-age=")
    assert int(hsts[0].removeprefix("max-age=")) >= 365 * 24 * 60 * 60
    assert set(hsts[1:]) == {"includeSubDomains", "preload"}
    assert "'unsafe-inline'" not in seen["csp"]
    csrf = seen["cookie"]["__Host-csrftoken"]
    assert csrf["secure"] is True
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"
    assert csrf["path"] == "/"
    assert csrf["domain"] == ""
    assert seen["session_cookie"] == ["__Host-sessionid", True, True, "Lax"]
    # Plain HTTP is sent to HTTPS before any page is shown.
    assert seen["insecure"] == "https://stillwater.example.org/accounts/login/"


# --- The client's address behind a proxy -----------------------------------------------


def _failed_logins(client: Client, count: int, forwarded_for) -> list[bool]:
    """Sign-in attempts with wrong passwords for different addresses: which were refused."""
    refused = []
    for attempt in range(count):
        response = client.post(
            reverse("account_login"),
            {"login": f"nobody{attempt}@example.org", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for(attempt),
        )
        refused.append("Too many failed login attempts" in response.text)
    return refused


def test_without_a_trusted_proxy_a_spoofed_forwarded_for_is_ignored(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0

    # A new made-up address each time does not buy new attempts: the connection's address counts.
    refused = _failed_logins(client, 11, lambda n: f"203.0.113.{n}")

    assert refused == [False] * 10 + [True]


def test_behind_one_proxy_each_visitor_is_counted_by_their_own_address(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    # The proxy appends the address it saw; ten visitors failing do not lock out the eleventh.
    refused = _failed_logins(client, 11, lambda n: f"203.0.113.{n}")

    assert refused == [False] * 11


def test_behind_one_proxy_only_the_address_the_proxy_added_counts(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    # One visitor writing made-up addresses in front of what the proxy appended gains nothing.
    refused = _failed_logins(client, 11, lambda n: f"198.51.100.{n}, 203.0.113.7")

    assert refused == [False] * 10 + [True]


def test_client_address_follows_the_proxy_count(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7"
    )
    adapter = get_adapter()

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert adapter.get_client_ip(request) == "10.0.0.1"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert adapter.get_client_ip(request) == "203.0.113.7"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    assert adapter.get_client_ip(request) == "198.51.100.1"


def test_base_settings_read_the_proxy_count_from_the_environment():
    source = (BASE_DIR / "config" / "settings" / "base.py").read_text()
    assert (
        'ALLAUTH_TRUSTED_PROXY_COUNT = env.int("STILLWATER_TRUSTED_PROXY_COUNT", default=0)'
        in source
    )


# --- Error pages -----------------------------------------------------------------------


class Boom(Exception):
    pass


def boom(request: HttpRequest) -> HttpResponse:
    raise Boom("secret detail: database password is hunter2")


# This module is also a URL configuration for the error-page tests: the site plus a view
# that fails.
urlpatterns = [path("boom/", boom), path("", include("config.urls"))]


def assert_error_page(
    response: HttpResponse, status: int, heading: str, *, refused_early: bool = False
) -> None:
    assert response.status_code == status
    text = response.content.decode()
    assert f"<h1>{heading}</h1>" in text
    assert '<main id="main"' in text
    assert 'href="#main">Skip to main content' in text
    assert ">Get help</a>" in text
    assert ">Go to your start page</a>" in text
    assert "Traceback" not in text
    if refused_early:
        # Refused by CommonMiddleware before the inner middleware ran: the outer ones still
        # sent the policy.
        assert csp_directives(response) == EXPECTED_CSP
        assert response["X-Content-Type-Options"] == "nosniff"
    else:
        assert_page_headers(response)


@pytest.mark.urls(__name__)
def test_a_failing_view_shows_the_plain_500_page_without_a_traceback(client, participant):
    client.force_login(participant)
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert_error_page(response, 500, "Something went wrong on our side")
    assert "hunter2" not in response.text
    assert "Boom" not in response.text
    assert not settings.DEBUG
    assert_never_stored(response)


def test_unknown_address_shows_the_404_page(client, participant):
    client.force_login(participant)

    response = client.get("/no-such-page/")

    assert_error_page(response, 404, "We could not find that page")
    # Signed in, the page keeps the site's menu.
    assert 'aria-label="Main"' in response.text


def test_a_form_without_its_security_token_explains_what_to_do():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("account_login"), {"login": "a@example.org", "password": "x"})

    assert_error_page(response, 403, "Your form could not be sent")
    assert "reload the page" in response.text
    assert "CSRF" not in response.text


def test_a_request_for_an_unknown_host_shows_the_400_page(client):
    response = client.get("/accounts/login/", headers={"host": "evil.example.com"})

    assert_error_page(
        response, 400, "Stillwater could not understand that request", refused_early=True
    )


def test_403_page_gives_no_internal_reason(participant, rf):
    from django.views.defaults import permission_denied

    request = rf.get("/somewhere/")
    request.user = participant
    response = permission_denied(request, Exception("internal reason"))

    assert response.status_code == 403
    assert "<h1>You cannot open this page</h1>" in response.content.decode()
    assert "internal reason" not in response.content.decode()


def test_too_many_attempts_page(client):
    for attempt in range(30):
        client.post(reverse("account_login"), {"login": f"x{attempt}@example.org", "password": "x"})

    response = client.post(reverse("account_login"), {"login": "late@example.org", "password": "x"})

    assert_error_page(response, 429, "Too many attempts in a short time")
