"""Staff need an authenticator app as well as their password; participants never do."""

from __future__ import annotations

import html
import re
import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from accounts.adapters import MFAAdapter
from tests.factories import (
    PASSWORD,
    STAFF_TOTP_SECRET,
    UserFactory,
    coordinator,
    facilitator,
    staff_totp_ensure,
    totp_code,
)

pytestmark = pytest.mark.django_db

STAFF_PAGE = "/cohorts/"
SECRET_SHOWN = re.compile(r'<input[^>]*id="authenticator_secret"[^>]*>', re.S)
VALUE = re.compile(r'value="([A-Z2-7]+)"')
RECOVERY_CODE = re.compile(r"\b(\d{8})\b")


@pytest.fixture(params=["facilitator", "coordinator"])
def new_staff(request, organization):
    """A staff member who has not set up an authenticator app yet."""
    make = facilitator if request.param == "facilitator" else coordinator
    return make(organization, user__email=f"new-{request.param}@example.org", totp=False)


def _sign_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def _secret_shown(page_text: str) -> str:
    field = SECRET_SHOWN.search(page_text)
    assert field is not None, "the set-up page shows no secret to type into an app"
    match = VALUE.search(field.group(0))
    assert match is not None
    return match.group(1)


def _set_up_app(client) -> str:
    """Go through allauth's set-up as a person would; return the secret the page showed."""
    page = client.get(reverse("mfa_activate_totp"))
    if page.status_code == 302:
        # allauth asks for the password again before adding a second factor.
        assert page.url.startswith(reverse("account_reauthenticate"))
        confirmed = client.post(page.url, {"password": PASSWORD})
        assert confirmed.status_code == 302
        page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = _secret_shown(page.text)
    done = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert done.status_code == 302, done.text
    return secret


def test_staff_signed_in_with_a_password_only_are_sent_to_set_up_an_app(client, new_staff):
    assert _sign_in(client, new_staff).status_code == 302

    response = client.get(STAFF_PAGE)

    assert response.status_code == 302
    assert response.url == f"{reverse('mfa_activate_totp')}?next=%2Fcohorts%2F"
    # Every staff page, including the landing page every sign-in goes to.
    assert client.get(reverse("home")).url.startswith(reverse("mfa_activate_totp"))
    page = client.get(reverse("mfa_activate_totp"), follow=True)
    assert "Staff accounts need a second step when signing in" in page.text


def test_staff_set_up_an_app_and_then_sign_in_with_its_code(client, new_staff):
    _sign_in(client, new_staff)
    secret = _set_up_app(client)

    assert client.get(STAFF_PAGE).status_code == 200

    # Stored encrypted: the row holds neither the secret shown nor anything readable as one.
    stored = Authenticator.objects.get(user=new_staff, type=Authenticator.Type.TOTP)
    assert stored.data["secret"] != secret
    assert secret not in str(stored.data)
    assert decrypt(stored.data["secret"]) == secret

    client.post(reverse("account_logout"))
    # The next half-minute: a code is accepted once, and the set-up used this one.
    with time_machine.travel(time.time() + 30, tick=True):
        response = _sign_in(client, new_staff)
        assert response.url == reverse("mfa_authenticate")
        assert client.get(STAFF_PAGE).status_code == 302  # not signed in yet

        assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
        signed_in = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert signed_in.status_code == 302
        assert client.get(STAFF_PAGE).status_code == 200


def test_the_same_code_is_not_accepted_twice(client, facilitator_user):
    code = totp_code(STAFF_TOTP_SECRET)
    _sign_in(client, facilitator_user)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    client.post(reverse("account_logout"))

    _sign_in(client, facilitator_user)
    replay = client.post(reverse("mfa_authenticate"), {"code": code})

    assert replay.status_code == 200
    assert "Incorrect code" in replay.text
    assert client.get(STAFF_PAGE).status_code == 302


def test_a_recovery_code_works_once(client, new_staff):
    _sign_in(client, new_staff)
    _set_up_app(client)
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    codes = RECOVERY_CODE.findall(html.unescape(codes_page.text))
    assert len(set(codes)) == 10
    seed = Authenticator.objects.get(user=new_staff, type=Authenticator.Type.RECOVERY_CODES)
    assert len(decrypt(seed.data["seed"])) == 80
    assert decrypt(seed.data["seed"]) not in str(seed.data)
    client.post(reverse("account_logout"))

    _sign_in(client, new_staff)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert client.get(STAFF_PAGE).status_code == 200
    client.post(reverse("account_logout"))

    _sign_in(client, new_staff)
    again = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert again.status_code == 200
    assert "Incorrect code" in again.text
    assert client.get(STAFF_PAGE).status_code == 302


@pytest.mark.parametrize("how", ["password", "e-mailed code"])
def test_participants_are_never_asked_for_a_second_factor(client, participant, mailoutbox, how):
    if how == "password":
        response = _sign_in(client, participant)
    else:
        client.post(reverse("account_request_login_code"), {"email": participant.email})
        code = re.search(r"^\s*([A-Z0-9-]{6,})\s*$", mailoutbox[-1].body, re.M)
        assert code is not None
        response = client.post(reverse("account_confirm_login_code"), {"code": code.group(1)})
    assert response.status_code == 302
    assert "2fa" not in response.url
    page = client.get(reverse("home"), follow=True)
    assert page.status_code == 200
    assert all("2fa" not in url for url, _ in page.redirect_chain)
    assert client.get(reverse("profile")).status_code == 200


def test_staff_signed_in_before_their_app_existed_enter_a_code_to_carry_on(
    client, facilitator_user
):
    # A session that passed only the password (signed in before the app was set up, or
    # before this rule): the page asks for a code and then returns where the person was.
    client.force_login(facilitator_user)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time()}]
    session.save()

    response = client.get(STAFF_PAGE)
    assert response.url == f"{reverse('mfa_reauthenticate')}?next=%2Fcohorts%2F"

    answered = client.post(response.url, {"code": totp_code()})
    assert answered.status_code == 302
    assert answered.url == STAFF_PAGE
    assert client.get(STAFF_PAGE).status_code == 200


def test_django_staff_without_a_membership_need_an_app_too(client, organization):
    admin = UserFactory(is_staff=True, is_superuser=True, totp=False)
    _sign_in(client, admin)

    assert client.get("/admin/").url.startswith(reverse("mfa_activate_totp"))


def test_staff_without_an_app_can_still_use_account_pages_help_and_static_files(client, new_staff):
    _sign_in(client, new_staff)

    assert client.get(reverse("help")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get("/static/css/stillwater.css").status_code == 200
    assert client.post(reverse("session_keep_alive")).status_code == 204
    signed_out = client.post(reverse("account_logout"))
    assert signed_out.status_code == 302
    assert "_auth_user_id" not in client.session


def test_test_staff_have_an_app_and_force_login_counts_as_a_full_sign_in(client, facilitator_user):
    # The plumbing every other staff test relies on (tests/factories.py, tests/conftest.py).
    assert staff_totp_ensure(facilitator_user).pk
    client.force_login(facilitator_user)
    assert client.get(STAFF_PAGE).status_code == 200


def test_secrets_are_encrypted_with_the_configured_key_and_old_keys_still_decrypt(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    adapter = MFAAdapter()
    settings.STILLWATER_MFA_KEY = old_key
    stored = adapter.encrypt(STAFF_TOTP_SECRET)
    assert STAFF_TOTP_SECRET not in stored

    settings.STILLWATER_MFA_KEY = f"{new_key},{old_key}"
    assert adapter.decrypt(stored) == STAFF_TOTP_SECRET

    settings.STILLWATER_MFA_KEY = new_key
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted with STILLWATER_MFA_KEY"):
        adapter.decrypt(stored)
