"""Safety flags stay at the top of the staff pages until a member of staff acknowledges them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from sessions.questionnaires.models import SafetyEvent
from sessions.questionnaires.services.safety import (
    SafetyError,
    safety_event_acknowledge,
    safety_event_answer_text,
)
from tests.factories import PASSWORD, EnrollmentFactory, UserFactory, coordinator, facilitator
from tests.questionnaires.test_questionnaire_staff import NOW, mbsr_cohort, safety_event
from tests.reauthentication import record_reauthentication

pytestmark = pytest.mark.django_db

BANNER = "Safety flag to follow up"


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def flagged(organization, facilitator_user):
    cohort = mbsr_cohort(organization, [facilitator_user])
    enrollment = EnrollmentFactory(
        cohort=cohort,
        participant_code="P-FLAG1",
        user=UserFactory(full_name="Robin Reed", email="robin@example.org"),
    )
    with time_machine.travel(dt.datetime(2026, 8, 20, 9, 30, tzinfo=dt.UTC), tick=False):
        event = safety_event(enrollment, item9=1)
    return event


def _cohort_page(client, event):
    return client.get(reverse("reports:cohort_detail", args=[event.enrollment.cohort_id])).text


# --- the banner -----------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["cohort_detail", "cohort_list"])
def test_open_flag_shows_at_the_top_of_the_facilitators_pages(
    client, flagged, facilitator_user, now, page
):
    client.force_login(facilitator_user)
    url = (
        reverse("programs:cohort_list")
        if page == "cohort_list"
        else reverse("reports:cohort_detail", args=[flagged.enrollment.cohort_id])
    )
    text = client.get(url).text
    assert BANNER in text
    # At the top: straight after the page heading, before anything else of the page.
    assert text.index(BANNER) < text.index("</h1>") + 200
    assert "P-FLAG1" in text
    assert "answered PHQ-9 item 9 with “Several days”" in text
    assert reverse("questionnaires:safety_event_detail", args=[flagged.pk]) in text


def test_coordinator_of_the_organization_sees_the_flag_on_the_cohort_list(
    client, flagged, coordinator_user, now
):
    client.force_login(coordinator_user)
    assert BANNER in client.get(reverse("programs:cohort_list")).text


def test_staff_of_other_cohorts_do_not_see_the_flag(
    client, flagged, organization, other_organization, now
):
    other_facilitator = facilitator(organization)
    mbsr_cohort(organization, [other_facilitator])
    for user in (other_facilitator, coordinator(other_organization)):
        client.force_login(user)
        assert BANNER not in client.get(reverse("programs:cohort_list")).text


def test_unanswered_item_9_is_flagged_as_left_unanswered(client, organization, facilitator_user):
    cohort = mbsr_cohort(organization, [facilitator_user])
    event = safety_event(EnrollmentFactory(cohort=cohort), item9=None)
    assert safety_event_answer_text(event) == "left PHQ-9 item 9 unanswered"
    client.force_login(facilitator_user)
    assert "left PHQ-9 item 9 unanswered" in _cohort_page(client, event)


def test_no_banner_without_open_flags(client, organization, facilitator_user, now):
    cohort = mbsr_cohort(organization, [facilitator_user])
    EnrollmentFactory(cohort=cohort)
    client.force_login(facilitator_user)
    assert (
        "safety-banner" not in client.get(reverse("reports:cohort_detail", args=[cohort.pk])).text
    )


# --- the detail page ------------------------------------------------------------------------


def test_detail_page_says_who_when_and_which_answer(client, flagged, facilitator_user, now):
    client.force_login(facilitator_user)
    text = client.get(reverse("questionnaires:safety_event_detail", args=[flagged.pk])).text
    assert "P-FLAG1 (Robin Reed)" in text
    # Raised at 09:30 UTC, shown in the viewer's zone (London summer time) with the zone named.
    assert "Thursday 20 August 2026, 10:30 (Europe/London time)" in text
    assert "The participant answered PHQ-9 item 9 with “Several days”." in text
    assert 'name="action_taken"' in text


# --- acknowledging --------------------------------------------------------------------------


def test_acknowledgement_records_who_when_what_and_removes_the_banner(
    client, flagged, coordinator_user, facilitator_user, now
):
    client.force_login(coordinator_user)
    record_reauthentication(client, coordinator_user)
    response = client.post(
        reverse("questionnaires:safety_acknowledge", args=[flagged.pk]),
        {"action_taken": "  Phoned Robin at 14:00; safe, GP appointment on Friday.  "},
    )
    assert response.status_code == 302
    assert response.url == reverse("reports:cohort_detail", args=[flagged.enrollment.cohort_id])
    flagged.refresh_from_db()
    assert flagged.acknowledged_by == coordinator_user
    assert flagged.acknowledged_at == NOW
    assert flagged.action_taken == "Phoned Robin at 14:00; safe, GP appointment on Friday."
    follow = client.get(response.url).text
    assert "Safety flag for P-FLAG1 acknowledged" in follow
    assert BANNER not in follow
    client.force_login(facilitator_user)
    assert BANNER not in client.get(reverse("programs:cohort_list")).text
    detail = client.get(reverse("questionnaires:safety_event_detail", args=[flagged.pk])).text
    assert "Acknowledged" in detail
    assert "Cora Coordinator" in detail
    assert 'name="action_taken"' not in detail


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_empty_what_was_done_is_refused_and_the_flag_stays_open(
    client, flagged, facilitator_user, now, text
):
    client.force_login(facilitator_user)
    response = client.post(
        reverse("questionnaires:safety_acknowledge", args=[flagged.pk]), {"action_taken": text}
    )
    assert response.status_code == 200
    assert "<title>Error: " in response.text
    assert "Write what was done" in response.text
    flagged.refresh_from_db()
    assert flagged.is_open
    assert BANNER in _cohort_page(client, flagged)


def test_refused_text_is_kept_in_the_form(client, flagged, facilitator_user, now):
    client.force_login(facilitator_user)
    too_long = "Rang twice, no answer; left a voicemail. " * 60  # over 2000 characters
    response = client.post(
        reverse("questionnaires:safety_acknowledge", args=[flagged.pk]),
        {"action_taken": too_long},
    )
    assert response.status_code == 200
    assert "2000 characters or fewer" in response.text
    assert too_long.strip() in response.text
    flagged.refresh_from_db()
    assert flagged.is_open


def test_second_acknowledgement_keeps_the_first_and_keeps_the_typed_text(
    client, flagged, facilitator_user, coordinator_user, now
):
    safety_event_acknowledge(event=flagged, by=coordinator_user, action_taken="Phoned at 14:00")
    client.force_login(facilitator_user)
    response = client.post(
        reverse("questionnaires:safety_acknowledge", args=[flagged.pk]),
        {"action_taken": "I also rang"},
    )
    assert response.status_code == 200
    assert "already acknowledged by Cora Coordinator" in response.text
    assert "I also rang" in response.text
    flagged.refresh_from_db()
    assert (flagged.acknowledged_by, flagged.action_taken) == (coordinator_user, "Phoned at 14:00")


# --- the password again before acknowledging -------------------------------------------------


def _acknowledged(event: SafetyEvent) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action=AuditAction.SAFETY_ACKNOWLEDGED, object_id=event.pk)
    )


def test_without_a_recent_password_the_person_is_asked_for_it_and_nothing_is_recorded(
    client, flagged, facilitator_user, now
):
    client.force_login(facilitator_user)
    address = reverse("questionnaires:safety_acknowledge", args=[flagged.pk])
    response = client.post(address, {"action_taken": "Phoned Robin at 14:00"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert "next=" in response.url
    flagged.refresh_from_db()
    assert flagged.is_open
    assert _acknowledged(flagged) == []


def test_a_password_confirmed_over_five_minutes_ago_no_longer_counts(
    client, flagged, facilitator_user, now
):
    client.force_login(facilitator_user)
    record_reauthentication(client, facilitator_user, seconds_ago=301)
    response = client.post(
        reverse("questionnaires:safety_acknowledge", args=[flagged.pk]),
        {"action_taken": "Phoned Robin at 14:00"},
    )
    assert response.url.startswith(reverse("account_reauthenticate"))
    flagged.refresh_from_db()
    assert flagged.is_open


def test_after_reentering_the_password_the_typed_acknowledgement_is_recorded_once(
    client, flagged, facilitator_user, now
):
    client.force_login(facilitator_user)
    sent_away = client.post(
        reverse("questionnaires:safety_acknowledge", args=[flagged.pk]),
        {"action_taken": "Phoned Robin at 14:00; safe at home."},
    )
    page = client.get(sent_away.url)
    assert page.status_code == 200
    assert 'name="password"' in page.text
    confirmed = client.post(sent_away.url, {"password": PASSWORD})
    # The same acknowledgement goes through, with what was typed before the password.
    assert confirmed.status_code == 302
    assert confirmed.url == reverse("reports:cohort_detail", args=[flagged.enrollment.cohort_id])
    flagged.refresh_from_db()
    assert flagged.acknowledged_by == facilitator_user
    assert flagged.action_taken == "Phoned Robin at 14:00; safe at home."
    assert "Safety flag for P-FLAG1 acknowledged" in client.get(confirmed.url).text
    assert len(_acknowledged(flagged)) == 1


def test_a_wrong_password_leaves_the_flag_open(client, flagged, facilitator_user, now):
    client.force_login(facilitator_user)
    sent_away = client.post(
        reverse("questionnaires:safety_acknowledge", args=[flagged.pk]),
        {"action_taken": "Phoned Robin at 14:00"},
    )
    refused = client.post(sent_away.url, {"password": "not the password"})
    assert refused.status_code == 200
    flagged.refresh_from_db()
    assert flagged.is_open
    assert _acknowledged(flagged) == []


def test_service_refuses_blank_action(flagged, facilitator_user):
    with pytest.raises(SafetyError, match="Write what was done"):
        safety_event_acknowledge(event=flagged, by=facilitator_user, action_taken="  ")
    assert SafetyEvent.objects.get().is_open


# --- queries --------------------------------------------------------------------------------


def test_banner_queries_do_not_grow_with_the_number_of_flags(
    client, organization, facilitator_user, now, django_assert_max_num_queries
):
    cohort = mbsr_cohort(organization, [facilitator_user])
    url = reverse("programs:cohort_list")
    client.force_login(facilitator_user)
    with django_assert_max_num_queries(20) as without:
        client.get(url)
    for n in range(3):
        safety_event(EnrollmentFactory(cohort=cohort, participant_code=f"P-F{n}"))
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(3, 20):
        safety_event(EnrollmentFactory(cohort=cohort, participant_code=f"P-F{n}"))
    with django_assert_max_num_queries(20) as many:
        text = client.get(url).text
    assert text.count("Review and acknowledge") == 20
    assert len(without) == len(few) == len(many)
