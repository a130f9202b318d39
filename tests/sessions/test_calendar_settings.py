"""The calendar page: anyone signed in makes, replaces or turns off their own secret link."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import hash_token
from sessions.models import CalendarFeed
from sessions.services.calendar import calendar_feed_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("program_sessions:calendar_settings")
CREATE_URL = reverse("program_sessions:calendar_feed_create")
LINK = re.compile(r"http://[^\s\"<]+/calendar/([A-Za-z0-9_-]+)\.ics")


def _revoke_url(feed):
    return reverse("program_sessions:calendar_feed_revoke", args=[feed.pk])


def test_calendar_page_is_at_calendar():
    assert SETTINGS_URL == "/calendar/"


@pytest.mark.parametrize(
    "url",
    [SETTINGS_URL, CREATE_URL, reverse("program_sessions:calendar_feed_revoke", args=[1])],
)
def test_anonymous_visitor_is_sent_to_sign_in(client, url):
    response = client.post(url) if url != SETTINGS_URL else client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize("who", ["participant", "facilitator_user", "coordinator_user"])
def test_anyone_signed_in_can_create_their_link(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)

    page = client.get(SETTINGS_URL)
    assert page.status_code == 200
    assert "Create my calendar link" in page.content.decode()
    assert "no-store" in page["Cache-Control"]

    response = client.post(CREATE_URL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    token = LINK.search(body).group(1)
    feed = CalendarFeed.objects.get(user=user)
    assert feed.token_hash == hash_token(token)
    assert feed.revoked_at is None
    assert '<label for="calendar-link">Your calendar link</label>' in body
    assert re.search(r'<textarea id="calendar-link"[^>]*readonly', body)


def test_link_is_shown_once_and_points_at_the_site(client, participant, settings):
    settings.SITE_URL = "https://stillwater.example.org"
    client.force_login(participant)
    body = client.post(CREATE_URL).content.decode()
    token = re.search(r"https://stillwater\.example\.org/calendar/([A-Za-z0-9_-]+)\.ics", body)
    assert token is not None
    assert f"webcal://stillwater.example.org/calendar/{token.group(1)}.ics" in body

    again = client.get(SETTINGS_URL).content.decode()
    assert token.group(1) not in again
    assert "Your calendar link is on" in again
    assert "Turn off this link" in again


def test_creating_a_link_by_get_changes_nothing(client, participant):
    client.force_login(participant)
    assert client.get(CREATE_URL).status_code == 405
    assert not CalendarFeed.objects.exists()


def test_making_a_new_link_turns_the_old_one_off(client, participant):
    client.force_login(participant)
    first = LINK.search(client.post(CREATE_URL).content.decode()).group(1)
    second = LINK.search(client.post(CREATE_URL).content.decode()).group(1)
    assert first != second
    live = CalendarFeed.objects.filter(user=participant, revoked_at__isnull=True)
    assert [f.token_hash for f in live] == [hash_token(second)]
    assert CalendarFeed.objects.filter(user=participant).count() == 2


def test_owner_turns_their_link_off(client, participant):
    feed, token = calendar_feed_create(user=participant)
    client.force_login(participant)

    response = client.post(_revoke_url(feed), follow=True)

    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert "Your calendar link is turned off" in response.content.decode()
    assert "Create my calendar link" in response.content.decode()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_turning_off_a_link_twice_says_so(client, participant):
    feed, _token = calendar_feed_create(user=participant)
    client.force_login(participant)
    client.post(_revoke_url(feed))
    response = client.post(_revoke_url(feed), follow=True)
    assert "already turned off" in response.content.decode()


def test_someone_else_cannot_turn_my_link_off(client, participant):
    feed, token = calendar_feed_create(user=participant)
    client.force_login(UserFactory())

    response = client.post(_revoke_url(feed))

    assert response.status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None
    assert client.get(f"/calendar/{token}.ics").status_code == 200


def test_staff_cannot_turn_a_participants_link_off(client, participant, coordinator_user):
    feed, _token = calendar_feed_create(user=participant)
    client.force_login(coordinator_user)
    assert client.post(_revoke_url(feed)).status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None


def test_page_shows_only_my_own_link(client, participant):
    calendar_feed_create(user=UserFactory())
    client.force_login(participant)
    body = client.get(SETTINGS_URL).content.decode()
    assert "Create my calendar link" in body
    assert "Your calendar link is on" not in body


def test_page_says_when_a_calendar_last_read_the_link(client, participant):
    _feed, token = calendar_feed_create(user=participant)
    client.force_login(participant)
    assert "No calendar has used it yet" in client.get(SETTINGS_URL).content.decode()
    client.get(f"/calendar/{token}.ics")
    assert "A calendar last fetched your sessions on" in client.get(SETTINGS_URL).content.decode()


def test_page_has_one_heading_and_no_inline_script_or_style(client, participant):
    client.force_login(participant)
    for body in (
        client.get(SETTINGS_URL).content.decode(),
        client.post(CREATE_URL).content.decode(),
    ):
        assert body.count("<h1") == 1
        assert " style=" not in body
        assert "<script>" not in body


def test_page_makes_a_fixed_number_of_queries(client, participant, django_assert_max_num_queries):
    calendar_feed_create(user=participant)
    client.force_login(participant)
    with django_assert_max_num_queries(6):
        assert client.get(SETTINGS_URL).status_code == 200
