"""Reports benchmark: the responses export against a raw COPY, and the report pages against Django's admin login.

    .venv/bin/python bench/reports.py                           # SQLite: the pages only
    .venv/bin/python bench/reports.py --participants 1000       # a quicker run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stillwater .venv/bin/python bench/reports.py

It makes a database of its own (a temporary SQLite file, or on PostgreSQL a new database named
after the one in DATABASE_URL with `_bench_reports_<pid>` appended, which must not exist yet),
migrates it, and drops it at the end, also after an error, Ctrl-C or `kill`.

Data: what `manage.py seed_demo --participants N` makes (default N = 10,000), through the
functions the command calls (`demo_people_ensure`, `demo_courses_ensure`; the command itself
refuses to run with DEBUG off, and DEBUG stays off here because its query log would be timed
too): MBSR groups of ten at different points of their course and one IER cohort holding every
fourth participant, with attendance, notes, practice and questionnaires answered through the
services. The demo has no group of 30, so 30 more demo participants are made with the others
and placed by the demo's own group builder into one more MBSR group, five of eight sessions
held. The time seeding took is printed; then ANALYZE, as autovacuum would do.

(a) PostgreSQL only (on SQLite it says so and goes on to (b)). Rows per second of:

- the baseline, a raw `COPY (SELECT ...) TO STDOUT WITH (FORMAT csv)` written by hand and run
  on the same connection through psycopg's `cursor.copy`, every byte read: the export's answer
  rows with its columns (the latest submitted version of each response joined to its
  assessment, enrollment, cohort, program and measurement point, expanded into one row per
  item by `jsonb_each_text`), in no particular order. None of the export's record, audit
  event, checksum, header line, formula escaping or ordering;
- the same COPY with an ORDER BY giving the export's order, for comparison: byte for byte the
  export's answers file when no text needs escaping;
- the responses export through the code the download and `manage.py export responses` use
  (`export_start`: recorded, audited, checksummed, streamed; on PostgreSQL its answers come
  from a COPY of its own, sorted before the answers are expanded), for all the organization's
  cohorts, pseudonymous, CSV, every byte read: once as the answers file alone
  (`--file responses`) and once as the whole download, a zip of the answers, scores, data
  dictionary and codebook. Rows are the answers file's in both.

An untimed first run checks that all give the same number of rows. Then each runs three
times, in turn, and the best run counts (wall clock). The ratio export / raw COPY has the goal
of at least 0.5.

(b) Milliseconds per request, in this process through django.test.Client: the coordinator's
overview of every cohort (`/reports/`, no filters) and the dashboard of the 30-participant
cohort (`/cohorts/<pk>/`, as its facilitator), both signed in with a second factor as after a
real sign-in, against Django's admin login page, anonymous, in the same run. The admin signs
in through allauth, so `/admin/login/` redirects to the sign-in page: that page is the one
timed. After three warm-up requests each (and one more that counts the page's queries), the
pages are requested in turn 20 times; the median counts. The ratios page / admin login have
the goal of at most 2.

Benchmarks print; nothing here fails when a goal is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
# The unit-test settings: fast password hashing, no Redis, DEBUG off (no query log growing).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY  # noqa: E402
from allauth.account.internal.flows.login import (  # noqa: E402
    _AUTHENTICATION_METHODS_USER_SESSION_KEY as AUTHENTICATION_METHODS_USER_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str  # noqa: E402
from allauth.mfa.models import Authenticator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.demo import DemoPeople, demo_people_ensure  # noqa: E402
from accounts.idle import SESSION_KEY as IDLE_SESSION_KEY  # noqa: E402
from accounts.mfa import SECOND_FACTOR_TYPES  # noqa: E402
from accounts.models import User  # noqa: E402
from programs.models import Cohort, Enrollment, MeasurementPoint, Program  # noqa: E402
from sessions.demo.courses import MBSR_SLUG, demo_courses_ensure, demo_group_ensure  # noqa: E402
from sessions.demo.dates import ZONE  # noqa: E402
from sessions.questionnaires.models import Assessment, Response  # noqa: E402
from sessions.reports.exports import ExportOutput, ExportScope, export_start  # noqa: E402

GROUP_SIZE = 30
EXPORT_RUNS = 3
WARM_UP = 3
MIB = 1024 * 1024
EXPORT_GOAL = 0.5  # export rows/s at least half of COPY's
PAGE_GOAL = 2.0  # a page at most twice the admin login page's time


# --- a database of its own ----------------------------------------------------------------------


def database_name() -> tuple[str, str]:
    """The name DATABASE_URL gives and the benchmark's own, checked not to exist yet."""
    original = settings.DATABASES["default"]["NAME"]
    if connection.vendor == "sqlite":
        directory = tempfile.mkdtemp(prefix="stillwater-bench-reports-")
        return original, str(Path(directory) / "bench.sqlite3")
    name = f"{original}_bench_reports_{os.getpid()}"
    # create_test_db would drop a database of that name: make sure there is none to drop.
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            raise SystemExit(f"database {name} exists already; not touching it")
    return original, name


def own_database(name: str) -> None:
    """Point the default connection at a new database of that name and migrate it."""
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)


def drop_database(original: str, name: str) -> None:
    """Drop the benchmark's database, also one left half made by an interrupted migration."""
    connection.close()
    settings.DATABASES["default"]["NAME"] = original
    connection.settings_dict["NAME"] = original
    if connection.vendor == "sqlite":
        shutil.rmtree(Path(name).parent, ignore_errors=True)
        return
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")


# --- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    people: DemoPeople
    group: Cohort  # the 30-participant cohort


def seed(participants: int) -> Demo:
    """seed_demo's data for `participants`, then one more MBSR group of GROUP_SIZE demo people."""
    started = time.perf_counter()
    # The extra people are made with the rest (same names, zones, consent and password) but
    # left out of the demo's placement, which only makes groups of ten.
    everyone = demo_people_ensure(participants=participants + GROUP_SIZE)
    people_seconds = time.perf_counter() - started
    demo_courses_ensure(people=replace(everyone, participants=everyone.participants[:participants]))
    seconds = time.perf_counter() - started
    print(
        f"data: seed_demo --participants {participants:,} in {seconds:.0f} s "
        f"({people_seconds:.0f} s people, {seconds - people_seconds:.0f} s courses)"
    )

    started = time.perf_counter()
    organization = everyone.organization
    cohorts = Cohort.objects.filter(organization=organization).count()
    # A new name: the demo names group i "MBSR group i+1" beyond its first five, and group
    # indices below the number of cohorts are taken. i % 5 == 1 follows the Thursday group's
    # plan: five of eight sessions held, so the page shows most of a course.
    index = cohorts + (1 - cohorts) % 5
    with transaction.atomic():
        demo_group_ensure(
            people=everyone,
            program=Program.objects.get(slug=MBSR_SLUG),
            index=index,
            numbers=list(range(participants + 1, participants + GROUP_SIZE + 1)),
            enrolled=set(),
            today=timezone.localdate(timezone=ZONE),
        )
    group = Enrollment.objects.select_related("cohort").get(user=everyone.participants[-1]).cohort
    assert group.enrollments.count() == GROUP_SIZE, group.enrollments.count()
    print(
        f"      + “{group.name}”: {GROUP_SIZE} participants by the demo's group builder "
        f"in {time.perf_counter() - started:.1f} s"
    )
    with connection.cursor() as cursor:
        # Statistics as autovacuum would soon gather them: plans on a just-filled database
        # without them differ from run to run and from production.
        cursor.execute("ANALYZE")
    print(
        f"      = {Cohort.objects.filter(organization=organization).count():,} cohorts, "
        f"{Enrollment.objects.filter(cohort__organization=organization).count():,} enrollments, "
        f"{Response.objects.filter(submitted_at__isnull=False).count():,} submitted responses"
    )
    return Demo(people=everyone, group=group)


# --- (a) the responses export against COPY -------------------------------------------------------


def copy_sql(*, ordered: bool) -> str:
    """The baseline by hand: the export's answer rows and columns, unescaped, in its order or none."""
    response = Response._meta.db_table
    assessment = Assessment._meta.db_table
    enrollment = Enrollment._meta.db_table
    cohort = Cohort._meta.db_table
    program = Program._meta.db_table
    point = MeasurementPoint._meta.db_table
    order = (
        "ORDER BY p.name, c.start_date, c.name, c.id, e.participant_code, a.opens_at, a.id, "
        "x.instrument, item.key::int"
        if ordered
        else ""
    )
    # Table names come from the models; the only value is bound (%s).
    return f"""
        COPY (
            SELECT e.participant_code, p.name, c.name, e.arm, mp.kind, x.instrument,
                   x.instrument_version, item.key::int, item.value,
                   to_char(x.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   x.mode
            FROM {response} x
            JOIN {assessment} a ON a.id = x.assessment_id
            JOIN {enrollment} e ON e.id = a.enrollment_id
            JOIN {cohort} c ON c.id = e.cohort_id
            JOIN {program} p ON p.id = c.program_id
            JOIN {point} mp ON mp.id = a.measurement_point_id
            CROSS JOIN LATERAL jsonb_each_text(x.answers) AS item
            WHERE c.id = ANY(%s)
              AND x.submitted_at IS NOT NULL
              AND NOT EXISTS (
                  SELECT 1 FROM {response} newer
                  WHERE newer.assessment_id = x.assessment_id
                    AND newer.instrument = x.instrument
                    AND newer.version > x.version
                    AND newer.submitted_at IS NOT NULL
              )
            {order}
        ) TO STDOUT WITH (FORMAT csv)
    """  # noqa: S608


@dataclass(frozen=True)
class Run:
    rows: int
    size: int
    seconds: float
    digest: str = ""


class Body:
    """Counts bytes; optionally hashes them after the first line (the export's CSV header)."""

    def __init__(self, *, digest: bool, skip_header: bool) -> None:
        self.size = 0
        self.hash = hashlib.sha256() if digest else None
        self.in_header = skip_header

    def take(self, data: bytes) -> None:
        self.size += len(data)
        if self.hash is None:
            return
        if self.in_header:
            end = data.find(b"\n")
            if end < 0:
                return
            self.in_header = False
            data = data[end + 1 :]
        self.hash.update(data)

    def hexdigest(self) -> str:
        return self.hash.hexdigest() if self.hash is not None else ""


def _chunks(output: ExportOutput) -> Iterator[bytes]:
    assert output.chunks is not None, "a CSV export streams"
    return output.chunks


def run_export(demo: Demo, *, file: str | None, digest: bool = False) -> Run:
    """One responses export as the download makes it, every byte read and thrown away."""
    organization = demo.people.organization
    body = Body(digest=digest, skip_header=True)
    started = time.perf_counter()
    output = export_start(
        user=demo.people.coordinator,
        organization=organization,
        kind="responses",
        fmt="csv",
        scope=ExportScope(cohorts=Cohort.objects.filter(organization=organization)),
        filters={"file": file} if file else {},
        file=file,
        source="command",
    )
    for chunk in _chunks(output):
        body.take(chunk)
    seconds = time.perf_counter() - started
    assert output.record is not None
    output.record.refresh_from_db()
    assert output.record.row_count is not None, "the export did not finish"
    return Run(output.record.row_count, body.size, seconds, body.hexdigest())


def run_copy(demo: Demo, *, ordered: bool, digest: bool = False) -> Run:
    """A baseline COPY on the same connection, every byte read and thrown away."""
    body = Body(digest=digest, skip_header=False)
    started = time.perf_counter()
    cohort_ids = list(
        Cohort.objects.filter(organization=demo.people.organization).values_list("pk", flat=True)
    )
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg cursor under Django's wrapper
        with cursor.copy(copy_sql(ordered=ordered), (cohort_ids,)) as copy:
            for data in copy:
                body.take(bytes(data))
        rows = cursor.rowcount
    return Run(rows, body.size, time.perf_counter() - started, body.hexdigest())


COPY_RAW = "raw COPY, no order (the baseline)"
COPY_ORDERED = "raw COPY, ORDER BY the export's order"
EXPORT_ANSWERS = "export, answers file (--file responses)"
EXPORT_ZIP = "export, full zip (+ scores, dictionary)"


def export_against_copy(demo: Demo) -> None:
    print(
        f"\n(a) responses export against a raw COPY of the same rows "
        f"(best of {EXPORT_RUNS}, wall clock)"
    )
    if connection.vendor != "postgresql":
        print(f"  needs PostgreSQL (this database is {connection.vendor}): skipped")
        return
    # Untimed: the same rows from each, and the caches warm for the timed runs.
    export = run_export(demo, file="responses", digest=True)
    ordered = run_copy(demo, ordered=True, digest=True)
    raw = run_copy(demo, ordered=False)
    assert export.rows == ordered.rows == raw.rows, (export.rows, ordered.rows, raw.rows)
    same = "the same" if export.digest == ordered.digest else "not the same (escaping)"
    print(
        f"  {raw.rows:,} answer rows from each; the ordered COPY's bytes are {same} as the "
        "export's after its header line"
    )
    rows = raw.rows

    cases: dict[str, Callable[[], Run]] = {
        COPY_RAW: lambda: run_copy(demo, ordered=False),
        COPY_ORDERED: lambda: run_copy(demo, ordered=True),
        EXPORT_ANSWERS: lambda: run_export(demo, file="responses"),
        EXPORT_ZIP: lambda: run_export(demo, file=None),
    }
    best: dict[str, Run] = {}
    # In turn, so that other work on the machine slows every case alike.
    for _ in range(EXPORT_RUNS):
        for label, case in cases.items():
            run = case()
            if label not in best or run.seconds < best[label].seconds:
                best[label] = run
    baseline = best[COPY_RAW].seconds
    print(f"  {'':<42}{'MiB out':>9}{'seconds':>9}{'rows/s':>11}{'/ COPY':>8}")
    for label, run in best.items():
        print(
            f"  {label:<42}{run.size / MIB:>9.1f}{run.seconds:>9.2f}"
            f"{rows / run.seconds:>11,.0f}{baseline / run.seconds:>8.2f}"
        )
    for label in (EXPORT_ANSWERS, EXPORT_ZIP):
        ratio = baseline / best[label].seconds
        verdict = "met" if ratio >= EXPORT_GOAL else "missed"
        print(
            f"  {label.removeprefix('export, ')}: {ratio:.2f} of the raw COPY's rows/s "
            f"(goal: at least {EXPORT_GOAL}, {verdict}); "
            f"{best[COPY_ORDERED].seconds / best[label].seconds:.2f} of the ordered COPY's"
        )


# --- (b) pages against the admin login page -----------------------------------------------------


def signed_in(user: User) -> Client:
    """A client whose session is what signing in with a password and a code leaves behind."""
    client = Client()
    client.force_login(user)
    session = client.session
    now = time.time()
    records: list[dict[str, object]] = [{"method": "password", "at": now, "email": user.email}]
    authenticator = (
        Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).order_by("pk").first()
    )
    assert authenticator is not None, f"{user.email} has no authenticator app"
    records.append({"method": "mfa", "at": now, "id": authenticator.pk, "type": authenticator.type})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session[IDLE_SESSION_KEY] = now  # the automatic-logoff clock starts at sign-in
    session.save()
    return client


@dataclass(frozen=True)
class Page:
    label: str
    client: Client
    url: str


def get(page: Page) -> tuple[float, int]:
    started = time.perf_counter()
    response = page.client.get(page.url)
    seconds = time.perf_counter() - started
    assert response.status_code == 200, f"{page.url}: {response.status_code}"
    return seconds, len(response.content)


def pages_against_admin_login(demo: Demo, requests: int) -> None:
    facilitator = demo.group.facilitators.get()
    cohorts = Cohort.objects.filter(organization=demo.people.organization).count()
    anonymous = Client()
    # The admin signs in through allauth (config/urls.py): its login page redirects to the
    # sign-in page, which is then the login page a person sees; that one is timed.
    admin_login = reverse("admin:login")
    answer = anonymous.get(admin_login)
    if answer.status_code == 302:
        admin_login = answer["Location"]
    pages = [
        Page("admin login (anonymous)", anonymous, admin_login),
        Page(
            f"coordinator overview ({cohorts:,} cohorts)",
            signed_in(demo.people.coordinator),
            reverse("reports:reports_overview"),
        ),
        Page(
            f"cohort dashboard ({GROUP_SIZE} participants)",
            signed_in(facilitator),
            reverse("reports:cohort_detail", kwargs={"pk": demo.group.pk}),
        ),
    ]
    queries: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for page in pages:
        for _ in range(WARM_UP):
            get(page)
        # Counted on a request of its own: recording queries slows the ones it records.
        with CaptureQueriesContext(connection) as captured:
            sizes[page.label] = get(page)[1]
        queries[page.label] = len(captured)
    times: dict[str, list[float]] = {page.label: [] for page in pages}
    # In turn, so that other work on the machine slows every page alike.
    for _ in range(requests):
        for page in pages:
            times[page.label].append(get(page)[0])

    print(
        f"\n(b) pages against Django's admin login page, same run "
        f"(median of {requests} after {WARM_UP} warm-up requests each)"
    )
    print(f"  {'page':<38}{'median ms':>10}{'min ms':>8}{'queries':>9}{'KiB':>6}{'ratio':>7}  URL")
    baseline = statistics.median(times[pages[0].label])
    for page in pages:
        median = statistics.median(times[page.label])
        print(
            f"  {page.label:<38}{median * 1000:>10.1f}{min(times[page.label]) * 1000:>8.1f}"
            f"{queries[page.label]:>9}{sizes[page.label] / 1024:>6.0f}{median / baseline:>6.1f}x"
            f"  {page.url}"
        )
    for page in pages[1:]:
        ratio = statistics.median(times[page.label]) / baseline
        verdict = "met" if ratio <= PAGE_GOAL else "missed"
        print(
            f"  {page.label.split(' (')[0]} / admin login: {ratio:.1f}x "
            f"(goal: within {PAGE_GOAL:.0f}x, {verdict})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--participants",
        type=int,
        default=10_000,
        help="seed_demo --participants N (default 10,000)",
    )
    parser.add_argument(
        "--requests", type=int, default=20, help="timed requests per page (default 20)"
    )
    args = parser.parse_args()
    if args.participants < 1 or args.requests < 1:
        parser.error("--participants and --requests must be at least 1")
    if settings.DEBUG:
        raise SystemExit("run with DEBUG off: its query log would be timed with everything else")

    # The demo's safety alert is sent by an eager Celery task, which logs at INFO; kombu warns
    # that the in-memory broker has no host name. Neither says anything about the results.
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)
    # A `kill` ends it as Ctrl-C does, through the clean-up below.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    original, name = database_name()
    try:
        started = time.perf_counter()
        own_database(name)
        print(
            f"database: {connection.vendor} {name} "
            f"(made and migrated in {time.perf_counter() - started:.1f} s)"
        )
        demo = seed(args.participants)
        export_against_copy(demo)
        pages_against_admin_login(demo, args.requests)
    finally:
        drop_database(original, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
