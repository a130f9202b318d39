"""Staff who turn on an authenticator app need its code as well as their password."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _current_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def test_password_alone_is_not_enough_once_totp_is_on(client, facilitator_user):
    secret = generate_totp_secret()
    TOTP.activate(facilitator_user, secret)

    response = client.post(
        reverse("account_login"), {"login": facilitator_user.email, "password": PASSWORD}
    )
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("programs:cohort_list")).status_code == 302

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    right = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret)})
    assert right.status_code == 302
    assert client.get(reverse("programs:cohort_list")).status_code == 200


def test_two_factor_page_offers_an_authenticator_app(client, facilitator_user):
    client.force_login(facilitator_user)
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    assert "Authenticator App" in page.text
