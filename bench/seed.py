"""How long `manage.py seed_demo --participants N` takes (default 10,000; goal: under 5 minutes).

    .venv/bin/python bench/seed.py                                   # SQLite, a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stillwater .venv/bin/python bench/seed.py
    .venv/bin/python bench/seed.py --participants 1000

Runs the command itself, as a person would, in a child process with the local settings (the
demo refuses to run with DEBUG off) against a database of its own: on PostgreSQL
`<database>_bench_seed_<pid>` next to the one DATABASE_URL names (that one need not exist),
made, migrated and dropped at the end, also after an error or Ctrl-C; on SQLite a temporary
file. Then runs it a second time, which must add nothing, and prints both times with the
machine's load average, and the goal as met or missed. Nothing fails when it is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 5 * 60


def _psql_admin(url: str, sql: str) -> None:
    """Run one statement against the server's `postgres` database (CREATE/DROP DATABASE)."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql)


def _own_database(tmp: Path) -> tuple[str, str | None]:
    """The DATABASE_URL of the benchmark's own database, and its name on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'seed.sqlite3'}", None
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'stillwater'}_bench_seed_{os.getpid()}"
    _psql_admin(url, f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the child, and what it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # Our own interpreter and manage.py, with arguments this script wrote: nothing untrusted.
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, done.stdout


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=10_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stillwater-bench-seed-") as tmp:
        url, name = _own_database(Path(tmp))
        try:
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "config.settings.local",
                "STILLWATER_VAR_DIR": tmp,
            }
            migrate, _cpu, _out = _run(["migrate", "--noinput"], env)
            where = f"postgresql {name}" if name else "sqlite (a temporary file)"
            print(f"database: {where} (made and migrated in {migrate:.1f} s)")
            seed = ["seed_demo", "--participants", str(options.participants)]
            print(f"before: {_load()}")
            first, first_cpu, out = _run(seed, env)
            print(f"after:  {_load()}")
            second, second_cpu, again = _run(seed, env)
            n = options.participants
            print(
                f"seed_demo --participants {n:,}: {first:.1f} s "
                f"({first_cpu:.1f} s of CPU in the command; the database server's not counted)"
            )
            print(f"again, adding nothing: {second:.1f} s ({second_cpu:.1f} s of CPU)")
            if again.split("Cohorts:")[1] != out.split("Cohorts:")[1]:
                print("the second run changed what the demo holds: see its output")
            verdict = "met" if first < GOAL_SECONDS else "missed"
            print(f"goal: under {GOAL_SECONDS // 60} minutes for {n:,} participants, {verdict}")
        finally:
            if name:
                _psql_admin(url, f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
