"""A safety flag nobody acknowledged escalates through the real outbox: the beat's tick plans it,
a `celery -A config worker` under production settings sends it on the alerts queue, and every
coordinator's copy reaches a real SMTP server exactly once, however often the tick runs again.
Follows test_notifications_reliability.py (the safety alert behind a backlog)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.utils import timezone

from sessions.notifications.models import Notification, NotificationKind, NotificationStatus
from sessions.notifications.services.delivery import notifications_tick
from tests.factories import EnrollmentFactory, coordinator
from tests.integration.test_notifications_reliability import QUEUES, wait_until
from tests.questionnaires.test_questionnaire_staff import mbsr_cohort, safety_event

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("time_limit")]

TIME_LIMIT = 120


def test_an_old_open_flag_reaches_every_coordinator_once_through_the_worker_and_smtp(
    celery_on_own_redis,
    smtp_server,
    organization,
    facilitator_user,
    coordinator_user,
    celery_workers,
):
    broker = celery_on_own_redis
    second = coordinator(organization, user__email="ben@example.org")
    cohort = mbsr_cohort(organization, [facilitator_user])
    now = timezone.now()
    # Ten days ago: past any working-hours threshold, and older than the alert planner looks
    # back, so the facilitator's alert is not planned again beside the escalations.
    with time_machine.travel(now - dt.timedelta(days=10), tick=False):
        event = safety_event(EnrollmentFactory(cohort=cohort, participant_code="P-LATE"))

    worker = celery_workers(broker_url=broker.url, queues=QUEUES, email_url=smtp_server.url)
    coordinators = {coordinator_user.email, second.email}

    def escalations() -> list[tuple[list[str], str]]:
        # Other staff messages may be due today too (the weekly summary on its day).
        return [
            (tos, str(message["Subject"]))
            for _, tos, message in list(smtp_server.messages)
            if "P-LATE" in str(message["Subject"])
        ]

    def received() -> set[str]:
        return {to for tos, _ in escalations() for to in tos}

    # The beat's tick, as the worker's beat runs it every minute: it plans, and hands the rows
    # to the worker once its transaction commits.
    notifications_tick(now=now)
    rows = Notification.objects.filter(kind=NotificationKind.SAFETY_ESCALATION, safety_event=event)
    assert rows.count() == 2
    wait_until(
        lambda: coordinators <= received(),
        timeout=30,
        explain=lambda: f"{received()} at the SMTP server\n{worker.output()[-3000:]}",
    )
    # Later ticks escalate nothing again.
    for minutes in (1, 2, 30):
        assert notifications_tick(now=now + dt.timedelta(minutes=minutes))["planned"] == 0
    time.sleep(2)

    assert sorted(to for tos, _ in escalations() for to in tos) == sorted(coordinators)
    assert facilitator_user.email not in received()
    assert {subject for _, subject in escalations()} == {
        "Not followed up yet: P-LATE needs someone from the team"
    }
    assert rows.count() == 2
    assert set(rows.values_list("status", flat=True)) == {NotificationStatus.SENT}
