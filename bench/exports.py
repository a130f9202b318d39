"""Export benchmark: rows per second and peak Python memory of the exports at N and 2N participants.

    .venv/bin/python bench/exports.py                           # SQLite, a temporary file
    .venv/bin/python bench/exports.py --participants 1000       # a quicker run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stillwater .venv/bin/python bench/exports.py

It makes a database of its own (a temporary SQLite file, or on PostgreSQL a new database named
after the one in DATABASE_URL with `_bench_exports_<pid>` appended, which must not exist yet),
migrates it, and drops it at the end. It fills it with N participants (default 5,000) in MBSR
groups of ten that finished their eight weeks: attendance at every session, home practice on
about three days a week, and baseline and post questionnaires (all eight instruments, every
item answered) for most of them. Then, through the export code the pages and `manage.py export`
use (`export_start`: recorded, streamed, checksummed), it runs:

- participants, CSV: one row per enrollment, streamed;
- responses, CSV: the zip of answers (one row per item), scores and data dictionary, streamed
  (on PostgreSQL the answers come from COPY);
- completion, XLSX: one row per cohort and arm;
- participants, XLSX.

Each export runs twice: once timed (rows per second, rows as the export record counts them),
once under tracemalloc for its peak Python memory. Then N more participants are added and
everything runs again at 2N. Streaming exports should need the same memory at 2N as at N; the
last table prints the ratios.

Rows per second are by the wall clock and by this process's CPU time: on a machine busy with
other work the wall clock also counts the time others had the CPU, while the CPU time does not
(on SQLite it holds the database's work too; on PostgreSQL the server's share is only in the
wall clock).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import shutil
import signal
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
# The unit-test settings: fast password hashing, no Redis, DEBUG off (no query log growing).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Organization, Role, User  # noqa: E402
from programs.instrument_library import instrument_get  # noqa: E402
from programs.models import (  # noqa: E402
    Arm,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    MeasurementKind,
    Modality,
    Program,
)
from sessions.models import Attendance, AttendanceStatus, PracticeLog, ScheduledSession  # noqa: E402
from sessions.questionnaires.models import Assessment, Response  # noqa: E402
from sessions.reports.exports import ExportOutput, ExportScope, export_start  # noqa: E402

PROGRAM = "mbsr-8-ms"
ZONE = "Europe/London"
# Finished nine weeks ago: all eight weekly sessions held, post questionnaires answered.
WEEKS_AGO = 9
PRACTICE_MINUTES = (10, 20, 30, 45)
BATCH = 2000  # rows per INSERT
MIB = 1024 * 1024


# --- a database of its own ----------------------------------------------------------------------


def own_database() -> tuple[str, str]:
    """Point the default connection at a new database of the benchmark's own and migrate it;
    return the name it had and the new one."""
    db = settings.DATABASES["default"]
    original = db["NAME"]
    if connection.vendor == "sqlite":
        name = str(Path(tempfile.mkdtemp(prefix="stillwater-bench-exports-")) / "bench.sqlite3")
    else:
        name = f"{original}_bench_exports_{os.getpid()}"
        # create_test_db would drop a database of that name: make sure there is none to drop.
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                raise SystemExit(f"database {name} exists already; not touching it")
    db.setdefault("TEST", {})["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return original, name


def drop_database(original: str, name: str) -> None:
    connection.creation.destroy_test_db(original, verbosity=0)
    if name.endswith(".sqlite3"):
        shutil.rmtree(Path(name).parent, ignore_errors=True)


# --- data ---------------------------------------------------------------------------------------


@dataclass
class Made:
    participants: int = 0
    cohorts: int = 0
    attendance: int = 0
    practice: int = 0
    responses: int = 0
    answers: int = 0


class Builder:
    """Participants in finished MBSR groups, straight into the tables (bulk inserts)."""

    def __init__(self, cohort_size: int) -> None:
        self.cohort_size = cohort_size
        self.organization, _ = Organization.objects.get_or_create(
            slug="benchmark", defaults={"name": "Benchmark MS Service"}
        )
        self.coordinator, _ = User.objects.get_or_create(
            email="coordinator@bench.example.org",
            defaults={"full_name": "Bench Coordinator", "password": make_password(None)},
        )
        Membership.objects.get_or_create(
            user=self.coordinator, organization=self.organization, role=Role.COORDINATOR
        )
        self.program = Program.objects.get(slug=PROGRAM)  # shipped by a data migration
        self.sessions = list(self.program.sessions.filter(optional=False).order_by("number"))
        self.points = {p.kind: p for p in self.program.measurement_points.all()}
        # Per instrument: its version and, per item, the values it may take.
        self.instruments = {
            code: instrument_get(code)
            for point in self.points.values()
            for code in point.instruments
        }
        self.unusable_password = make_password(None)
        self.made = Made()

    def add(self, count: int) -> None:
        """`count` more participants, a cohort at a time, committed in groups of cohorts."""
        target = self.made.participants + count
        while self.made.participants < target:
            with transaction.atomic():
                for _ in range(max(1, 500 // self.cohort_size)):
                    if self.made.participants >= target:
                        break
                    self._cohort(min(self.cohort_size, target - self.made.participants))

    def _cohort(self, size: int) -> None:
        number = self.made.cohorts + 1
        start = timezone.localdate() - dt.timedelta(weeks=WEEKS_AGO)
        start -= dt.timedelta(days=number % 7)  # groups meet on different weekdays
        first_at = dt.datetime.combine(start, dt.time(17), tzinfo=dt.UTC)
        cohort = Cohort.objects.create(
            organization=self.organization,
            program=self.program,
            name=f"Group {number:05d}",
            start_date=start,
            meeting_weekday=start.weekday(),
            meeting_time=dt.time(18),
            timezone=ZONE,
            place="Room 2, Riverside Centre",
        )
        held = ScheduledSession.objects.bulk_create(
            ScheduledSession(
                cohort=cohort,
                program_session=session,
                starts_at=first_at + dt.timedelta(weeks=index),
                duration_minutes=session.default_minutes,
                modality=Modality.IN_PERSON,
                place=cohort.place,
            )
            for index, session in enumerate(self.sessions)
        )
        first = self.made.participants
        people = User.objects.bulk_create(
            User(
                email=f"participant{first + i}@bench.example.org",
                full_name=f"Participant {first + i}",
                timezone=ZONE,
                password=self.unusable_password,  # nobody signs in
            )
            for i in range(size)
        )
        enrollments = Enrollment.objects.bulk_create(
            Enrollment(
                cohort=cohort,
                user=person,
                participant_code=f"B{first + i:07d}",
                arm=Arm.INTERVENTION,
                # One in twelve withdrew part-way; everyone counts (intention to treat).
                status=EnrollmentStatus.WITHDRAWN
                if (first + i) % 12 == 5
                else EnrollmentStatus.ACTIVE,
                activated_at=first_at - dt.timedelta(days=14),
                accepted_at=first_at - dt.timedelta(days=14),
                withdrawn_at=start + dt.timedelta(weeks=4) if (first + i) % 12 == 5 else None,
            )
            for i, person in enumerate(people)
        )
        self._attendance(held, enrollments, first)
        self._practice(start, enrollments, first)
        self._questionnaires(first_at, enrollments, first)
        self.made.participants += size
        self.made.cohorts += 1

    def _attendance(
        self, held: list[ScheduledSession], enrollments: list[Enrollment], first: int
    ) -> None:
        rows = [
            Attendance(
                scheduled_session=session,
                enrollment=enrollment,
                # Most come most weeks; about one in seven misses a given week.
                status=AttendanceStatus.ABSENT
                if (first + i + 3 * week) % 7 == 0
                else AttendanceStatus.ATTENDED,
            )
            for i, enrollment in enumerate(enrollments)
            for week, session in enumerate(held)
        ]
        Attendance.objects.bulk_create(rows, batch_size=BATCH)
        self.made.attendance += len(rows)

    def _practice(self, start: dt.date, enrollments: list[Enrollment], first: int) -> None:
        rows = [
            PracticeLog(
                enrollment=enrollment,
                date=start + dt.timedelta(days=day),
                practice="body_scan",
                minutes=PRACTICE_MINUTES[(first + i + day) % len(PRACTICE_MINUTES)],
            )
            for i, enrollment in enumerate(enrollments)
            for day in range(56)
            if (first + i + day) % 7 in (0, 2, 4)  # three days a week
        ]
        PracticeLog.objects.bulk_create(rows, batch_size=BATCH)
        self.made.practice += len(rows)

    def _answers(self, code: str, seed: int) -> dict[str, int]:
        instrument = self.instruments[code]
        answers = {}
        for item in instrument.items:
            values = sorted(item.values)
            answers[str(item.number)] = values[(seed + 3 * item.number) % len(values)]
        if code == "phq9":
            answers["9"] = 0  # a positive item 9 raises a safety flag; not what is measured here
        return answers

    def _questionnaires(
        self, first_at: dt.datetime, enrollments: list[Enrollment], first: int
    ) -> None:
        windows = {
            MeasurementKind.BASELINE: (first_at - dt.timedelta(days=14), first_at),
            MeasurementKind.POST: (
                first_at + dt.timedelta(weeks=7),
                first_at + dt.timedelta(weeks=9),
            ),
        }
        assessments = []
        for i, enrollment in enumerate(enrollments):
            n = first + i
            for kind, (opens, closes) in windows.items():
                # Nine in ten send their baseline, three in four their post.
                done = n % 10 != 3 if kind == MeasurementKind.BASELINE else n % 4 != 1
                point = self.points[kind]
                assessments.append(
                    Assessment(
                        enrollment=enrollment,
                        measurement_point=point,
                        instruments=list(point.instruments),
                        opens_at=opens,
                        closes_at=closes,
                        completed_at=opens + dt.timedelta(days=2) if done else None,
                    )
                )
        Assessment.objects.bulk_create(assessments, batch_size=BATCH)
        responses = []
        for a in assessments:
            if a.completed_at is None:
                continue
            seed = int(a.enrollment.participant_code[1:]) + (
                0 if a.measurement_point.kind == MeasurementKind.BASELINE else 1
            )
            for position, code in enumerate(a.instruments):
                answers = self._answers(code, seed + position)
                responses.append(
                    Response(
                        assessment=a,
                        instrument=code,
                        instrument_version=self.instruments[code].version,
                        answers=answers,
                        entered_by_id=a.enrollment.user_id,
                        submitted_at=a.completed_at - dt.timedelta(minutes=5 * position),
                    )
                )
                self.made.answers += len(answers)
        Response.objects.bulk_create(responses, batch_size=BATCH)
        self.made.responses += len(responses)


# --- exports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    label: str
    kind: str
    fmt: str


CASES = [
    Case("participants CSV", "participants", "csv"),
    Case("responses CSV (zip)", "responses", "csv"),
    Case("completion XLSX", "completion", "xlsx"),
    Case("participants XLSX", "participants", "xlsx"),
]


@dataclass(frozen=True)
class Result:
    rows: int
    size: int
    seconds: float  # wall clock
    cpu: float  # this process only (the database server's work is in the wall clock)
    peak: int  # bytes

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        return self.rows / self.cpu if self.cpu else 0.0


def _drain(output: ExportOutput) -> int:
    """Take every byte as a download would, keeping none; the number of bytes."""
    size = 0
    if output.chunks is not None:
        for chunk in output.chunks:
            size += len(chunk)
    else:
        assert output.file is not None
        with output.file as file:
            while block := file.read(64 * 1024):
                size += len(block)
    return size


def run_export(builder: Builder, case: Case) -> tuple[int, int]:
    output = export_start(
        user=builder.coordinator,
        organization=builder.organization,
        kind=case.kind,
        fmt=case.fmt,
        scope=ExportScope(cohorts=Cohort.objects.filter(organization=builder.organization)),
        filters={},
        source="command",
    )
    size = _drain(output)
    assert output.record is not None
    output.record.refresh_from_db()
    assert output.record.row_count is not None, "the export did not finish"
    return output.record.row_count, size


def measure(builder: Builder, case: Case) -> Result:
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    rows, size = run_export(builder, case)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    # Again under tracemalloc, which slows Python down too much to time it at the same time.
    gc.collect()
    tracemalloc.start()
    try:
        run_export(builder, case)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return Result(rows=rows, size=size, seconds=seconds, cpu=cpu, peak=peak)


def report(participants: int, results: dict[str, Result]) -> None:
    print(f"\nexports at {participants:,} participants")
    print(
        f"  {'export':<22}{'rows':>11}{'MiB out':>9}{'seconds':>9}{'rows/s':>10}"
        f"{'cpu s':>9}{'rows/cpu s':>12}{'peak MiB':>10}"
    )
    for label, r in results.items():
        print(
            f"  {label:<22}{r.rows:>11,}{r.size / MIB:>9.1f}{r.seconds:>9.2f}{r.rate:>10,.0f}"
            f"{r.cpu:>9.2f}{r.cpu_rate:>12,.0f}{r.peak / MIB:>10.1f}"
        )


def build(builder: Builder, count: int) -> None:
    before = Made(**vars(builder.made))
    started = time.perf_counter()
    builder.add(count)
    made = builder.made
    print(
        f"data: +{made.participants - before.participants:,} participants "
        f"(now {made.participants:,} in {made.cohorts:,} cohorts: {made.attendance:,} attendance, "
        f"{made.practice:,} practice logs, {made.responses:,} questionnaires with "
        f"{made.answers:,} answers) in {time.perf_counter() - started:.1f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--participants", type=int, default=5_000, help="N, participants (default 5,000)"
    )
    parser.add_argument(
        "--cohort-size", type=int, default=10, help="participants per cohort (default 10)"
    )
    parser.add_argument("--once", action="store_true", help="measure at N only, not again at 2N")
    args = parser.parse_args()
    if args.participants < 1 or args.cohort_size < 1:
        parser.error("--participants and --cohort-size must be at least 1")

    # A `kill` ends it as Ctrl-C does, through the clean-up below.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    started = time.perf_counter()
    original, name = own_database()
    print(
        f"database: {connection.vendor} {name} "
        f"(made and migrated in {time.perf_counter() - started:.1f} s)"
    )
    runs: list[tuple[int, dict[str, Result]]] = []
    try:
        builder = Builder(args.cohort_size)
        steps: list[Callable[[], None]] = [lambda: build(builder, args.participants)]
        if not args.once:
            steps.append(lambda: build(builder, args.participants))
        for step in steps:
            step()
            results = {case.label: measure(builder, case) for case in CASES}
            report(builder.made.participants, results)
            runs.append((builder.made.participants, results))
    finally:
        drop_database(original, name)
    if len(runs) == 2:
        (small_n, small), (big_n, big) = runs
        print(f"\nfrom {small_n:,} to {big_n:,} participants ({big_n / small_n:.1f}x the rows)")
        print(f"  {'export':<22}{'rows/s':>9}{'rows/cpu s':>12}{'peak memory':>13}")
        for label in small:
            print(
                f"  {label:<22}{big[label].rate / small[label].rate:>8.2f}x"
                f"{big[label].cpu_rate / small[label].cpu_rate:>11.2f}x"
                f"{big[label].peak / small[label].peak:>12.2f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
