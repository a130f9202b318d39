"""Automatic logoff: a session left alone ends, with a warning first and a way to stay."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 10, 6, 9, 0, tzinfo=dt.UTC)
STAFF_PAGE = "/cohorts/"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _later(clock, minutes: float) -> None:
    clock.shift(dt.timedelta(minutes=minutes))


def _login_url(next_path: str) -> str:
    return f"{reverse('account_login')}?next={quote(next_path, safe='')}"


def test_participant_is_signed_out_after_two_hours_without_a_request(clock, client, participant):
    page = reverse("profile")
    client.force_login(participant)
    assert client.get(page).status_code == 200
    # Each request counts as activity, so steady use never signs anyone out.
    for _ in range(3):
        _later(clock, 119)
        assert client.get(page).status_code == 200
    old_key = client.session.session_key

    _later(clock, 121)
    response = client.get(f"{page}?from=menu")

    assert response.status_code == 302
    assert response.url == _login_url(f"{page}?from=menu")
    assert not Session.objects.filter(session_key=old_key).exists()
    assert "_auth_user_id" not in client.session
    login_page = client.get(response.url)
    assert (
        "You were signed out after 120 minutes without activity. "
        "Sign in to carry on where you were." in login_page.text
    )


@pytest.mark.parametrize("role", ["facilitator_user", "coordinator_user"])
def test_staff_are_signed_out_after_thirty_minutes(clock, client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(STAFF_PAGE).status_code == 200
    _later(clock, 29)
    assert client.get(STAFF_PAGE).status_code == 200

    _later(clock, 31)
    response = client.get(STAFF_PAGE)

    assert response.url == _login_url(STAFF_PAGE)
    assert "signed out after 30 minutes without activity" in client.get(response.url).text


def test_the_limits_come_from_settings(clock, client, participant, settings):
    settings.STILLWATER_IDLE_MINUTES_PARTICIPANT = 1
    client.force_login(participant)
    _later(clock, 1.5)

    response = client.get(reverse("profile"), follow=True)

    assert "signed out after 1 minute without activity" in response.text


def test_a_form_sent_after_the_limit_changes_nothing_and_asks_to_sign_in(
    clock, client, participant
):
    client.force_login(participant)
    _later(clock, 121)

    response = client.post(
        reverse("profile"), {"full_name": "Someone Else", "timezone": "Europe/London"}
    )

    assert response.url == _login_url(reverse("profile"))
    participant.refresh_from_db()
    assert participant.full_name == "Pat Participant"


def test_signing_in_through_the_form_starts_the_clock(clock, client, participant):
    client.post(reverse("account_login"), {"login": participant.email, "password": PASSWORD})
    assert client.get(reverse("profile")).status_code == 200

    _later(clock, 121)

    assert client.get(reverse("profile")).url == _login_url(reverse("profile"))


def test_stay_signed_in_extends_the_session_every_time(clock, client, facilitator_user):
    client.force_login(facilitator_user)
    client.get(STAFF_PAGE)
    for _ in range(10):
        _later(clock, 29)
        assert client.post(reverse("session_keep_alive")).status_code == 204

    _later(clock, 29)
    assert client.get(STAFF_PAGE).status_code == 200


def test_asking_how_long_is_left_does_not_count_as_activity(clock, client, facilitator_user):
    client.force_login(facilitator_user)
    client.get(STAFF_PAGE)
    _later(clock, 20)

    answer = client.get(reverse("session_keep_alive"))
    assert answer.json() == {"seconds_left": 600}
    assert "no-store" in answer["Cache-Control"]

    _later(clock, 11)
    assert client.get(STAFF_PAGE).url == _login_url(STAFF_PAGE)


def test_keep_alive_needs_the_csrf_token_and_a_signed_in_person(facilitator_user):
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(facilitator_user)
    assert checked.post(reverse("session_keep_alive")).status_code == 403

    anonymous = Client()
    response = anonymous.post(reverse("session_keep_alive"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_every_signed_in_page_says_how_long_is_left_and_carries_the_warning(
    clock, client, participant
):
    client.force_login(participant)
    _later(clock, 10)
    first = client.get(reverse("profile")).text  # counts as activity: a full two hours left
    _later(clock, 0.5)
    page = client.get(reverse("profile")).text

    assert 'data-idle-seconds-left="7200"' in first
    # The stored time is refreshed at most once a minute, and the page says so exactly.
    assert 'data-idle-seconds-left="7170"' in page
    assert 'data-idle-limit-seconds="7200"' in page
    assert 'data-idle-warning-seconds="120"' in page
    assert f'data-idle-keep-alive-url="{reverse("session_keep_alive")}"' in page
    dialog = re.search(r"<dialog[^>]*>.*?</dialog>", page, re.S)
    assert dialog is not None
    assert 'aria-labelledby="idle-dialog-title"' in dialog.group(0)
    assert 'aria-describedby="idle-dialog-text"' in dialog.group(0)
    assert "Stay signed in" in dialog.group(0)
    assert 'action="/accounts/logout/"' in dialog.group(0)
    assert "js/idle-logoff.js" in page
    assert "<script>" not in page

    client.logout()
    signed_out = client.get(reverse("account_login")).text
    assert "data-idle-seconds-left" not in signed_out
    assert "idle-dialog" not in signed_out
