"""The facilitator's page for how one session meets: who reaches it, what it keeps on a mistake,
and what the participant's pages then show."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from programs.models import Modality
from sessions.notifications.models import Notification, NotificationKind
from tests.factories import UserFactory, facilitator
from tests.sessions.staff_cast import enroll, ier_cohort, sessions_of

pytestmark = pytest.mark.django_db

EARLY = dt.datetime(2026, 9, 10, 12, 0, tzinfo=dt.UTC)
LINK = "https://meet.example.org/room/7"


@pytest.fixture
def now():
    with time_machine.travel(EARLY, tick=False):
        yield


@pytest.fixture
def cohort(organization, facilitator_user):
    return ier_cohort(organization, [facilitator_user])


@pytest.fixture
def person(cohort, participant):
    return enroll(cohort, user=participant, participant_code="IER-01")


@pytest.fixture
def third(cohort, person):
    return sessions_of(cohort, person)[2]


def _url(session):
    return reverse("program_sessions:session_mode", args=[session.pk])


# --- who reaches it ------------------------------------------------------------------------


def test_the_cohorts_facilitator_sees_the_form_with_the_sessions_way_of_meeting(
    client, facilitator_user, third, now
):
    client.force_login(facilitator_user)
    page = client.get(_url(third))
    assert page.status_code == 200
    text = page.text
    assert "Change how session 3 meets" in text
    assert re.search(r'<input type="radio" name="modality" value="phone"[^>]*checked', text)
    assert "We ring you on the number you gave us." in text
    # Without JavaScript every field is there, each saying which way of meeting it is for.
    for name, hint in (
        ("place", "For a session in person"),
        ("video_link", "For a video call"),
        ("phone_instructions", "For a session by phone"),
    ):
        assert f'name="{name}"' in text
        assert hint in text
    assert not re.search(r"data-mode-for=\"[a-z_]+\" hidden", text)


def test_a_coordinator_of_the_organization_may_change_it(client, coordinator_user, third, now):
    client.force_login(coordinator_user)
    response = client.post(_url(third), {"modality": "video", "video_link": LINK})
    assert response.status_code == 302
    third.refresh_from_db()
    assert third.video_link == LINK


@pytest.mark.parametrize("who", ["other_facilitator", "other_coordinator", "participant"])
def test_outsiders_get_404_and_change_nothing(
    client, who, other_coordinator, organization, participant, third, now
):
    people = {
        # Staff of the same organization who do not work with this cohort.
        "other_facilitator": facilitator(organization, user__email="fern@example.org"),
        "other_coordinator": other_coordinator,
        "participant": participant,
    }
    client.force_login(people[who])
    assert client.get(_url(third)).status_code == 404
    assert client.post(_url(third), {"modality": "video", "video_link": LINK}).status_code == 404
    third.refresh_from_db()
    assert third.modality == Modality.PHONE


def test_signed_out_people_are_sent_to_sign_in(client, third, now):
    response = client.get(_url(third))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_session_page_links_to_the_form(client, facilitator_user, third, now):
    client.force_login(facilitator_user)
    page = client.get(reverse("program_sessions:session_detail", args=[third.pk])).text
    assert f'href="{_url(third)}"' in page
    assert "Change how this session meets" in page


# --- saving, and mistakes ------------------------------------------------------------------


def test_saving_moves_to_the_session_page_and_tells_the_participant(
    client, facilitator_user, third, person, now, django_capture_on_commit_callbacks
):
    client.force_login(facilitator_user)
    with django_capture_on_commit_callbacks():
        response = client.post(_url(third), {"modality": "video", "video_link": LINK})
    assert response["Location"] == reverse("program_sessions:session_detail", args=[third.pk])
    page = client.get(response["Location"]).text
    assert "Session 3 now meets by video call. Its participants are told by e-mail." in page
    rows = Notification.objects.filter(kind=NotificationKind.SESSION_CHANGED)
    assert [r.recipient_id for r in rows] == [person.user_id]


def test_an_http_link_comes_back_with_a_message_and_everything_typed(
    client, facilitator_user, third, now
):
    client.force_login(facilitator_user)
    typed = {
        "modality": "video",
        "video_link": "http://meet.example.org/room/7",
        "place": "Hall B",
        "phone_instructions": "Call me at 10",
    }
    page = client.post(_url(third), typed)
    assert page.status_code == 200
    text = page.text
    assert "There is a problem" in text
    assert "Enter a secure link, starting with https://" in text
    assert 'value="http://meet.example.org/room/7"' in text
    assert 'value="Hall B"' in text
    assert "Call me at 10</textarea>" in text
    assert re.search(r'<input type="radio" name="modality" value="video"[^>]*checked', text)
    third.refresh_from_db()
    assert third.modality == Modality.PHONE


def test_video_without_a_link_says_what_to_enter(client, facilitator_user, third, now):
    client.force_login(facilitator_user)
    page = client.post(_url(third), {"modality": "video", "video_link": ""}).text
    assert "Enter the link participants use to join, starting with https://." in page


def test_no_choice_says_to_choose(client, facilitator_user, third, now):
    client.force_login(facilitator_user)
    page = client.post(_url(third), {"video_link": LINK}).text
    assert "Choose how the session meets." in page
    assert f'value="{LINK}"' in page


def test_a_past_session_shows_why_it_cannot_change_and_no_form(
    client, facilitator_user, cohort, person, now
):
    held = sessions_of(cohort, person)[0]
    client.force_login(facilitator_user)
    page = client.get(_url(held)).text
    assert "already started" in page
    assert "<form" not in page.split("<main", 1)[-1].split("</main>", 1)[0]
    page = client.post(_url(held), {"modality": "video", "video_link": LINK})
    held.refresh_from_db()
    assert held.modality == Modality.IN_PERSON


# --- queries ---------------------------------------------------------------------------------


def test_the_form_and_the_save_make_a_fixed_number_of_queries(
    client, facilitator_user, cohort, third, now, django_assert_max_num_queries
):
    # More participants in the cohort do not add queries to this one-on-one session's page.
    for n in range(5):
        enroll(cohort, user=UserFactory(), participant_code=f"IER-1{n}")
    client.force_login(facilitator_user)
    with django_assert_max_num_queries(12):
        assert client.get(_url(third)).status_code == 200
    with django_assert_max_num_queries(24):
        assert (
            client.post(_url(third), {"modality": "video", "video_link": LINK}).status_code == 302
        )


# --- what the participant sees -------------------------------------------------------------


def test_the_participants_home_and_week_page_show_the_link_of_that_session(
    client, facilitator_user, participant, cohort, third, person, now
):
    client.force_login(facilitator_user)
    client.post(_url(third), {"modality": "video", "video_link": LINK})
    client.force_login(participant)
    # Session 2 (8 September) is past, so session 3 is the next one.
    with time_machine.travel(EARLY, tick=False):
        home = client.get(reverse("reports:participant_home")).text
        week = client.get(reverse("program_sessions:week_detail", args=[3])).text
    for page in (home, week):
        assert f'<a href="{LINK}">Join the video call' in page
