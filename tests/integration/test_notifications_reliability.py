"""The reminder outbox on real servers: PostgreSQL, Celery workers on Redis, an SMTP server.

Each test puts the outbox through one fault from issue 5 and counts, at the SMTP server,
what every outbox row produced. The broker is a redis-server of the test's own (so it can be
restarted and emptied), the workers are `celery -A config worker` processes under production
settings consuming `alerts,celery` as the quick start does, and every test is stopped after
TIME_LIMIT seconds by the `time_limit` fixture, with its servers stopped in teardown.

The reminders are daily practice nudges: a participant kind that counts towards the daily
cap and honours quiet hours, so the sender takes its full path (claim, re-check, cap, render,
send, record). Each goes to a person of its own, with quiet hours switched off.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connections, transaction
from django.utils import timezone

from accounts.models import User
from config.celery import app as celery_app
from sessions.notifications.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    Preferences,
)
from sessions.notifications.services.delivery import (
    REQUEUE_AFTER,
    SENDING_LEASE,
    notification_deliver,
    notifications_dispatch,
    notifications_sweep,
    notifications_tick,
)
from sessions.notifications.services.outbox import safety_alerts_raise
from tests.factories import EnrollmentFactory, UserFactory
from tests.integration.conftest import (
    RedisServer,
    SMTPServer,
    Worker,
    drop_broker_connections,
    wait_until_ready,
)
from tests.questionnaires.test_questionnaire_staff import mbsr_cohort, safety_event

# celery_workers comes last in each test's arguments, so its workers are stopped first, while
# the broker and the SMTP server they talk to are still there.
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("time_limit")]

QUEUES = ["alerts", "celery"]
# Generous: 500 messages through a real worker on a busy two-core machine take a while.
TIME_LIMIT = 240
NO_QUIET_HOURS = dt.time(0, 0)  # quiet hours from midnight to midnight: none at all


def due_reminders(count: int) -> list[int]:
    """`count` practice nudges due a minute ago, each to a different person; their pks."""
    now = timezone.now()
    people = User.objects.bulk_create(UserFactory.build_batch(count, timezone="Europe/London"))
    Preferences.objects.bulk_create(
        Preferences(
            user=person,
            practice_nudges=True,
            quiet_hours_start=NO_QUIET_HOURS,
            quiet_hours_end=NO_QUIET_HOURS,
        )
        for person in people
    )
    today = now.date()
    rows = Notification.objects.bulk_create(
        Notification(
            kind=NotificationKind.PRACTICE_NUDGE,
            dedupe_key=f"practice_nudge:{person.pk}:{today.isoformat()}",
            recipient=person,
            send_at=now - dt.timedelta(minutes=1),
            for_date=today,
        )
        for person in people
    )
    return [row.pk for row in rows]


def statuses(ids: list[int]) -> Counter[str]:
    return Counter(Notification.objects.filter(pk__in=ids).values_list("status", flat=True))


def wait_until(
    condition: Callable[[], bool], *, timeout: float, explain: Callable[[], str]
) -> float:
    """Poll `condition` until it holds; the seconds it took, or a failure saying what was seen."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not done within {timeout} s: {explain()}")
        time.sleep(0.1)
    return time.monotonic() - started


def explain(ids: list[int], smtp: SMTPServer, *workers: Worker) -> Callable[[], str]:
    def text() -> str:
        logs = "\n".join(f"--- {w.nodename}\n{w.output()[-3000:]}" for w in workers)
        return (
            f"rows {dict(statuses(ids))}, {len(smtp.messages)} messages at the SMTP server\n{logs}"
        )

    return text


def deliveries(ids: list[int], smtp: SMTPServer) -> dict[int, tuple[str, int]]:
    """For each row: its status and how many copies of it reached the SMTP server.

    A row's Message-ID is fixed when it is claimed, before sending, and every copy carries it;
    each row also goes to an address of its own, which the count checks too.
    """
    arrived = smtp.message_ids()
    to_of = {str(m["Message-ID"]).strip(): str(m["To"]) for _, _, m in list(smtp.messages)}
    result = {}
    for pk, status, message_id, email in Notification.objects.filter(pk__in=ids).values_list(
        "pk", "status", "message_id", "recipient__email"
    ):
        copies = arrived.get(message_id, 0) if message_id else 0
        if copies:
            assert to_of[message_id] == email, (pk, to_of[message_id], email)
        result[pk] = (status, copies)
    return result


def queued(broker: RedisServer, queue: str) -> int:
    """Messages waiting in a queue on the broker (kombu keeps a Redis list per queue)."""
    return int(broker.client().llen(queue))


# --- 1. two dispatchers at once -------------------------------------------------------------


def test_500_due_reminders_with_two_dispatchers_at_once_are_each_delivered_exactly_once(
    celery_on_own_redis, smtp_server, celery_workers
):
    ids = due_reminders(500)
    # Production's default pool, four sending processes: 500 messages take a while.
    worker = celery_workers(
        broker_url=celery_on_own_redis.url,
        queues=QUEUES,
        email_url=smtp_server.url,
        pool="prefork",
        concurrency=4,
    )

    # Two dispatchers, each with its own database connection, start together and hand out
    # small batches until neither finds anything more, while the worker is already sending.
    start = threading.Barrier(2, timeout=30)
    handed_out: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def dispatcher(name: str) -> None:
        mine: list[int] = []
        try:
            start.wait()
            while batch := notifications_dispatch(limit=20):
                mine += batch
        except BaseException as exc:
            errors.append(exc)
        finally:
            handed_out[name] = mine
            connections.close_all()

    threads = [
        threading.Thread(target=dispatcher, args=(name,), daemon=True) for name in ("a", "b")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a dispatcher hung"
    assert not errors, errors

    # Every row was handed out once, by one of them, and both took part.
    assert sorted(handed_out["a"] + handed_out["b"]) == sorted(ids)
    assert handed_out["a"], "the first dispatcher handed out nothing"
    assert handed_out["b"], "the second dispatcher handed out nothing"

    wait_until(
        lambda: statuses(ids)[NotificationStatus.SENT] == len(ids),
        timeout=180,
        explain=explain(ids, smtp_server, worker),
    )
    result = deliveries(ids, smtp_server)
    assert {status for status, _ in result.values()} == {NotificationStatus.SENT}
    assert Counter(copies for _, copies in result.values()) == {1: len(ids)}
    assert len(smtp_server.messages) == len(ids)


# --- 2. a worker killed mid-batch -----------------------------------------------------------


def test_a_worker_killed_mid_batch_sends_nothing_twice_and_loses_nothing_silently(
    celery_on_own_redis, smtp_server, celery_workers
):
    ids = due_reminders(40)
    # A mail server slow to confirm: from the fourth message on, its "250 accepted" waits.
    smtp_server.inbox.stall_from = 4
    first = celery_workers(
        broker_url=celery_on_own_redis.url, queues=QUEUES, email_url=smtp_server.url
    )
    assert notifications_tick()["dispatched"] == len(ids)

    # SIGKILL while the worker waits for the server's reply to its fourth message: the mail
    # server has the message, the worker never learns that it does.
    wait_until(
        lambda: smtp_server.inbox.replying > 0,
        timeout=60,
        explain=explain(ids, smtp_server, first),
    )
    first.kill()
    smtp_server.inbox.stall_from = None
    smtp_server.inbox.release.set()
    assert len(smtp_server.messages) == 4
    at_kill = statuses(ids)
    assert at_kill[NotificationStatus.SENDING] == 1, at_kill
    assert at_kill[NotificationStatus.PENDING] > len(ids) // 2, at_kill

    # The per-minute tick, once the sending lease has run out (rather than waiting 15 min):
    # the row the dead worker held is judged, and every row whose message is stuck in the
    # dead worker's hands or still queued is handed out again.
    later = timezone.now() + SENDING_LEASE + dt.timedelta(minutes=1)
    tick = notifications_tick(now=later)
    assert tick["unknown"] == 1, tick
    assert tick["dispatched"] == at_kill[NotificationStatus.PENDING], tick

    # A new worker: it receives the first hand-outs still in the queue and the second ones,
    # and sends each row once.
    second = celery_workers(
        broker_url=celery_on_own_redis.url, queues=QUEUES, email_url=smtp_server.url
    )
    wait_until(
        lambda: not statuses(ids).keys() & {NotificationStatus.PENDING, NotificationStatus.SENDING},
        timeout=120,
        explain=explain(ids, smtp_server, first, second),
    )
    # Once the second worker has also worked through the duplicate hand-outs.
    wait_until(
        lambda: queued(celery_on_own_redis, "celery") == 0,
        timeout=30,
        explain=explain(ids, smtp_server, second),
    )

    result = deliveries(ids, smtp_server)
    assert sum(copies for _, copies in result.values()) == len(smtp_server.messages)
    final = Counter(status for status, _ in result.values())
    # Every row is accounted for, visibly: sent, or marked for staff as unknown or failed.
    assert final[NotificationStatus.SENT] + final[NotificationStatus.UNKNOWN] + final[
        NotificationStatus.FAILED
    ] == len(ids), final
    assert final[NotificationStatus.UNKNOWN] == 1, final
    # Nothing arrived twice; what is "sent" arrived; what never arrived is not called sent.
    assert max(copies for _, copies in result.values()) == 1
    for pk, (status, copies) in result.items():
        if status == NotificationStatus.SENT:
            assert copies == 1, pk
        if copies == 0:
            assert status in (NotificationStatus.UNKNOWN, NotificationStatus.FAILED), pk
    # The unknown one is the message the killed worker was handing over; it was not resent.
    [unknown] = [pk for pk, (status, _) in result.items() if status == NotificationStatus.UNKNOWN]
    assert result[unknown][1] == 1
    assert "not sent again" in Notification.objects.get(pk=unknown).last_error


# --- 3. Redis restarted between dispatch and delivery ---------------------------------------


def test_reminders_lost_with_a_restarted_redis_are_handed_out_again_and_delivered_once(
    celery_on_own_redis, smtp_server, celery_workers
):
    broker = celery_on_own_redis
    ids = due_reminders(100)
    tick = notifications_tick()
    assert tick["dispatched"] == len(ids)
    assert queued(broker, "celery") == len(ids), "the hand-outs are not waiting in Redis"

    # Redis restarts without persistence before any worker took them: the messages are gone.
    broker.restart()
    assert queued(broker, "celery") == 0
    assert statuses(ids) == {NotificationStatus.PENDING: len(ids)}
    # The test's own publisher connections died with it.
    drop_broker_connections(celery_app)

    worker = celery_workers(broker_url=broker.url, queues=QUEUES, email_url=smtp_server.url)
    # A tick within five minutes of the hand-out leaves them alone (they may still be on
    # their way); the first tick after that hands every one out again.
    assert notifications_tick()["dispatched"] == 0
    last_hand_out = max(Notification.objects.filter(pk__in=ids).values_list("queued_at", flat=True))
    assert notifications_tick(now=last_hand_out + REQUEUE_AFTER + dt.timedelta(seconds=1))[
        "dispatched"
    ] == len(ids)

    wait_until(
        lambda: statuses(ids)[NotificationStatus.SENT] == len(ids),
        timeout=120,
        explain=explain(ids, smtp_server, worker),
    )
    result = deliveries(ids, smtp_server)
    assert Counter(copies for _, copies in result.values()) == {1: len(ids)}
    assert len(smtp_server.messages) == len(ids)


# --- 4. a safety alert behind a backlog of reminders ----------------------------------------


def test_a_safety_alert_reaches_staff_while_2000_reminders_are_queued_ahead_of_it(
    celery_on_own_redis,
    smtp_server,
    organization,
    facilitator_user,
    coordinator_user,
    celery_workers,
):
    """Proves the quick-start topology (scripts/serve.sh): ONE worker consuming `alerts,celery`,
    already busy with a backlog of 2,000 reminders on "celery" when the alert is raised.
    kombu's Redis transport takes turns between a worker's queues, so the alert waits for the
    reminder in hand, not for the backlog. Had the alert been put on "celery", it would have
    waited behind all 2,000 (a queue is first in, first out), so this also shows it travels
    on "alerts", the queue production gives a worker of its own (README, Production)."""
    broker = celery_on_own_redis
    event = safety_event(EnrollmentFactory(cohort=mbsr_cohort(organization, [facilitator_user])))
    ids = due_reminders(2000)
    assert notifications_dispatch(limit=len(ids)) == ids
    assert queued(broker, "celery") == len(ids)
    assert queued(broker, "alerts") == 0

    worker = celery_workers(broker_url=broker.url, queues=QUEUES, email_url=smtp_server.url)
    staff = {facilitator_user.email, coordinator_user.email}

    def alerts_arrived() -> bool:
        return staff <= {to for _, tos, _ in list(smtp_server.messages) for to in tos}

    # The worker is working through the backlog...
    wait_until(
        lambda: len(smtp_server.messages) > 0, timeout=30, explain=explain(ids, smtp_server, worker)
    )
    # ...when an alert is raised as a questionnaire answer raises it: written in the caller's
    # transaction and handed out the moment that commits.
    with transaction.atomic():
        assert safety_alerts_raise(events=[event]) == 2
    took = wait_until(alerts_arrived, timeout=15, explain=explain(ids, smtp_server, worker))

    reminders_delivered = len(smtp_server.messages) - 2
    assert took < 15
    assert reminders_delivered < len(ids) / 2, reminders_delivered
    assert queued(broker, "celery") > len(ids) / 2
    alerts = Notification.objects.filter(kind=NotificationKind.SAFETY_ALERT)
    assert set(alerts.values_list("status", flat=True)) == {NotificationStatus.SENT}


# --- 5. a mail server that takes a reminder and hangs up before confirming ------------------


@pytest.mark.django_db
def test_a_reminder_the_mail_server_took_without_confirming_is_not_sent_again(smtp_server):
    [pk] = due_reminders(1)
    # The server stores the message, then the connection drops before its "250 accepted":
    # the sender cannot know whether it was taken, as when it is killed at that moment.
    smtp_server.inbox.hang_ups = 1
    now = timezone.now()
    notification_deliver(notification_id=pk, now=now)
    assert smtp_server.message_ids() == {Notification.objects.get(pk=pk).message_id: 1}

    # Whatever the sender decided, later passes of the outbox must not send it again.
    for minutes in (2, 10, 30, 90, 180):
        notification_deliver(notification_id=pk, now=now + dt.timedelta(minutes=minutes))

    row = Notification.objects.get(pk=pk)
    assert max(smtp_server.message_ids().values()) == 1, (row.status, row.attempts, row.last_error)
    assert row.status in (NotificationStatus.UNKNOWN, NotificationStatus.SENT), row.status


# --- 6. Redis restarted while workers are mid-send ------------------------------------------


def test_a_redis_restart_while_workers_are_mid_send_leaves_every_reminder_sent_exactly_once(
    celery_on_own_redis, smtp_server, record_property, capsys, celery_workers
):
    """Issue 12: with running sends cancelled on a lost broker connection, a Redis restart
    killed sends that live workers had claimed, and the sweep called them "unknown" (1-2 in
    300 each run). The outbox must come through a restart of Redis alone with every reminder
    sent, once."""
    broker = celery_on_own_redis
    ids = due_reminders(300)
    # A mail server slow to confirm each message, so that at any moment several senders are
    # waiting for its "250 accepted" and the restart lands in the middle of their sends.
    smtp_server.inbox.delay = 0.3
    # Two workers of production's default pool, two sending processes each.
    workers = [
        celery_workers(
            broker_url=broker.url,
            queues=QUEUES,
            email_url=smtp_server.url,
            pool="prefork",
            concurrency=2,
        )
        for _ in range(2)
    ]
    assert notifications_tick()["dispatched"] == len(ids)
    wait_until(
        lambda: len(smtp_server.messages) >= 60 and smtp_server.inbox.replying >= 2,
        timeout=90,
        explain=explain(ids, smtp_server, *workers),
    )

    # Redis goes away (SIGKILL, nothing persisted) while the workers are mid-send, and comes back.
    broker.stop()
    in_flight = set(
        Notification.objects.filter(pk__in=ids, status=NotificationStatus.SENDING).values_list(
            "pk", flat=True
        )
    )
    waiting_for_reply = smtp_server.inbox.replying
    arrived_before = len(smtp_server.messages)
    broker.start()
    assert in_flight, "no send was under way while Redis was down"
    assert arrived_before < len(ids) / 2, arrived_before
    # The test's own publisher connections died with it; the workers reconnect by themselves.
    drop_broker_connections(celery_app)
    for worker in workers:
        wait_until_ready(worker, timeout=60)

    # The sends under way finish (well within a few seconds when nothing stops them)...
    def sending() -> set[int]:
        return set(
            Notification.objects.filter(pk__in=ids, status=NotificationStatus.SENDING).values_list(
                "pk", flat=True
            )
        )

    deadline = time.monotonic() + 20
    while sending() and time.monotonic() < deadline:
        time.sleep(0.1)
    stuck = sending()
    # ...while the hand-outs queued in (or reserved from) the old Redis are gone: their rows
    # are still pending, and the first tick after REQUEUE_AFTER hands them out again.
    last_hand_out = max(Notification.objects.filter(pk__in=ids).values_list("queued_at", flat=True))
    tick = notifications_tick(now=last_hand_out + REQUEUE_AFTER + dt.timedelta(seconds=1))

    # Quiescence: nothing waiting, nothing being sent but what was stuck before, nothing left
    # in the queue; then the sweep judges whatever is still "sending" once its lease is over.
    wait_until(
        lambda: (
            not statuses(ids)[NotificationStatus.PENDING]
            and sending() <= stuck
            and queued(broker, "celery") == 0
        ),
        timeout=150,
        explain=explain(ids, smtp_server, *workers),
    )
    swept = notifications_sweep(now=timezone.now() + SENDING_LEASE + dt.timedelta(minutes=1))

    result = deliveries(ids, smtp_server)
    keys = dict(Notification.objects.filter(pk__in=ids).values_list("pk", "dedupe_key"))
    copies_per_key = Counter({keys[pk]: copies for pk, (_, copies) in result.items()})
    final = Counter(status for status, _ in result.values())
    counts = {
        "total": len(ids),
        "sent": final[NotificationStatus.SENT],
        "unknown": final[NotificationStatus.UNKNOWN],
        "failed": final[NotificationStatus.FAILED],
        "duplicates": sum(copies - 1 for copies in copies_per_key.values() if copies > 1),
        "never_arrived": sum(1 for copies in copies_per_key.values() if copies == 0),
        "in_flight_at_restart": len(in_flight),
        "waiting_for_reply_at_restart": waiting_for_reply,
        "arrived_before_restart": arrived_before,
        "handed_out_again": tick["dispatched"],
        "stuck_sending_until_the_sweep": len(stuck),
        "messages_at_smtp_server": len(smtp_server.messages),
    }
    for name, value in counts.items():
        record_property(name, value)
    with capsys.disabled():
        print("\nbroker restart mid-send:", " ".join(f"{k}={v}" for k, v in counts.items()))

    assert counts["unknown"] == 0, counts
    assert swept == (0, 0), counts
    assert counts["sent"] == len(ids), counts
    assert set(copies_per_key.values()) == {1}, counts
    assert len(smtp_server.messages) == len(ids), counts
    # The sends under way at the restart finished: each of those reminders arrived once.
    assert {result[pk] for pk in in_flight} == {(NotificationStatus.SENT, 1)}
