"""Many reminders through one kept SMTP connection (issue 18), still each exactly once.

A real SMTP server (aiosmtpd on 127.0.0.1) counts what arrives and on how many connections;
its faults are the ones a batch meets: an address refused, a line dropped after the server
took a message, a connection the server closed between two messages, a sender stopped dead.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from sessions.notifications.models import Notification, NotificationStatus
from sessions.notifications.services.attachments import session_ics
from sessions.notifications.services.claims import claim
from sessions.notifications.services.delivery import (
    SENDING_LEASE,
    notification_deliver,
    notifications_sweep,
)
from sessions.notifications.services.mail_connection import mail_connections_close
from sessions.notifications.services.planning.run import notifications_plan
from tests.notifications.test_outbox import enrolled, person, session_at

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)


class Inbox:
    """Counts each message and the connection it came on; refuses or hangs up when told."""

    def __init__(self) -> None:
        self.arrived: list[tuple[str, str]] = []  # (recipient, Message-ID)
        self.servers: list[object] = []  # one per connection that delivered something
        self.refuse: set[str] = set()
        self.hang_up_on: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.original_content)
        with self.lock:
            if server not in self.servers:
                self.servers.append(server)
            for to in envelope.rcpt_tos:
                self.arrived.append((to, str(message["Message-ID"]).strip()))
        if self.hang_up_on & set(envelope.rcpt_tos):
            # The server has the message; the line drops before it says "250 accepted".
            server.transport.abort()
            return "250 never heard"
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox(settings) -> Iterator[tuple[Inbox, Controller]]:
    handler = Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield handler, controller
    finally:
        mail_connections_close()
        controller.stop()


def due_reminders(count: int) -> list[Notification]:
    """`count` day-before reminders of one group's session, due at NOW, oldest first."""
    first = enrolled(
        person("Europe/London", quiet_hours_start=dt.time(0), quiet_hours_end=dt.time(0))
    )
    session_at(first.cohort, NOW + dt.timedelta(hours=20))
    for _ in range(count - 1):
        enrolled(
            person("Europe/London", quiet_hours_start=dt.time(0), quiet_hours_end=dt.time(0)),
            cohort=first.cohort,
        )
    with time_machine.travel(NOW, tick=False):
        assert notifications_plan(now=NOW) == count
    return list(Notification.objects.select_related("recipient").order_by("pk"))


def deliver_all(rows: list[Notification], now: dt.datetime = NOW) -> list[str]:
    return [notification_deliver(notification_id=row.pk, now=now) for row in rows]


def copies(handler: Inbox) -> Counter[str]:
    return Counter(message_id for _, message_id in handler.arrived)


def statuses(rows: list[Notification]) -> list[str]:
    by_pk = dict(Notification.objects.values_list("pk", "status"))
    return [by_pk[row.pk] for row in rows]


def test_a_batch_of_reminders_goes_out_on_one_connection_each_once(inbox):
    handler, _ = inbox
    rows = due_reminders(6)

    assert deliver_all(rows) == ["sent"] * 6

    assert len(handler.servers) == 1, "a new connection per message"
    assert sorted(to for to, _ in handler.arrived) == sorted(r.recipient.email for r in rows)
    stored = set(Notification.objects.values_list("message_id", flat=True))
    assert copies(handler) == dict.fromkeys(stored, 1)
    # Delivering the batch again (a redelivered task) sends nothing.
    assert deliver_all(rows, NOW + dt.timedelta(hours=1)) == ["duplicate"] * 6
    assert len(handler.arrived) == 6


def test_an_address_the_server_refuses_fails_and_the_others_still_go_out(inbox):
    handler, _ = inbox
    rows = due_reminders(5)
    handler.refuse = {rows[2].recipient.email}

    assert deliver_all(rows) == ["sent", "sent", "failed", "sent", "sent"]

    refused = Notification.objects.get(pk=rows[2].pk)
    assert "550" in refused.last_error
    assert rows[2].recipient.email not in {to for to, _ in handler.arrived}
    assert len(handler.arrived) == 4
    assert set(copies(handler).values()) == {1}


def test_a_line_dropped_after_the_server_took_one_sends_it_never_again_and_the_rest_once(inbox):
    handler, _ = inbox
    rows = due_reminders(5)
    handler.hang_up_on = {rows[1].recipient.email}

    assert deliver_all(rows) == ["sent", "unknown", "sent", "sent", "sent"]

    # The dropped line was not used again: the rest went out on a new one.
    assert len(handler.servers) == 2
    assert len(handler.arrived) == 5
    assert set(copies(handler).values()) == {1}
    # Later passes of the outbox (and the sweep) send nothing more.
    later = NOW + SENDING_LEASE + dt.timedelta(minutes=1)
    assert notifications_sweep(now=later) == (0, 0)
    assert deliver_all(rows, later) == ["duplicate"] * 5
    assert len(handler.arrived) == 5
    unknown = Notification.objects.get(pk=rows[1].pk)
    assert "not sent again" in unknown.last_error


def test_a_connection_the_server_closed_between_messages_is_replaced_before_the_next(inbox):
    handler, controller = inbox
    rows = due_reminders(3)
    assert deliver_all(rows[:1]) == ["sent"]

    # The server ends the kept connection while the sender is idle (a timeout, a restart).
    closed = threading.Event()

    def close_all() -> None:
        for server in handler.servers:
            server.transport.close()
        closed.set()

    controller.loop.call_soon_threadsafe(close_all)
    assert closed.wait(5)

    # Not judged "maybe delivered" for having started on a dead line: both go out, once.
    assert deliver_all(rows[1:]) == ["sent", "sent"]
    assert len(handler.servers) == 2
    assert len(handler.arrived) == 3
    assert set(copies(handler).values()) == {1}


class ProcessEnded(BaseException):
    """The sending process ends here (killed): nothing the sender could catch and record."""


def test_a_sender_stopped_mid_batch_leaves_one_row_for_the_sweep_and_sends_nothing_twice(
    inbox, monkeypatch
):
    handler, _ = inbox
    rows = due_reminders(4)
    real_send = SMTPBackend._send

    def send_then_die(backend, message):
        sent = real_send(backend, message)
        if message.to == [rows[1].recipient.email]:
            raise ProcessEnded
        return sent

    monkeypatch.setattr(SMTPBackend, "_send", send_then_die)
    assert deliver_all(rows[:1]) == ["sent"]
    with pytest.raises(ProcessEnded):
        deliver_all(rows[1:2])
    monkeypatch.undo()

    # Only the row in hand was claimed; the rest of the batch is still pending.
    assert statuses(rows) == ["sent", "sending", "pending", "pending"]
    later = NOW + SENDING_LEASE + dt.timedelta(minutes=1)
    assert notifications_sweep(now=later) == (0, 1)
    assert deliver_all(rows, later) == ["duplicate", "duplicate", "sent", "sent"]
    # The connection the stopped sender held was not used again.
    assert len(handler.servers) == 2
    assert len(handler.arrived) == 4
    assert set(copies(handler).values()) == {1}
    assert statuses(rows) == ["sent", "unknown", "sent", "sent"]


def test_a_row_is_claimed_once_and_only_when_due():
    rows = due_reminders(1)
    row = rows[0]

    assert claim(row.pk, now=row.send_at - dt.timedelta(seconds=1)) is None
    assert claim(row.pk, now=row.send_at) == row.kind
    assert claim(row.pk, now=row.send_at) is None

    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_at) == (
        NotificationStatus.SENDING,
        1,
        row.send_at,
    )


def test_a_sessions_calendar_file_is_made_again_when_the_session_changes():
    rows = due_reminders(1)
    session = rows[0].scheduled_session
    assert session is not None

    first = session_ics(session)
    assert session_ics(session) is first
    session.starts_at += dt.timedelta(hours=1)
    moved = session_ics(session)

    assert moved != first
    stamp = session.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{stamp}".encode() in moved
