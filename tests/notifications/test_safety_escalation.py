"""A safety flag nobody acknowledged escalates, once, to every coordinator of the organization,
after the organization's number of working hours; the flag then says who was told and when."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from sessions.notifications.models import Notification, NotificationKind, NotificationStatus
from sessions.notifications.services.delivery import notifications_tick
from sessions.notifications.services.planning.run import notifications_plan
from sessions.notifications.templatetags.safety_escalations import (
    escalations_build,
    names_joined,
)
from sessions.questionnaires.services.safety import safety_event_acknowledge
from tests.factories import EnrollmentFactory, UserFactory, coordinator
from tests.notifications.test_messages import HEALTH_WORDS
from tests.notifications.test_outbox import committed
from tests.questionnaires.test_questionnaire_staff import mbsr_cohort, safety_event

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Friday 11 December 2026, 16:00 in London: one working hour is left that day.
RAISED = dt.datetime(2026, 12, 11, 16, tzinfo=LONDON)
# Eight working hours later: Monday 14 December, 16:00.
DUE = dt.datetime(2026, 12, 14, 16, tzinfo=LONDON)
TOLD = "Escalated to Ana Coordinator and Ben Coordinator on Monday 14 December 2026, 16:00"


@pytest.fixture
def world(organization, facilitator_user):
    ana = coordinator(organization, user__full_name="Ana Coordinator", user__email="ana@x.org")
    ben = coordinator(organization, user__full_name="Ben Coordinator", user__email="ben@x.org")
    cohort = mbsr_cohort(organization, [facilitator_user])
    enrollment = EnrollmentFactory(
        cohort=cohort,
        participant_code="P-ESC1",
        user=UserFactory(full_name="Robin Reed", email="robin@example.org"),
    )
    with time_machine.travel(RAISED, tick=False):
        event = safety_event(enrollment, item9=1)
    return {"ana": ana, "ben": ben, "event": event, "cohort": cohort}


def escalations(event=None) -> list[Notification]:
    rows = Notification.objects.filter(kind=NotificationKind.SAFETY_ESCALATION)
    if event is not None:
        rows = rows.filter(safety_event=event)
    return list(rows.select_related("recipient").order_by("recipient__full_name"))


def tick(at: dt.datetime) -> dict[str, int]:
    with time_machine.travel(at, tick=False), committed():
        return notifications_tick(now=at.astimezone(dt.UTC))


# --- when, and to whom ------------------------------------------------------------------------


def test_nothing_escalates_before_the_working_hours_have_passed(world):
    notifications_plan(now=DUE - dt.timedelta(minutes=1))
    assert escalations() == []


def test_after_the_working_hours_every_coordinator_and_only_they_are_told(
    world, facilitator_user, other_coordinator
):
    notifications_plan(now=DUE)
    rows = escalations()
    assert [r.recipient for r in rows] == [world["ana"], world["ben"]]
    assert all(r.send_at == DUE for r in rows)
    assert all(r.safety_event == world["event"] for r in rows)
    # The facilitator already had the alert when the flag was raised; other organizations' staff
    # never hear of it.
    assert facilitator_user not in [r.recipient for r in rows]


def test_the_organizations_setting_decides_how_long_a_flag_waits(world, organization):
    organization.escalate_after_working_hours = 1
    organization.save(update_fields=["escalate_after_working_hours"])
    # Friday 16:00 + 1 working hour = Friday 17:00.
    notifications_plan(now=dt.datetime(2026, 12, 11, 16, 59, tzinfo=LONDON))
    assert escalations() == []
    notifications_plan(now=dt.datetime(2026, 12, 11, 17, tzinfo=LONDON))
    assert len(escalations()) == 2


def test_working_hours_are_counted_on_the_organizations_clock(world, organization):
    # 16:00 in London is 08:00 in Los Angeles: a whole working day is left there on Friday.
    organization.default_timezone = "America/Los_Angeles"
    organization.save(update_fields=["default_timezone"])
    notifications_plan(
        now=dt.datetime(2026, 12, 11, 16, 59, tzinfo=ZoneInfo("America/Los_Angeles"))
    )
    assert escalations() == []
    notifications_plan(now=dt.datetime(2026, 12, 11, 17, tzinfo=ZoneInfo("America/Los_Angeles")))
    assert len(escalations()) == 2


# --- exactly once -----------------------------------------------------------------------------


def test_repeated_ticks_escalate_a_flag_once(world):
    tick(DUE)
    first = {r.pk for r in escalations()}
    for minutes in (1, 2, 60, 60 * 24):
        tick(DUE + dt.timedelta(minutes=minutes))
    assert {r.pk for r in escalations()} == first
    assert len(first) == 2
    assert sorted(m.to[0] for m in mail.outbox if "Not followed up yet" in m.subject) == [
        "ana@x.org",
        "ben@x.org",
    ]


def test_a_coordinator_who_joins_after_the_escalation_is_not_told_again(world, organization):
    notifications_plan(now=DUE)
    coordinator(organization, user__full_name="Cy Coordinator")
    notifications_plan(now=DUE + dt.timedelta(hours=1))
    assert [r.recipient.full_name for r in escalations()] == ["Ana Coordinator", "Ben Coordinator"]


def test_an_acknowledged_flag_does_not_escalate(world, facilitator_user):
    with time_machine.travel(DUE - dt.timedelta(hours=1), tick=False):
        safety_event_acknowledge(event=world["event"], by=facilitator_user, action_taken="Rang.")
    tick(DUE + dt.timedelta(hours=1))
    assert escalations() == []


def test_acknowledging_stops_an_escalation_still_waiting_to_go(world, facilitator_user):
    notifications_plan(now=DUE)
    safety_event_acknowledge(event=world["event"], by=facilitator_user, action_taken="Rang.")
    tick(DUE + dt.timedelta(minutes=1))
    assert {r.status for r in escalations()} == {NotificationStatus.CANCELLED}
    assert not [m for m in mail.outbox if "Not followed up yet" in m.subject]


# --- the e-mail -------------------------------------------------------------------------------


def test_the_escalation_email_links_to_the_flag_and_names_no_health_words(world, settings):
    settings.SITE_URL = "https://stillwater.example.org"
    tick(DUE)
    [message, *_] = [m for m in mail.outbox if m.to == ["ana@x.org"] and "P-ESC1" in m.subject]
    link = "https://stillwater.example.org" + reverse(
        "questionnaires:safety_event_detail", args=[world["event"].pk]
    )
    assert link in message.body
    for pattern in HEALTH_WORDS:
        assert not re.search(pattern, message.subject, re.IGNORECASE), message.subject
    assert "cannot be turned off" in message.body
    assert "List-Unsubscribe" not in message.extra_headers


# --- who was told, as the pages show it --------------------------------------------------------


def test_names_are_joined_as_a_sentence():
    assert names_joined([]) == ""
    assert names_joined(["Ana"]) == "Ana"
    assert names_joined(["Ana", "Ben"]) == "Ana and Ben"
    assert names_joined(["Ana", "Ben", "Cy"]) == "Ana, Ben and Cy"


def test_who_was_told_counts_only_the_emails_that_went(world):
    notifications_plan(now=DUE)
    ana, ben = escalations()
    ana.status, ana.sent_at = NotificationStatus.SENT, DUE + dt.timedelta(minutes=1)
    ben.status = NotificationStatus.FAILED
    escalation = escalations_build([ana, ben])[world["event"].pk]
    assert escalation.told_names == "Ana Coordinator"
    assert escalation.told_at == DUE + dt.timedelta(minutes=1)
    assert escalation.not_arrived_names == "Ben Coordinator"
    ben.status = NotificationStatus.PENDING
    assert escalations_build([ana, ben])[world["event"].pk].waiting_names == "Ben Coordinator"
    # Stopped because someone acknowledged the flag first: nobody was told.
    ana.status = ben.status = NotificationStatus.CANCELLED
    assert escalations_build([ana, ben]) == {}


@pytest.mark.parametrize("page", ["flag", "cohort_safety", "participant", "worklist", "landing"])
def test_every_page_with_the_flag_says_who_was_told_and_when(client, world, facilitator_user, page):
    tick(DUE)
    event = world["event"]
    viewer = world["ana"] if page == "landing" else facilitator_user
    url = {
        "flag": reverse("questionnaires:safety_event_detail", args=[event.pk]),
        "cohort_safety": reverse("questionnaires:cohort_safety", args=[world["cohort"].pk]),
        "participant": reverse("reports:participant_detail", args=[event.enrollment_id]),
        "worklist": reverse("reports:worklist"),
        "landing": reverse("reports:landing"),
    }[page]
    with time_machine.travel(DUE + dt.timedelta(hours=1), tick=False):
        client.force_login(viewer)
        response = client.get(url)
    assert response.status_code == 200
    assert TOLD in response.text


def test_an_open_flag_not_yet_escalated_says_when_it_will_be(client, world, facilitator_user):
    with time_machine.travel(RAISED + dt.timedelta(minutes=5), tick=False):
        client.force_login(facilitator_user)
        text = client.get(
            reverse("questionnaires:safety_event_detail", args=[world["event"].pk])
        ).text
    assert "Not yet. If nobody acknowledges it within 8 working hours" in text
    assert "Escalated to" not in text
