"""A practice reminder set inside the person's quiet hours: the reminder settings page says
when it really arrives, worked out as the planner does it, on both sides of midnight."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from sessions.notifications.models import Notification, NotificationStatus, Preferences
from sessions.notifications.services.planning.participants import (
    plan_practice_nudges,
    practice_nudge_arrival,
)
from tests.factories import UserFactory
from tests.sessions.staff_cast import enroll, group_cohort

pytestmark = pytest.mark.django_db

UTC = dt.UTC
PREFERENCES = reverse("notifications:preferences")
# Wednesday 16 September 2026, 13:00 in London (summer time, UTC+1).
NOW = dt.datetime(2026, 9, 16, 12, 0, tzinfo=UTC)
DAY = dt.date(2026, 9, 16)

EVENING = (
    "Your practice reminder is at 22:00, inside your quiet hours (21:00\N{EN DASH}08:00): it will not "
    "be sent, because your quiet hours last into the next day. To get it, choose a time "
    "outside your quiet hours."
)
MORNING = (
    "Your practice reminder is at 06:30, inside your quiet hours (21:00\N{EN DASH}08:00): "
    "it will arrive at 08:00."
)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def enrolled(organization, facilitator_user, participant):
    cohort = group_cohort(organization, [facilitator_user])
    return enroll(cohort, user=participant, participant_code="P-7K3Q9")


def form_data(at: str, *, start: str = "21:00", end: str = "08:00") -> dict[str, str]:
    return {
        "session_reminders": "on",
        "questionnaire_reminders": "on",
        "practice_nudges": "on",
        "practice_nudge_time": at,
        "daily_cap": "3",
        "quiet_hours_start": start,
        "quiet_hours_end": end,
    }


def note_on(page: str) -> str | None:
    found = re.search(r'<p class="notice" id="practice-reminder-note">(.*?)</p>', page, re.S)
    return found.group(1) if found else None


def test_a_reminder_in_the_evening_part_of_quiet_hours_is_not_sent_and_the_page_says_so(
    client, enrolled, participant, now
):
    client.force_login(participant)
    response = client.post(PREFERENCES, form_data("22:00"), follow=True)
    assert "Your reminder settings are saved." in response.text
    assert note_on(response.text) == EVENING
    # The field itself is described by the note, so a screen reader reads it with the field.
    assert re.search(
        r'name="practice_nudge_time" value="22:00"[^>]*'
        r'aria-describedby="id_practice_nudge_time_helptext practice-reminder-note"',
        response.text,
    )
    # And it stays on the page.
    assert note_on(client.get(PREFERENCES).text) == EVENING


def test_a_reminder_in_the_morning_part_of_quiet_hours_arrives_when_they_end(
    client, enrolled, participant, now
):
    client.force_login(participant)
    response = client.post(PREFERENCES, form_data("06:30"), follow=True)
    assert note_on(response.text) == MORNING


def test_quiet_hours_within_one_day_move_the_reminder_to_their_end(
    client, enrolled, participant, now
):
    client.force_login(participant)
    response = client.post(PREFERENCES, form_data("13:15", start="13:00", end="14:30"), follow=True)
    assert note_on(response.text) == (
        "Your practice reminder is at 13:15, inside your quiet hours (13:00\N{EN DASH}14:30): "
        "it will arrive at 14:30."
    )


@pytest.mark.parametrize("at", ["20:59", "08:00", "19:00"])
def test_no_note_when_the_reminder_is_outside_quiet_hours(client, enrolled, participant, now, at):
    client.force_login(participant)
    response = client.post(PREFERENCES, form_data(at), follow=True)
    assert "Your reminder settings are saved." in response.text
    assert note_on(response.text) is None
    assert "practice-reminder-note" not in response.text


def test_no_note_when_the_practice_reminder_is_off(client, enrolled, participant, now):
    Preferences.objects.create(
        user=participant, practice_nudges=False, practice_nudge_time=dt.time(22)
    )
    client.force_login(participant)
    assert note_on(client.get(PREFERENCES).text) is None


def test_no_note_for_staff_who_have_no_practice_reminder(client, facilitator_user, now):
    Preferences.objects.create(
        user=facilitator_user, practice_nudges=True, practice_nudge_time=dt.time(22)
    )
    client.force_login(facilitator_user)
    page = client.get(PREFERENCES).text
    assert note_on(page) is None


def test_the_note_is_what_the_planner_does(enrolled, participant):
    """The page's answer and the planner's row agree, on both sides of midnight."""
    evening = Preferences.objects.create(
        user=participant, practice_nudges=True, practice_nudge_time=dt.time(22)
    )
    assert practice_nudge_arrival(user=participant, preferences=evening, day=DAY) is None
    with time_machine.travel(dt.datetime(2026, 9, 16, 21, 5, tzinfo=UTC), tick=False):
        rows = list(plan_practice_nudges(now=dt.datetime(2026, 9, 16, 21, 5, tzinfo=UTC)))
    assert [row.status for row in rows] == [NotificationStatus.SKIPPED]

    evening.practice_nudge_time = dt.time(6, 30)
    evening.save()
    arrival = practice_nudge_arrival(user=participant, preferences=evening, day=DAY)
    # 08:00 in London is 07:00 UTC in September.
    assert arrival == dt.datetime(2026, 9, 16, 7, 0, tzinfo=UTC)
    rows = list(plan_practice_nudges(now=dt.datetime(2026, 9, 16, 5, 35, tzinfo=UTC)))
    assert [(row.status, row.send_at) for row in rows] == [(NotificationStatus.PENDING, arrival)]
    assert not Notification.objects.exists()


def test_the_arrival_is_in_the_persons_own_zone(now):
    user = UserFactory(timezone="Asia/Tokyo")
    preferences = Preferences(user=user, practice_nudges=True, practice_nudge_time=dt.time(7, 0))
    arrival = practice_nudge_arrival(user=user, preferences=preferences, day=DAY)
    # 08:00 in Tokyo.
    assert arrival == dt.datetime(2026, 9, 15, 23, 0, tzinfo=UTC)
