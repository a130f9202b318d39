"""Flash messages wait on the server, in the session, never in a cookie the browser can read."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from sessions.questionnaires.models import Assessment
from tests.sessions.staff_cast import NOW, enroll, group_cohort

pytestmark = pytest.mark.django_db


def test_a_flashed_message_naming_a_participant_travels_in_no_cookie(
    client, organization, facilitator_user, participant, django_capture_on_commit_callbacks
):
    cohort = group_cohort(organization, [facilitator_user])
    enrollment = enroll(cohort, user=participant, participant_code="P-7K3Q9")
    point = cohort.program.measurement_points.create(kind="baseline", label="Before the course")
    check_in = Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=point,
        instruments=["phq9"],
        opens_at=NOW - dt.timedelta(days=1),
        closes_at=NOW + dt.timedelta(days=13),
    )
    log = reverse("notifications:delivery_log", args=[enrollment.pk])
    client.force_login(facilitator_user)

    with time_machine.travel(NOW, tick=False):
        page = client.get(log).text
        click_id = re.search(r'name="click_id" value="([0-9a-f-]{36})"', page).group(1)
        # The facilitator presses "Send a reminder"; the answer is a redirect that flashes
        # "Check-in ready: on its way to P-7K3Q9."
        with django_capture_on_commit_callbacks(execute=True):
            pressed = client.post(
                reverse("notifications:send_now", args=[enrollment.pk]),
                {"click_id": click_id, "kind": "questionnaire_open", "assessment": check_in.pk},
            )
        assert pressed.status_code == 302
        shown = client.get(pressed["Location"])
        again = client.get(log)

    # The next page shows it, once; no response asked the browser to keep it.
    assert "Check-in ready: on its way to P-7K3Q9." in shown.text
    assert "on its way to P-7K3Q9" not in again.text
    for response in (pressed, shown, again):
        assert "messages" not in response.cookies, response.cookies["messages"].value
    assert "messages" not in client.cookies
