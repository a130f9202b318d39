"""Demo staff have an authenticator app with a published key, printed next to the password."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_people_ensure
from tests.factories import ship_programs, totp_code

pytestmark = pytest.mark.django_db


def test_seed_demo_prints_the_key_and_an_address_for_each_staff_account(settings, capsys):
    settings.DEBUG = True
    ship_programs()
    call_command("seed_demo", participants=2)

    out = capsys.readouterr().out
    assert f"Demo password for every account: {DEMO_PASSWORD}" in out
    assert DEMO_TOTP_SECRET in out
    for email in ("coordinator", "facilitator", "facilitator2"):
        address = f"otpauth://totp/{email}%40demo.test?secret={DEMO_TOTP_SECRET}&issuer=Stillwater"
        assert address in out


def test_demo_staff_sign_in_with_the_published_key_and_participants_need_none(client):
    people = demo_people_ensure(participants=1)

    response = client.post(
        reverse("account_login"), {"login": "coordinator@demo.test", "password": DEMO_PASSWORD}
    )
    assert response.url == reverse("mfa_authenticate")
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code(DEMO_TOTP_SECRET)}).url
    assert client.get(reverse("coordinator_home")).status_code == 200

    assert not Authenticator.objects.filter(user=people.participants[0]).exists()


def test_seeding_again_keeps_one_app_per_staff_member_with_the_same_key():
    demo_people_ensure(participants=1)
    first = {a.pk: a.data["secret"] for a in Authenticator.objects.all()}
    people = demo_people_ensure(participants=1)

    staff = [people.coordinator, *people.facilitators]
    apps = Authenticator.objects.filter(type=Authenticator.Type.TOTP)
    assert sorted(a.user_id for a in apps) == sorted(s.pk for s in staff)
    assert {a.pk: a.data["secret"] for a in apps} == first
    assert all(decrypt(a.data["secret"]) == DEMO_TOTP_SECRET for a in apps)
    assert all(a.data["secret"] != DEMO_TOTP_SECRET for a in apps)
