"""Reminder benchmark: plan and deliver N due reminders (default 10,000) to a local SMTP server.

    .venv/bin/python bench/reminders.py                    # SQLite, in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stillwater .venv/bin/python bench/reminders.py

It makes a database of its own (a temporary SQLite file, or on PostgreSQL a new database
named after the one in DATABASE_URL with `_bench_<pid>` appended), migrates it, fills it with
group cohorts whose next session starts in 23 hours, and drops it at the end. Then:

- planning: one `notifications_plan` pass writes the day-before reminder of every
  participant (N outbox rows);
- delivery: `notifications_dispatch` hands the rows out in its batches of 500, and each
  is sent as a Celery worker sends it (`notification_deliver`: claim, re-check, render with
  its calendar attachment, SMTP, record), in this process, to an aiosmtpd server on
  127.0.0.1 that counts what arrives. The Redis hop of production is left out.

It prints reminders per second for each, and checks that every reminder arrived once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
# The unit-test settings: fast password hashing, no Redis, e-mail pointed below at the sink.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Organization, User  # noqa: E402
from programs.models import (  # noqa: E402
    Cohort,
    Enrollment,
    EnrollmentStatus,
    Modality,
    Program,
)
from sessions.models import ScheduledSession  # noqa: E402
from sessions.notifications.models import Notification, Preferences  # noqa: E402
from sessions.notifications.services.delivery import (  # noqa: E402
    notification_deliver,
    notifications_dispatch,
)
from sessions.notifications.services.planning.run import notifications_plan  # noqa: E402

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)
NO_QUIET_HOURS = dt.time(0, 0)


class Sink:
    """aiosmtpd handler that only counts: each message's Message-ID, nothing parsed."""

    def __init__(self) -> None:
        self.message_ids: Counter[bytes] = Counter()

    async def handle_DATA(self, server, session, envelope) -> str:
        found = MESSAGE_ID.search(envelope.original_content.replace(b"\r\n ", b" "))
        self.message_ids[found.group(1) if found else b"?"] += 1
        return "250 Message accepted for delivery"


def own_database() -> tuple[str, str]:
    """Point the default connection at a new database of the benchmark's own and migrate it;
    the name it had and the new one."""
    db = settings.DATABASES["default"]
    original = db["NAME"]
    if connection.vendor == "sqlite":
        name = str(Path(tempfile.mkdtemp(prefix="stillwater-bench-")) / "bench.sqlite3")
    else:
        name = f"{original}_bench_{os.getpid()}"
    db.setdefault("TEST", {})["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return original, name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def due_day_before_reminders(count: int, cohort_size: int, now: dt.datetime) -> None:
    """`count` participants in MBSR groups whose next session starts in 23 hours, so each
    one's day-before reminder is due now; quiet hours off so none waits for the morning."""
    organization = Organization.objects.create(name="Benchmark MS Service", slug="benchmark")
    program = Program.objects.get(slug="mbsr-8-ms")  # shipped by a data migration
    first = program.sessions.get(number=1)
    starts_at = (now + dt.timedelta(hours=23)).replace(second=0, microsecond=0)
    made = 0
    while made < count:
        size = min(cohort_size, count - made)
        cohort = Cohort.objects.create(
            organization=organization,
            program=program,
            name=f"Group {made // cohort_size + 1}",
            start_date=starts_at.date(),
            meeting_weekday=starts_at.weekday(),
            meeting_time=starts_at.time(),
            timezone="Europe/London",
            place="Room 2, Riverside Centre",
        )
        ScheduledSession.objects.create(
            cohort=cohort,
            program_session=first,
            starts_at=starts_at,
            duration_minutes=first.default_minutes,
            modality=Modality.IN_PERSON,
            place=cohort.place,
        )
        people = User.objects.bulk_create(
            User(
                email=f"participant{made + i}@bench.example.org",
                full_name=f"Participant {made + i}",
                timezone="Europe/London",
                password=make_password(None),  # unusable: nobody signs in
            )
            for i in range(size)
        )
        Enrollment.objects.bulk_create(
            Enrollment(
                cohort=cohort,
                user=person,
                participant_code=f"B{person.pk:07d}",
                status=EnrollmentStatus.ACTIVE,
            )
            for person in people
        )
        Preferences.objects.bulk_create(
            Preferences(
                user=person, quiet_hours_start=NO_QUIET_HOURS, quiet_hours_end=NO_QUIET_HOURS
            )
            for person in people
        )
        made += size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="reminders (default 10,000)")
    parser.add_argument(
        "--cohort-size", type=int, default=100, help="participants per cohort (default 100)"
    )
    args = parser.parse_args()

    # aiosmtpd logs every SMTP command at INFO; 10,000 messages' worth would bury the result.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10

    # A `kill` ends it as Ctrl-C does, through the clean-up below.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    started = time.perf_counter()
    original, name = own_database()
    print(
        f"database: {connection.vendor} {name} (made and migrated in {time.perf_counter() - started:.1f} s)"
    )
    try:
        now = timezone.now()
        started = time.perf_counter()
        due_day_before_reminders(args.count, args.cohort_size, now)
        print(f"data: {args.count:,} participants in {time.perf_counter() - started:.1f} s")

        started, cpu = time.perf_counter(), time.process_time()
        planned = notifications_plan(now=now)
        planning, planning_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert planned == args.count, f"planned {planned}, expected {args.count}"

        def send(pk: int, queue: str | None) -> None:
            notification_deliver(notification_id=pk)

        started, cpu = time.perf_counter(), time.process_time()
        handed_out = 0
        while batch := notifications_dispatch(now=timezone.now(), enqueue=send):
            handed_out += len(batch)
        delivery, delivery_cpu = time.perf_counter() - started, time.process_time() - cpu

        sent = Notification.objects.filter(status="sent").count()
        assert handed_out == sent == args.count, (handed_out, sent)
        assert sum(sink.message_ids.values()) == args.count, sum(sink.message_ids.values())
        assert set(sink.message_ids.values()) == {1}, "a reminder arrived twice"

        # CPU time of this process (the SMTP server's thread included, the database server's
        # not) says more than the clock on a machine that is busy with other work.
        for step, count, seconds, cpu_seconds in (
            ("planning", planned, planning, planning_cpu),
            ("delivery", sent, delivery, delivery_cpu),
        ):
            print(
                f"{step}: {count:,} reminders in {seconds:.2f} s = {count / seconds:,.0f} "
                f"reminders/s (this process used {cpu_seconds:.2f} s of CPU)"
            )
    finally:
        controller.stop()
        connection.creation.destroy_test_db(original, verbosity=0)
        if connection.vendor == "sqlite":
            Path(name).parent.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
