"""Handing due outbox rows to the sender, sending them, and tidying up after crashed senders.

Guarantees, and why:

- The row is the truth; a Celery message only says "look at row N". Losing a message (Redis
  restarted, a worker killed before it acked) loses nothing: the row is still pending, and
  the dispatcher hands it out again once its hand-out is older than REQUEUE_AFTER.
- Receiving a message twice sends nothing twice: the sender first claims the row with a
  conditional update (pending -> sending, exactly one row changed) and gives up otherwise.
- A sending process keeps one SMTP connection from message to message (mail_connection.py:
  checked before each reuse, dropped after any error), yet each row is still claimed,
  handed over and recorded on its own, just before and after its own send: a process
  killed mid-batch holds at most the one row in hand, and the rest stay pending.
- A restart of Redis alone stops no send and loses no reminder. Workers do not cancel running
  sends when the broker goes away (CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS
  is False): a send needs PostgreSQL and the mail server, not Redis, so it finishes and records
  "sent" in its row. Cancelling instead killed the pool process mid-send, leaving a claimed row
  the sweep could only call "unknown": a reminder never sent although no worker died. The
  finished task cannot be acknowledged on the lost connection; if its message survives (a
  Redis that persists, or the worker putting it back) it runs again, finds the row sent or
  claimed, and does nothing. Messages still queued or reserved vanish with a Redis that does
  not persist; their rows are still pending and are handed out again (first point).
- Participant reminders are sent at most once. Each attempt records the moment it starts
  handing the message to the mail server (handed_over_at: after connecting, before the data),
  with a conditional update that only succeeds while the attempt still holds its claim. A
  sender that stops before that moment gave the server nothing, so the sweep puts the row
  back to pending and it goes out once. One that stops after it (killed while waiting for
  "250 accepted") may have delivered it: the sweep marks the row "unknown" (visible to staff)
  instead of sending it again. A second copy of a reminder is worse for someone with a
  fatigue-limited day than a missing one, and the next reminder of its kind follows anyway.
  The sweep's update and the hand-over record are conditional updates of the same row, so
  exactly one wins: a sender slower than its lease finds its claim gone and does not send.
- Safety alerts are sent at least once: the sweep puts a stuck alert back to pending, whether
  or not it was handed over, because a duplicate alert to staff costs a minute and a lost one
  may cost much more.
- A message that cannot be built (a template error, data it needs is gone) fails at once with
  its reason: building it again would fail again, and staff should see it now.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from functools import partial

from celery import current_app
from django.db import DatabaseError, transaction
from django.db.models import Case, F, Q, QuerySet, When
from django.utils import timezone

from accounts.models import User
from sessions.notifications.models import (
    CAPPED_KINDS,
    QUIET_HOURS_EXEMPT_KINDS,
    SAFETY_KINDS,
    Notification,
    NotificationKind,
    NotificationStatus,
    Preferences,
)
from sessions.notifications.services.claims import claim, held_update
from sessions.notifications.services.mail_connection import (
    mail_connection_open,
    mail_connection_release,
)
from sessions.notifications.services.messages import (
    message_id_for,
    notification_email,
    still_wanted,
)
from sessions.notifications.services.planning.rows import preferences_for, wants
from sessions.notifications.services.planning.run import (
    notifications_cancel_stale,
    notifications_plan,
)
from sessions.notifications.services.timing import (
    after_quiet_hours,
    local_date,
    local_day_bounds,
    zone_of,
)

logger = logging.getLogger(__name__)

# A hand-out older than this whose row is still pending is assumed lost (broker restart).
REQUEUE_AFTER = dt.timedelta(minutes=5)
# Longer than the task time limit (300 s), so a live sender is never taken for a dead one.
SENDING_LEASE = dt.timedelta(minutes=15)
# Waits between attempts after a temporary mail-server error; then the row fails for good.
RETRY_BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
)
MAX_ATTEMPTS = len(RETRY_BACKOFF) + 1
DISPATCH_BATCH = 500
ALERTS_QUEUE = "alerts"
# The Celery task that sends one row (sessions/notifications/tasks.py). Named, not imported:
# the task calls into this module, so this module does not import it back (no import cycle).
DELIVER_TASK = "sessions.tasks.deliver_notification"


class Outcome:
    SENT = "sent"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    DEFERRED = "deferred"
    RETRY = "retry"
    FAILED = "failed"
    UNKNOWN = "unknown"


def is_transient(exc: BaseException) -> bool:
    """Errors worth another try: the server was away or said 'try again later' (4xx)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | OSError)


def _held(n: Notification) -> QuerySet[Notification]:
    """The row while this attempt still holds its claim (no sweep has judged it since)."""
    return Notification.objects.filter(
        pk=n.pk, status=NotificationStatus.SENDING, claimed_at=n.claimed_at
    )


def _finish(n: Notification, status: str, **fields: object) -> None:
    # Only while this attempt holds the row: if a sweep already judged it, its verdict stands.
    _held(n).update(status=status, updated_at=timezone.now(), **fields)


def _deferral(n: Notification, preferences: Preferences, *, now: dt.datetime) -> dt.datetime | None:
    """A later send time when the recipient's quiet hours or daily cap say 'not now'."""
    if n.kind in QUIET_HOURS_EXEMPT_KINDS:
        return None
    zone = zone_of(n.recipient.timezone)
    later = after_quiet_hours(
        now, zone=zone, start=preferences.quiet_hours_start, end=preferences.quiet_hours_end
    )
    if later > now:
        return later
    if n.kind not in CAPPED_KINDS:
        return None
    day_start, day_end = local_day_bounds(local_date(now, zone), zone)
    with transaction.atomic():
        # One sender at a time per person, so two messages cannot both take the last place.
        User.objects.select_for_update().filter(pk=n.recipient_id).first()
        used = (
            Notification.objects.filter(recipient_id=n.recipient_id, kind__in=CAPPED_KINDS)
            .filter(
                Q(status=NotificationStatus.SENT, sent_at__gte=day_start, sent_at__lt=day_end)
                | Q(status=NotificationStatus.SENDING)
            )
            .exclude(pk=n.pk)
            .count()
        )
    if used < preferences.daily_cap:
        return None
    return after_quiet_hours(
        day_end, zone=zone, start=preferences.quiet_hours_start, end=preferences.quiet_hours_end
    )


# What each kind's re-check and message read, loaded with the row in one query: joining all
# eleven relations for every row cost more CPU than sending it (issue 18). Anything a kind
# reads that is not listed is still read when used, with a query of its own; a kind not
# listed loads everything.
EVERYTHING_RELATED = (
    "recipient",
    "enrollment__cohort",
    "cohort__organization",
    "scheduled_session__program_session",
    "scheduled_session__cohort",
    "assessment__measurement_point",
    "follow_up__enrollment__cohort",
    "follow_up__scheduled_session__program_session",
    "safety_event__enrollment__cohort",
    "invitation",
    "requested_by",
)
_SESSION_RELATED = (
    "recipient",
    "enrollment",
    "scheduled_session__program_session",
    # The sender name (organization) and the program version's wording (program).
    "scheduled_session__cohort__organization",
    "scheduled_session__cohort__program",
)
RELATED_FOR_KIND: dict[str, tuple[str, ...]] = {
    NotificationKind.SESSION_24H: _SESSION_RELATED,
    NotificationKind.SESSION_1H: _SESSION_RELATED,
    NotificationKind.SESSION_CHANGED: _SESSION_RELATED,
}


def notification_deliver(*, notification_id: int, now: dt.datetime | None = None) -> str:
    """Claim one due row, re-check it, send it and record what happened; safe to call twice.

    At most once for participant reminders, at least once for safety alerts (see the module
    docstring): the claim makes a second call for the same row a no-op; the hand-over record,
    taken just before the message goes to the mail server, tells the sweep whether a sender
    that stopped may have delivered it (a reminder then becomes "unknown", an alert goes out
    again) or certainly did not (the row goes out again).
    """
    now = now or timezone.now()
    kind = claim(notification_id, now=now)
    if kind is None:
        return Outcome.DUPLICATE
    n = Notification.objects.select_related(*RELATED_FOR_KIND.get(kind, EVERYTHING_RELATED)).get(
        pk=notification_id
    )
    reason = still_wanted(n, now=now)
    if reason:
        _finish(n, NotificationStatus.CANCELLED, last_error=reason)
        return Outcome.CANCELLED
    # Read after the re-check, not with the row: an unsubscribe taken after the claim counts.
    preferences = preferences_for([n.recipient_id])[n.recipient_id]
    if not wants(preferences, n.kind):
        _finish(n, NotificationStatus.SKIPPED, last_error="Turned off by the person.")
        return Outcome.SKIPPED
    later = _deferral(n, preferences, now=now)
    if later is not None:
        _finish(
            n,
            NotificationStatus.PENDING,
            send_at=later,
            queued_at=None,
            attempts=F("attempts") - 1,
        )
        return Outcome.DEFERRED

    # A retry sends with the Message-ID of the first attempt, so a mail server can spot a
    # repeat; it is stored with the hand-over below (an attempt that stops before that sent
    # nothing under it).
    n.message_id = n.message_id or message_id_for(n)
    try:
        email = notification_email(n)
    except DatabaseError:
        # The database, not the message: the row stays claimed and never handed over, so the
        # sweep puts it back for another try.
        raise
    except Exception as exc:
        # A template error or data the message needs is gone: another try would build the
        # same, so the row fails now, with the reason, instead of waiting for the sweep.
        logger.exception("notification %s could not be built", n.pk)
        _finish(
            n,
            NotificationStatus.FAILED,
            last_error=f"The message could not be made: {type(exc).__name__}: {exc}"[:500],
        )
        return Outcome.FAILED
    try:
        # The connection this process kept from its last message, checked, or a new one.
        # Errors while connecting are safe to retry: the server has not seen the message yet.
        mail = mail_connection_open()
    except Exception as exc:
        return _after_error(n, exc, now=now, handed_over=False)
    failed = True
    try:
        # From here the server may take the message. Recorded first, and only while this
        # attempt still holds the row: a sweep that judged it meanwhile wins, and nothing is
        # sent. (A database error here stops the send before anything went out.)
        if not held_update(
            n,
            {"handed_over_at": timezone.now(), "message_id": n.message_id},
            handed_over_at=None,
        ):
            failed = False
            return Outcome.DUPLICATE
        email.connection = mail
        try:
            email.send()
        except Exception as exc:
            return _after_error(n, exc, now=now, handed_over=True)
        failed = False
    finally:
        # A connection that saw an error (or a process stopping) is not used again.
        mail_connection_release(mail, failed=failed)
    sent_at = timezone.now()
    held_update(
        n,
        {
            "status": NotificationStatus.SENT.value,
            "sent_at": sent_at,
            "last_error": "",
            "updated_at": sent_at,
        },
    )
    return Outcome.SENT


def _refused_for_now(exc: BaseException) -> bool:
    """The server answered 'not now' (4xx): it did not take the message, so trying again is safe."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    return isinstance(exc, smtplib.SMTPResponseException) and 400 <= exc.smtp_code < 500


def _after_error(
    n: Notification, exc: BaseException, *, now: dt.datetime, handed_over: bool
) -> str:
    """Record a failed send: retry what certainly did not arrive, never resend what may have.

    Once the message is handed over, a dropped connection or a timeout without a reply may
    mean the server took it; a participant reminder then becomes "unknown" rather than risk
    a second copy, while a safety alert is tried again (at least once).
    """
    error = f"{type(exc).__name__}: {exc}"[:500]
    if is_transient(exc) and n.attempts < MAX_ATTEMPTS:
        maybe_delivered = handed_over and not _refused_for_now(exc)
        if not maybe_delivered or n.is_at_least_once:
            _finish(
                n,
                NotificationStatus.PENDING,
                send_at=now + RETRY_BACKOFF[n.attempts - 1],
                queued_at=None,
                last_error=error,
            )
            return Outcome.RETRY
        _finish(
            n,
            NotificationStatus.UNKNOWN,
            last_error=f"The mail server stopped answering after taking the message ({error}); "
            "not sent again to avoid a duplicate.",
        )
        return Outcome.UNKNOWN
    logger.warning("notification %s failed: %s", n.pk, error)
    _finish(n, NotificationStatus.FAILED, last_error=error)
    return Outcome.FAILED


Enqueue = Callable[[int, str | None], None]


def _celery_enqueue(pk: int, queue: str | None) -> None:
    # The registered task itself (NotificationsConfig.ready imports tasks.py in every process),
    # not send_task: apply_async keeps the task's own options and CELERY_TASK_ALWAYS_EAGER.
    current_app.tasks[DELIVER_TASK].apply_async(args=(pk,), queue=queue or "celery")


def queue_for(kind: str) -> str | None:
    """Safety alerts travel on their own queue so no backlog of reminders can hold them up."""
    return ALERTS_QUEUE if kind in SAFETY_KINDS else None


def notifications_dispatch(
    *, now: dt.datetime | None = None, limit: int = DISPATCH_BATCH, enqueue: Enqueue | None = None
) -> list[int]:
    """Hand due rows to senders after commit; rows another dispatcher holds are skipped."""
    now = now or timezone.now()
    enqueue = enqueue or _celery_enqueue
    with transaction.atomic():
        rows = list(
            Notification.objects.filter(status=NotificationStatus.PENDING, send_at__lte=now)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - REQUEUE_AFTER))
            # Safety alerts first, so a backlog of due reminders cannot push one to the next tick.
            .order_by(
                Case(When(kind__in=SAFETY_KINDS, then=0), default=1),
                "send_at",
                "pk",
            )
            .select_for_update(skip_locked=True)
            .values_list("pk", "kind")[:limit]
        )
        ids = [pk for pk, _ in rows]
        Notification.objects.filter(pk__in=ids).update(queued_at=now)
        hand_out = enqueue
        for pk, kind in rows:
            transaction.on_commit(partial(hand_out, pk, queue_for(kind)))
    return ids


def notifications_sweep(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Resolve rows a dead sender left in 'sending': what never reached the mail server and
    alerts go out again, reminders it may have delivered become 'unknown'."""
    now = now or timezone.now()
    stuck = Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=now - SENDING_LEASE
    )
    never_handed_over = stuck.filter(handed_over_at=None)
    # A row that stops its sender every time (say, one whose message cannot be made without
    # the process dying) is not tried for ever.
    given_up = never_handed_over.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=NotificationStatus.FAILED,
        last_error="The sender stopped before sending it, each time it was tried.",
        updated_at=now,
    )
    if given_up:
        logger.warning("%s notifications failed: their senders kept stopping", given_up)
    retried = never_handed_over.update(
        status=NotificationStatus.PENDING,
        queued_at=None,
        last_error="The sender stopped before handing it to the mail server; sent again.",
        updated_at=now,
    )
    handed_over = stuck.exclude(handed_over_at=None)
    retried += handed_over.filter(kind__in=SAFETY_KINDS).update(
        status=NotificationStatus.PENDING, queued_at=None, send_at=now, updated_at=now
    )
    unknown = handed_over.exclude(kind__in=SAFETY_KINDS).update(
        status=NotificationStatus.UNKNOWN,
        last_error="The sender stopped before confirming; not sent again to avoid a duplicate.",
        updated_at=now,
    )
    return retried, unknown


def notifications_tick(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The per-minute job: plan what is due, cancel what went stale, sweep, hand out."""
    now = now or timezone.now()
    planned = notifications_plan(now=now)
    cancelled = notifications_cancel_stale(now=now)
    retried, unknown = notifications_sweep(now=now)
    dispatched = 0
    while True:
        batch = notifications_dispatch(now=now)
        dispatched += len(batch)
        if len(batch) < DISPATCH_BATCH:
            break
    return {
        "planned": planned,
        "cancelled": cancelled,
        "retried": retried,
        "unknown": unknown,
        "dispatched": dispatched,
    }
