from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_participant_changes_their_timezone_and_name(client, participant):
    client.force_login(participant)
    response = client.post(
        reverse("profile"),
        {
            "full_name": "Pat P",
            "preferred_name": "Pat",
            "timezone": "America/New_York",
            "phone": "",
        },
        follow=True,
    )
    assert "Your details are saved" in response.text
    participant.refresh_from_db()
    assert participant.timezone == "America/New_York"
    assert participant.display_name == "Pat"


def test_unknown_timezone_is_refused_and_nothing_is_lost(client, participant):
    client.force_login(participant)
    response = client.post(
        reverse("profile"),
        {"full_name": "Pat Changed", "preferred_name": "", "timezone": "Mars/Olympus", "phone": ""},
    )
    assert response.status_code == 200
    assert "Choose your time zone from the list." in response.text
    assert 'value="Pat Changed"' in response.text
    participant.refresh_from_db()
    assert participant.full_name == "Pat Participant"
    assert participant.timezone == "Europe/London"
