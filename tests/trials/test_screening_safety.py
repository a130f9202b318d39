"""A screening's safety flag (PHQ-9 item 9 above 0) stays open, on the screening page, the
screening list and the coordinators' landing page, until a coordinator records what was done;
then it shows who recorded what and when. Recording needs words, happens once, and is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from tests.factories import shipped_program
from tests.trials.screening_helpers import phq9, screen

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(organization, coordinator_user):
    return screen(
        organization=organization,
        program=shipped_program("mbsr-8-ms"),
        by=coordinator_user,
        full_name="Robin Flagged",
        phq9=phq9(0, 0, 0, 0, 0, 0, 0, 0, 2),
    )


def _landing(client):
    return client.get(reverse("reports:landing")).content.decode()


def test_the_flag_stays_open_until_a_follow_up_is_recorded(client, coordinator_user, flagged):
    assert flagged.safety_flagged
    client.force_login(coordinator_user)
    detail = reverse("trials:screening_detail", args=[flagged.pk])
    assert "Record the follow-up" in client.get(detail).content.decode()
    assert (
        "Safety flag to follow up" in client.get(reverse("trials:screening_list")).content.decode()
    )
    landing = _landing(client)
    assert "Safety flag from screening to follow up" in landing
    assert "Robin Flagged" in landing

    response = client.post(
        reverse("trials:screening_safety", args=[flagged.pk]),
        {"note": "Rang them at 14:10; their GP will call today."},
    )
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.safety_followed_up_by == coordinator_user
    page = client.get(detail).content.decode()
    assert "Safety flag followed up" in page
    assert "their GP will call today" in page
    assert "Record the follow-up" not in page
    assert "Robin Flagged" not in _landing(client)
    assert AuditEvent.objects.filter(action=AuditAction.SAFETY_ACKNOWLEDGED).count() == 1


def test_an_empty_note_is_refused_with_a_message_and_nothing_changes(
    client, coordinator_user, flagged
):
    client.force_login(coordinator_user)
    response = client.post(reverse("trials:screening_safety", args=[flagged.pk]), {"note": "  "})
    assert response.status_code == 400
    assert "Say what was done" in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.safety_followed_up_at is None


def test_a_second_record_is_refused_and_the_first_kept(client, coordinator_user, flagged):
    client.force_login(coordinator_user)
    url = reverse("trials:screening_safety", args=[flagged.pk])
    client.post(url, {"note": "First note."})
    response = client.post(url, {"note": "Second note."})
    assert response.status_code == 400
    assert "already recorded" in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.safety_follow_up_note == "First note."


def test_a_screening_without_a_flag_has_nothing_to_follow_up(
    client, organization, coordinator_user
):
    calm = screen(
        organization=organization, program=shipped_program("mbsr-8-ms"), by=coordinator_user
    )
    client.force_login(coordinator_user)
    response = client.post(reverse("trials:screening_safety", args=[calm.pk]), {"note": "x"})
    assert response.status_code == 400
    assert "no safety flag to follow up" in response.content.decode()
    calm.refresh_from_db()
    assert calm.safety_followed_up_at is None


def test_others_get_404_and_change_nothing(client, flagged, facilitator_user, other_coordinator):
    for person in (facilitator_user, other_coordinator):
        client.force_login(person)
        url = reverse("trials:screening_safety", args=[flagged.pk])
        assert client.post(url, {"note": "Not mine."}).status_code == 404
    flagged.refresh_from_db()
    assert flagged.safety_followed_up_at is None
