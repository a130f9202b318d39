from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_PASSWORD
from accounts.models import Membership, Role, User

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_demo_people_who_can_sign_in(settings, client, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    assert DEMO_PASSWORD in capsys.readouterr().out
    assert Membership.objects.get(user__email="coordinator@demo.test").role == Role.COORDINATOR
    assert Membership.objects.filter(role=Role.FACILITATOR).count() == 2
    assert User.objects.filter(email__startswith="participant").count() == 12
    response = client.post(
        "/accounts/login/", {"login": "participant12@demo.test", "password": DEMO_PASSWORD}
    )
    assert response.url == "/"


def test_seed_demo_twice_changes_nothing_and_scales(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert User.objects.count() == 15
    call_command("seed_demo", participants=40)
    assert User.objects.filter(email__startswith="participant").count() == 40


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()
