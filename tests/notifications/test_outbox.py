"""Reminders arrive once, at the right local time, never in quiet hours, and follow the data as it changes."""

from __future__ import annotations

import ast
import datetime as dt
import smtplib
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import OperationalError, transaction
from django.template import TemplateSyntaxError
from django.test import TestCase

from accounts.models import User
from programs.models import Cohort, Enrollment, EnrollmentStatus
from sessions.models import ScheduledSession
from sessions.notifications.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    Preferences,
)
from sessions.notifications.services import delivery as delivery_module
from sessions.notifications.services.delivery import (
    notification_deliver,
    notifications_sweep,
    notifications_tick,
)
from sessions.notifications.services.planning.participants import day_before
from sessions.notifications.services.planning.run import notifications_plan
from sessions.notifications.services.unsubscribe import unsubscribe_apply, unsubscribe_token
from sessions.questionnaires.models import Assessment
from sessions.questionnaires.services.responses import answer_save, response_submit
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    ProgramFactory,
    UserFactory,
    coordinator,
    facilitator,
    shipped_program,
)

pytestmark = pytest.mark.django_db
UTC = dt.UTC
ROOT = Path(__file__).resolve().parents[2]


# --- the cast -----------------------------------------------------------------------------------


def person(zone: str, **preferences: object) -> User:
    user = UserFactory(timezone=zone)
    if preferences:
        Preferences.objects.create(user=user, **preferences)
    return user


def enrolled(user: User, *, cohort: Cohort | None = None) -> Enrollment:
    cohort = cohort or CohortFactory(program=ProgramFactory(sessions=4))
    return EnrollmentFactory(cohort=cohort, user=user)


def session_at(cohort: Cohort, starts_at: dt.datetime, number: int = 1) -> ScheduledSession:
    return ScheduledSession.objects.create(
        cohort=cohort,
        program_session=cohort.program.sessions.get(number=number),
        starts_at=starts_at,
        duration_minutes=90,
        modality="in_person",
        place="Room 2",
    )


def course_running_around(cohort: Cohort, day: dt.date) -> None:
    """Sessions ten days before and after `day`, so the course counts as running that day."""
    session_at(cohort, dt.datetime.combine(day - dt.timedelta(days=10), dt.time(17), UTC), 1)
    session_at(cohort, dt.datetime.combine(day + dt.timedelta(days=10), dt.time(17), UTC), 2)


def open_assessment(enrollment: Enrollment, opens_at: dt.datetime, days: int = 10) -> Assessment:
    program = shipped_program("mbsr-8-ms")
    if enrollment.cohort.program_id != program.pk:
        enrollment.cohort.program = program
        enrollment.cohort.save()
    return Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=program.measurement_points.get(kind="baseline"),
        instruments=["gad7"],
        opens_at=opens_at,
        closes_at=opens_at + dt.timedelta(days=days),
    )


def committed():
    """Run the after-commit callbacks (hand-outs to the eager sender) when the block ends, as a
    real commit would; the test's own transaction never commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def tick(now: dt.datetime) -> dict[str, int]:
    """One beat tick at `now`, with the after-commit hand-out and eager delivery run."""
    with time_machine.travel(now, tick=False), committed():
        return notifications_tick(now=now)


def run_ticks(moments: Iterator[dt.datetime]) -> list[tuple[dt.datetime, mail.EmailMessage]]:
    """Tick at each moment; which e-mails went out at which tick."""
    sent: list[tuple[dt.datetime, mail.EmailMessage]] = []
    for now in moments:
        before = len(mail.outbox)
        tick(now)
        sent += [(now, message) for message in mail.outbox[before:]]
    return sent


# --- daylight saving: the right local time, exactly once ------------------------------------------

ZONES = ("America/New_York", "Europe/London", "Asia/Tokyo")
TRANSITIONS = [
    dt.date(2026, 3, 8),  # New York springs forward
    dt.date(2026, 3, 29),  # London springs forward
    dt.date(2026, 10, 25),  # London falls back
    dt.date(2026, 11, 1),  # New York falls back
]


def _moments(
    start: dt.datetime, end: dt.datetime, fine: list[dt.datetime]
) -> Iterator[dt.datetime]:
    """Every hour on the hour, and every minute for the five minutes either side of each `fine`
    instant: a reminder sent early or late, or twice, shows up in one of those ticks."""
    now = start
    while now < end:
        yield now
        near = any(abs(now - f) <= dt.timedelta(minutes=5) for f in fine)
        step = (
            dt.timedelta(minutes=1)
            if near
            else dt.timedelta(hours=1) - dt.timedelta(minutes=now.minute)
        )
        if not near:
            upcoming = [
                f - dt.timedelta(minutes=5) for f in fine if f - dt.timedelta(minutes=5) > now
            ]
            step = min([step, *(u - now for u in upcoming)])
        now += step


@pytest.mark.parametrize("transition", TRANSITIONS, ids=str)
def test_practice_reminder_arrives_once_a_day_at_19_local_across_the_clock_change(transition):
    people = {
        zone: person(zone, practice_nudges=True, practice_nudge_time=dt.time(19, 0))
        for zone in ZONES
    }
    cohort = CohortFactory(program=ProgramFactory(sessions=4))
    course_running_around(cohort, transition)
    for user in people.values():
        enrolled(user, cohort=cohort)
    days = [transition - dt.timedelta(days=1), transition]
    expected = {
        (zone, day): dt.datetime.combine(day, dt.time(19), ZoneInfo(zone)).astimezone(UTC)
        for zone in ZONES
        for day in days
    }
    start = min(expected.values()) - dt.timedelta(hours=2)
    end = max(expected.values()) + dt.timedelta(hours=3)

    sent = run_ticks(_moments(start, end, list(expected.values())))

    got: dict[tuple[str, dt.date], list[dt.datetime]] = {}
    for at, message in sent:
        zone = next(z for z, u in people.items() if message.to == [u.email])
        got.setdefault((zone, at.astimezone(ZoneInfo(zone)).date()), []).append(at)
    assert got == {key: [at] for key, at in expected.items()}
    for (zone, _day), [at] in got.items():
        assert at.astimezone(ZoneInfo(zone)).time() == dt.time(19, 0)


@pytest.mark.parametrize(
    ("zone", "session_day", "reminder_day"),
    [
        # The day before a session on the day the clocks change is a 23- or 25-hour day.
        ("Europe/London", dt.date(2026, 3, 29), dt.date(2026, 3, 28)),
        ("Europe/London", dt.date(2026, 10, 25), dt.date(2026, 10, 24)),
        ("America/New_York", dt.date(2026, 3, 8), dt.date(2026, 3, 7)),
        ("America/New_York", dt.date(2026, 11, 1), dt.date(2026, 10, 31)),
    ],
)
def test_session_reminder_comes_the_day_before_at_the_same_local_time(
    zone, session_day, reminder_day
):
    tz = ZoneInfo(zone)
    session_local = dt.datetime.combine(session_day, dt.time(18), tz)
    reminder_local = dt.datetime.combine(reminder_day, dt.time(18), tz)
    user = person(zone, session_reminder_1h=True)
    enrollment = enrolled(user)
    starts_at = session_local.astimezone(UTC)
    session_at(enrollment.cohort, starts_at)
    day_before_at = reminder_local.astimezone(UTC)
    hour_before_at = starts_at - dt.timedelta(hours=1)

    sent = run_ticks(
        _moments(
            day_before_at - dt.timedelta(hours=1),
            starts_at,
            [day_before_at, hour_before_at],
        )
    )

    assert [at for at, _ in sent] == [day_before_at, hour_before_at]
    assert day_before(starts_at, tz) == day_before_at
    first, second = (message for _, message in sent)
    assert first.subject == "Your next session is coming up"
    assert second.subject == "Your session starts in an hour"
    zone_words = zone.replace("_", " ")
    assert f"18:00 ({zone_words} time)" in first.body


# --- quiet hours and the daily cap ------------------------------------------------------------------


def test_a_check_in_opening_at_night_waits_until_quiet_hours_end():
    tz = ZoneInfo("Europe/London")
    user = person("Europe/London", quiet_hours_start=dt.time(21), quiet_hours_end=dt.time(8))
    enrollment = enrolled(user)
    opens = dt.datetime(2026, 6, 10, 23, 10, tzinfo=tz).astimezone(UTC)
    open_assessment(enrollment, opens)
    morning = dt.datetime(2026, 6, 11, 8, 0, tzinfo=tz).astimezone(UTC)

    sent = run_ticks(
        _moments(opens - dt.timedelta(minutes=20), morning + dt.timedelta(hours=1), [morning])
    )

    assert [at for at, _ in sent] == [morning]
    row = Notification.objects.get(kind=NotificationKind.QUESTIONNAIRE_OPEN)
    assert row.send_at == morning
    assert row.status == NotificationStatus.SENT
    assert sent[0][1].subject == "Your check-in is ready"


def test_no_reminder_goes_out_in_quiet_hours_that_span_midnight_in_the_persons_zone():
    # 22:00-07:00 in New York is 03:00-12:00 in London; a London-based server must not care.
    user = person("America/New_York", quiet_hours_start=dt.time(22), quiet_hours_end=dt.time(7))
    enrollment = enrolled(user)
    tz = ZoneInfo("America/New_York")
    opens = dt.datetime(2026, 6, 10, 22, 30, tzinfo=tz).astimezone(UTC)
    open_assessment(enrollment, opens)

    sent = run_ticks(_moments(opens, opens + dt.timedelta(hours=12), []))

    [(at, _)] = sent
    assert at.astimezone(tz).time() == dt.time(7, 0)


def test_the_daily_cap_holds_and_the_rest_wait_for_the_next_morning():
    tz = ZoneInfo("Europe/London")
    user = person("Europe/London", daily_cap=3)
    opens = dt.datetime(2026, 6, 10, 10, 0, tzinfo=tz).astimezone(UTC)
    for _ in range(4):
        open_assessment(enrolled(user), opens)

    first_day = run_ticks(_moments(opens, opens + dt.timedelta(hours=10), []))
    assert len(first_day) == 3
    waiting = Notification.objects.get(status=NotificationStatus.PENDING)
    next_morning = dt.datetime(2026, 6, 11, 8, 0, tzinfo=tz).astimezone(UTC)
    assert waiting.send_at == next_morning

    second_day = run_ticks(iter([next_morning]))
    assert len(second_day) == 1
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 4


def test_session_reminders_do_not_count_towards_the_cap():
    user = person("Europe/London", daily_cap=1)
    enrollment = enrolled(user)
    now = dt.datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    open_assessment(enrollment, now)
    session_at(enrollment.cohort, now + dt.timedelta(hours=20))

    sent = run_ticks(iter([now]))

    assert sorted(m.subject for _, m in sent) == [
        "Your check-in is ready",
        "Your next session is coming up",
    ]


# --- following the data -------------------------------------------------------------------------------


def test_a_completed_questionnaire_cancels_its_waiting_reminder():
    tz = ZoneInfo("Europe/London")
    user = person("Europe/London")
    enrollment = enrolled(user)
    opens = dt.datetime(2026, 6, 10, 23, 0, tzinfo=tz).astimezone(UTC)
    assessment = open_assessment(enrollment, opens)
    tick(opens)
    row = Notification.objects.get()
    assert row.status == NotificationStatus.PENDING  # waiting for the morning

    with time_machine.travel(opens + dt.timedelta(minutes=30), tick=False):
        for number in range(1, 9):
            response = answer_save(
                assessment=assessment, instrument="gad7", item=number, value=0, entered_by=user
            )
        response_submit(response=response)

    row.refresh_from_db()
    assert row.status == NotificationStatus.CANCELLED
    assert run_ticks(iter([dt.datetime(2026, 6, 11, 9, 0, tzinfo=UTC)])) == []


def test_a_rescheduled_session_moves_its_reminder():
    user = person("Europe/London")
    enrollment = enrolled(user)
    starts = dt.datetime(2026, 6, 17, 17, 0, tzinfo=UTC)  # 18:00 London
    session = session_at(enrollment.cohort, starts)
    [(first_at, first)] = run_ticks(iter([starts - dt.timedelta(hours=24)]))
    assert "Wednesday 17 June 2026, 18:00" in first.body

    session.starts_at = starts + dt.timedelta(days=2)
    session.save()
    assert run_ticks(iter([starts - dt.timedelta(hours=23)])) == []
    [(second_at, second)] = run_ticks(iter([session.starts_at - dt.timedelta(hours=24)]))

    assert "Friday 19 June 2026, 18:00" in second.body
    assert second_at - first_at == dt.timedelta(days=2)


def test_a_waiting_reminder_for_a_moved_session_is_cancelled():
    tz = ZoneInfo("Europe/London")
    user = person("Europe/London")
    enrollment = enrolled(user)
    # 07:30 session: the day-before reminder falls in quiet hours and waits until 08:00.
    starts = dt.datetime(2026, 6, 17, 7, 30, tzinfo=tz).astimezone(UTC)
    session = session_at(enrollment.cohort, starts)
    tick(starts - dt.timedelta(hours=24))
    row = Notification.objects.get()
    assert row.status == NotificationStatus.PENDING

    session.starts_at = starts + dt.timedelta(days=7)
    session.save()
    tick(dt.datetime(2026, 6, 16, 8, 0, tzinfo=tz).astimezone(UTC))

    row.refresh_from_db()
    assert row.status == NotificationStatus.CANCELLED
    assert "moved" in row.last_error
    assert mail.outbox == []


def test_a_withdrawn_participant_gets_nothing_more():
    user = person("Europe/London")
    enrollment = enrolled(user)
    now = dt.datetime(2026, 6, 10, 12, tzinfo=UTC)
    session_at(enrollment.cohort, now + dt.timedelta(hours=20))
    enrollment.status = "withdrawn"
    enrollment.save()

    assert run_ticks(iter([now])) == []
    assert not Notification.objects.exists()


def test_planning_twice_writes_each_message_once():
    user = person("Europe/London")
    enrollment = enrolled(user)
    now = dt.datetime(2026, 6, 10, 12, tzinfo=UTC)
    session_at(enrollment.cohort, now + dt.timedelta(hours=20))

    assert notifications_plan(now=now) == 1
    assert notifications_plan(now=now + dt.timedelta(minutes=1)) == 0
    assert Notification.objects.count() == 1


def test_practice_already_logged_today_means_no_reminder():
    user = person("Europe/London", practice_nudges=True, practice_nudge_time=dt.time(19))
    cohort = CohortFactory(program=ProgramFactory(sessions=4))
    day = dt.date(2026, 6, 10)
    course_running_around(cohort, day)
    enrollment = enrolled(user, cohort=cohort)
    enrollment.practice_logs.create(date=day, practice="body_scan", minutes=10)

    assert run_ticks(iter([dt.datetime(2026, 6, 10, 18, 5, tzinfo=UTC)])) == []


# --- sending: once, and honestly recorded -------------------------------------------------------------


def _due_row(user: User | None = None) -> Notification:
    user = user or person("Europe/London", quiet_hours_start=dt.time(0), quiet_hours_end=dt.time(0))
    enrollment = enrolled(user)
    now = dt.datetime(2026, 6, 10, 12, tzinfo=UTC)
    session_at(enrollment.cohort, now + dt.timedelta(hours=20))
    with time_machine.travel(now, tick=False):
        notifications_plan(now=now)
    return Notification.objects.get()


def test_delivering_the_same_row_twice_sends_one_email():
    row = _due_row()
    now = row.send_at + dt.timedelta(minutes=1)

    assert notification_deliver(notification_id=row.pk, now=now) == "sent"
    assert notification_deliver(notification_id=row.pk, now=now) == "duplicate"

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT
    assert row.attempts == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == row.message_id


def test_an_unsubscribe_taken_after_the_row_was_claimed_still_stops_the_send(monkeypatch):
    row = _due_row()
    original = delivery_module.still_wanted

    def unsubscribe_mid_send(notification, *, now):
        # The row is already "sending" here; the person presses unsubscribe at this moment.
        assert Notification.objects.get(pk=notification.pk).status == NotificationStatus.SENDING
        unsubscribe_apply(
            token=unsubscribe_token(user=notification.recipient, kind=notification.kind)
        )
        return original(notification, now=now)

    monkeypatch.setattr(delivery_module, "still_wanted", unsubscribe_mid_send)

    outcome = notification_deliver(notification_id=row.pk, now=row.send_at)

    assert outcome == "skipped"
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.status == NotificationStatus.SKIPPED


class UnreachableBackend(EmailBackend):
    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")


class HangingUpBackend(EmailBackend):
    def send_messages(self, messages):
        # The server took the message, then the line dropped before it said "250 accepted".
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class BusyBackend(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPDataError(451, b"Try again later")


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"No such user")})


def test_a_mail_server_that_is_away_is_tried_again_with_backoff_then_fails_visibly(settings):
    settings.EMAIL_BACKEND = f"{__name__}.UnreachableBackend"
    row = _due_row()
    now = row.send_at
    waits = []
    for _ in range(delivery_module.MAX_ATTEMPTS - 1):
        assert notification_deliver(notification_id=row.pk, now=now) == "retry"
        row.refresh_from_db()
        assert row.status == NotificationStatus.PENDING
        waits.append(row.send_at - now)
        now = row.send_at
    assert notification_deliver(notification_id=row.pk, now=now) == "failed"

    row.refresh_from_db()
    assert waits == list(delivery_module.RETRY_BACKOFF)
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == delivery_module.MAX_ATTEMPTS
    assert "Connection refused" in row.last_error


def test_a_server_that_says_try_later_is_tried_again(settings):
    settings.EMAIL_BACKEND = f"{__name__}.BusyBackend"
    row = _due_row()

    assert notification_deliver(notification_id=row.pk, now=row.send_at) == "retry"
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING
    assert "451" in row.last_error


def test_a_reminder_the_server_may_have_taken_is_not_sent_again(settings):
    settings.EMAIL_BACKEND = f"{__name__}.HangingUpBackend"
    row = _due_row()

    assert notification_deliver(notification_id=row.pk, now=row.send_at) == "unknown"
    row.refresh_from_db()
    assert row.status == NotificationStatus.UNKNOWN
    assert "not sent again" in row.last_error
    later = row.send_at + dt.timedelta(hours=2)
    assert notification_deliver(notification_id=row.pk, now=later) == "duplicate"


def test_an_address_the_server_refuses_fails_at_once(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    row = _due_row()

    assert notification_deliver(notification_id=row.pk, now=row.send_at) == "failed"
    row.refresh_from_db()
    assert row.attempts == 1
    assert "550" in row.last_error


def test_a_row_left_sending_by_a_dead_worker_becomes_unknown_and_is_not_sent_again():
    row = _due_row()
    claimed = row.send_at
    # The worker died after it began handing the message to the mail server.
    Notification.objects.filter(pk=row.pk).update(
        status=NotificationStatus.SENDING, claimed_at=claimed, handed_over_at=claimed
    )

    assert notifications_sweep(now=claimed + dt.timedelta(minutes=5)) == (0, 0)
    assert notifications_sweep(now=claimed + dt.timedelta(minutes=16)) == (0, 1)

    row.refresh_from_db()
    assert row.status == NotificationStatus.UNKNOWN
    assert (
        notification_deliver(notification_id=row.pk, now=claimed + dt.timedelta(hours=1))
        == "duplicate"
    )
    assert mail.outbox == []


class ProcessEnded(BaseException):
    """The worker's process ends here (the kernel's OOM killer, a cold shutdown): not an error
    the sender could catch and record."""


class StopsWhileConnecting(EmailBackend):
    def open(self):
        raise ProcessEnded


class StopsWhileTheServerHasIt(EmailBackend):
    def send_messages(self, messages):
        super().send_messages(messages)  # the server has it...
        raise ProcessEnded  # ...and the sender ends before hearing "250 accepted"


def _stuck_after(settings, backend: str) -> tuple[Notification, dt.datetime]:
    """A due reminder whose sender stopped dead inside the mail backend; the row as left."""
    settings.EMAIL_BACKEND = f"{__name__}.{backend}"
    row = _due_row()
    with pytest.raises(ProcessEnded):
        notification_deliver(notification_id=row.pk, now=row.send_at)
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENDING
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return row, row.send_at + delivery_module.SENDING_LEASE + dt.timedelta(minutes=1)


def test_a_reminder_whose_sender_stopped_before_handing_it_over_is_sent_once_later(settings):
    row, later = _stuck_after(settings, "StopsWhileConnecting")
    assert row.handed_over_at is None
    assert mail.outbox == []

    assert notifications_sweep(now=later) == (1, 0)
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING
    assert notification_deliver(notification_id=row.pk, now=later) == "sent"
    assert notification_deliver(notification_id=row.pk, now=later) == "duplicate"

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 2)


def test_a_reminder_whose_sender_stopped_after_handing_it_over_is_unknown_not_resent(settings):
    row, later = _stuck_after(settings, "StopsWhileTheServerHasIt")
    assert row.handed_over_at is not None
    assert len(mail.outbox) == 1

    assert notifications_sweep(now=later) == (0, 1)
    assert notification_deliver(notification_id=row.pk, now=later) == "duplicate"

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.UNKNOWN
    assert "not sent again" in row.last_error


def test_a_row_that_stops_its_sender_every_time_fails_in_the_end():
    row = _due_row()
    claimed = row.send_at
    Notification.objects.filter(pk=row.pk).update(
        status=NotificationStatus.SENDING,
        claimed_at=claimed,
        attempts=delivery_module.MAX_ATTEMPTS,
    )

    assert notifications_sweep(now=claimed + dt.timedelta(minutes=16)) == (0, 0)

    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED
    assert "each time" in row.last_error


def test_a_sender_slower_than_its_lease_sends_nothing_once_the_sweep_has_judged_it(monkeypatch):
    row = _due_row()
    claimed = row.send_at
    build = delivery_module.notification_email

    def slow_build(notification):
        # The sender stalls for longer than its lease; meanwhile a tick sweeps, and another
        # sender takes the row and delivers it.
        later = claimed + delivery_module.SENDING_LEASE + dt.timedelta(minutes=1)
        assert notifications_sweep(now=later) == (1, 0)
        monkeypatch.setattr(delivery_module, "notification_email", build)
        assert notification_deliver(notification_id=notification.pk, now=later) == "sent"
        return build(notification)

    monkeypatch.setattr(delivery_module, "notification_email", slow_build)

    assert notification_deliver(notification_id=row.pk, now=claimed) == "duplicate"
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 2)


def test_a_message_that_cannot_be_made_fails_at_once_with_its_reason():
    # The e2e data of issue 12: a missed-session message written without its session.
    user = person("Europe/London", quiet_hours_start=dt.time(0), quiet_hours_end=dt.time(0))
    enrollment = enrolled(user)
    now = dt.datetime(2026, 6, 10, 12, tzinfo=UTC)
    row = Notification.objects.create(
        kind=NotificationKind.MISSED_SESSION,
        dedupe_key="missed:no-session",
        recipient=user,
        enrollment=enrollment,
        cohort=enrollment.cohort,
        send_at=now - dt.timedelta(hours=4),
    )

    assert notification_deliver(notification_id=row.pk, now=now) == "failed"

    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED
    assert row.last_error == (
        "The message could not be made: ValueError: The notification is missing what it is about."
    )
    assert row.handed_over_at is None
    assert mail.outbox == []
    # Nothing is left for the sweep, and a later pass sends nothing.
    assert notifications_sweep(now=now + dt.timedelta(hours=1)) == (0, 0)
    assert notification_deliver(notification_id=row.pk, now=now + dt.timedelta(hours=1)) == (
        "duplicate"
    )


def test_a_template_error_fails_the_message_at_once(monkeypatch):
    row = _due_row()

    def broken_template(notification):
        raise TemplateSyntaxError("Invalid block tag on line 3: 'endfi'")

    monkeypatch.setattr(delivery_module, "notification_email", broken_template)

    assert notification_deliver(notification_id=row.pk, now=row.send_at) == "failed"
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED
    assert "TemplateSyntaxError: Invalid block tag" in row.last_error
    assert mail.outbox == []


def test_a_database_error_while_making_the_message_is_tried_again_later(monkeypatch):
    row = _due_row()

    def database_gone(notification):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(delivery_module, "notification_email", database_gone)
    with pytest.raises(OperationalError):
        notification_deliver(notification_id=row.pk, now=row.send_at)
    monkeypatch.undo()

    # Claimed and never handed over: the sweep gives it back, and it goes out once.
    later = row.send_at + delivery_module.SENDING_LEASE + dt.timedelta(minutes=1)
    assert notifications_sweep(now=later) == (1, 0)
    assert notification_deliver(notification_id=row.pk, now=later) == "sent"
    assert len(mail.outbox) == 1


# --- safety alerts --------------------------------------------------------------------------------------


PHQ9_ITEM9_ONE = [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]


def _phq9_assessment(organization):
    program = shipped_program("mbsr-8-ms")
    staff = facilitator(organization)
    cohort = CohortFactory(program=program, organization=organization, facilitators=[staff])
    enrollment = EnrollmentFactory(cohort=cohort)
    now = dt.datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # the middle of the night in London
    assessment = Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=program.measurement_points.get(kind="baseline"),
        instruments=["phq9"],
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10),
    )
    return assessment, staff, now


def _answer_phq9(assessment, now):
    with time_machine.travel(now, tick=False):
        for number, value in enumerate(PHQ9_ITEM9_ONE, start=1):
            response = answer_save(
                assessment=assessment,
                instrument="phq9",
                item=number,
                value=value,
                entered_by=assessment.enrollment.user,
            )
        response_submit(response=response)


def test_a_safety_alert_reaches_facilitator_and_coordinator_at_once_even_at_night(organization):
    boss = coordinator(organization)
    assessment, staff, now = _phq9_assessment(organization)

    with committed():
        _answer_phq9(assessment, now)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([staff.email, boss.email])
    message = mail.outbox[0]
    assert message.subject.startswith("Please check Stillwater now")
    assert "List-Unsubscribe" not in message.extra_headers
    assert assessment.enrollment.participant_code in message.subject


def test_no_safety_alert_when_the_answers_are_rolled_back(organization):
    assessment, _staff, now = _phq9_assessment(organization)

    def answer_then_fail():
        with transaction.atomic():
            _answer_phq9(assessment, now)
            raise RuntimeError("the request failed after the answers were saved")

    with committed(), pytest.raises(RuntimeError):
        answer_then_fail()

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_stuck_safety_alert_is_sent_again_rather_than_lost(organization):
    coordinator(organization)
    assessment, _staff, now = _phq9_assessment(organization)
    with committed():
        _answer_phq9(assessment, now)
    alert = Notification.objects.filter(kind=NotificationKind.SAFETY_ALERT).first()
    # Its sender died after handing it over: it may have arrived, and goes out again anyway.
    Notification.objects.filter(pk=alert.pk).update(
        status=NotificationStatus.SENDING, claimed_at=now, handed_over_at=now
    )
    mail.outbox.clear()

    retried, unknown = notifications_sweep(now=now + dt.timedelta(minutes=20))

    assert (retried, unknown) == (1, 0)
    assert (
        notification_deliver(notification_id=alert.pk, now=now + dt.timedelta(minutes=20)) == "sent"
    )
    assert len(mail.outbox) == 1


def test_a_safety_alert_still_goes_out_when_the_participant_withdraws(organization):
    coordinator(organization)
    assessment, _staff, now = _phq9_assessment(organization)
    with TestCase.captureOnCommitCallbacks(execute=False):
        _answer_phq9(assessment, now)  # alerts written, not yet handed out
    enrollment = assessment.enrollment
    enrollment.status = "withdrawn"
    enrollment.save()

    run_ticks(iter([now + dt.timedelta(minutes=1)]))

    alerts = Notification.objects.filter(kind=NotificationKind.SAFETY_ALERT)
    assert alerts.count() == 2
    assert set(alerts.values_list("status", flat=True)) == {NotificationStatus.SENT}


# --- staff messages ---------------------------------------------------------------------------------------


def test_facilitators_hear_about_attendance_not_recorded_a_day_after_the_session(organization):
    staff = facilitator(organization)
    cohort = CohortFactory(
        organization=organization, program=ProgramFactory(sessions=4), facilitators=[staff]
    )
    EnrollmentFactory(cohort=cohort)
    starts = dt.datetime(2026, 6, 9, 17, tzinfo=UTC)
    session_at(cohort, starts)

    assert run_ticks(iter([starts + dt.timedelta(hours=20)])) == []
    [(_, message)] = run_ticks(iter([starts + dt.timedelta(hours=25, minutes=30)]))

    assert message.to == [staff.email]
    assert message.subject == "Attendance still to record for session 1"


def test_the_weekly_summary_comes_on_the_chosen_day_from_8_local(organization):
    staff = facilitator(organization, user__timezone="America/New_York")
    Preferences.objects.create(user=staff, digest_weekday=2)  # Wednesday
    CohortFactory(
        organization=organization, program=ProgramFactory(sessions=4), facilitators=[staff]
    )
    tz = ZoneInfo("America/New_York")
    wednesday_8 = dt.datetime(2026, 6, 10, 8, 0, tzinfo=tz).astimezone(UTC)

    sent = run_ticks(
        _moments(
            wednesday_8 - dt.timedelta(days=2), wednesday_8 + dt.timedelta(days=1), [wednesday_8]
        )
    )

    assert [at for at, _ in sent] == [wednesday_8]
    assert sent[0][1].subject == "Your week in Stillwater"


# --- guards on the configuration ---------------------------------------------------------------------------


def test_beat_only_starts_minute_jobs_in_utc():
    # Local-time crontabs skip or double jobs when the clocks change; the planner does local time.
    assert settings.CELERY_TIMEZONE == "UTC"
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert isinstance(entry["schedule"], float | int)
        assert entry["schedule"] <= 60


def test_task_time_limit_stays_under_the_redis_visibility_timeout():
    assert settings.CELERY_TASK_TIME_LIMIT < settings.REDIS_VISIBILITY_TIMEOUT
    assert delivery_module.SENDING_LEASE.total_seconds() > settings.CELERY_TASK_TIME_LIMIT


def _long_delays(tree: ast.AST) -> list[int]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in {"countdown", "eta"}:
                    found.append(node.lineno)
    return found


def test_no_code_schedules_a_celery_task_ahead_with_countdown_or_eta():
    offenders = []
    for folder in ("accounts", "programs", "sessions", "config"):
        for path in (ROOT / folder).rglob("*.py"):
            lines = _long_delays(ast.parse(path.read_text()))
            offenders += [f"{path.relative_to(ROOT)}:{line}" for line in lines]
    assert offenders == []


def test_someone_switched_to_active_before_accepting_gets_no_reminder_from_that_course():
    # A coordinator may mark an invited person "active" by hand; until the person accepts,
    # signed in, that organization sends them nothing (its delivery log would tell it about
    # their account: whether the address takes mail, when they read it).
    joined = enrolled(person("Europe/London"))
    typed_in = EnrollmentFactory(
        cohort=joined.cohort, status=EnrollmentStatus.ACTIVE, accepted_at=None
    )
    starts = dt.datetime(2026, 10, 14, 17, tzinfo=UTC)
    session_at(joined.cohort, starts)

    notifications_plan(now=starts - dt.timedelta(hours=23))

    recipients = set(
        Notification.objects.filter(kind=NotificationKind.SESSION_24H).values_list(
            "recipient_id", flat=True
        )
    )
    assert recipients == {joined.user_id}
    assert typed_in.user_id not in recipients
