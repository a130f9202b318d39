"""Signing in: password, e-mailed code, password reset, rate limits and closed sign-up."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_password_login_lands_on_the_role_page(client, participant):
    response = client.post(
        reverse("account_login"), {"login": "PAT@example.org", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("reports:participant_home")
    assert "Hello, Pat Participant" in response.text


def test_wrong_password_says_so_and_does_not_sign_in(client, participant):
    response = client.post(
        reverse("account_login"), {"login": participant.email, "password": "nope"}
    )
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct" in response.text
    # The address typed is kept, so nobody has to type it twice.
    assert 'value="pat@example.org"' in response.text
    assert "_auth_user_id" not in client.session


def test_repeated_failures_are_rate_limited_even_with_the_right_password(client, participant):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": participant.email, "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": participant.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_login_by_emailed_code(client, participant, mailoutbox):
    response = client.post(reverse("account_request_login_code"), {"email": participant.email})
    assert response.status_code == 302
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mailoutbox[-1].body, re.MULTILINE)[1]
    response = client.post(reverse("account_confirm_login_code"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports:participant_home")
    assert int(client.session["_auth_user_id"]) == participant.pk


def test_wrong_login_code_does_not_sign_in(client, participant, mailoutbox):
    client.post(reverse("account_request_login_code"), {"email": participant.email})
    response = client.post(reverse("account_confirm_login_code"), {"code": "ZZZZZZ"})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert "Incorrect code" in response.text


def test_password_reset_by_emailed_link(client, participant, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": participant.email})
    link = re.search(r"https?://testserver(\S+/password/reset/key/\S+/)", mailoutbox[-1].body)[1]
    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_url, {"password1": "a fresh long password", "password2": "a fresh long password"}
    )
    assert response.status_code == 302
    client.logout()
    assert not client.login(email=participant.email, password=PASSWORD)
    ok = client.post(
        reverse("account_login"), {"login": participant.email, "password": "a fresh long password"}
    )
    assert ok.url == reverse("home")


def test_unverified_address_cannot_sign_in(client):
    person = UserFactory(email="unverified@example.org", verified=False)
    response = client.post(
        reverse("account_login"), {"login": person.email, "password": PASSWORD}, follow=True
    )
    assert "_auth_user_id" not in client.session
    assert "Confirm your e-mail address" in response.text


def test_public_sign_up_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert "Joining Stillwater is by invitation" in response.text
    client.post(
        reverse("account_signup"),
        {
            "email": "stranger@example.org",
            "password1": "x long password",
            "password2": "x long password",
        },
    )
    assert not User.objects.filter(email="stranger@example.org").exists()


def test_admin_login_goes_through_stillwater_sign_in(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
