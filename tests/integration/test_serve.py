"""scripts/serve.sh (what `make run` starts): the web server, a Celery worker and beat, on the
port asked for, and all of them gone once the script is stopped.

The script runs as `make run` runs it, with the local settings and a VAR_DIR of its own, in a
session of its own: every process it starts, and every process those start, carries the session
id, so /proc shows whatever is left (psutil is not a dependency).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

BASE_DIR = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90
STOP_SECONDS = 30


@dataclass(frozen=True)
class _Process:
    pid: int
    state: str
    command: str


def _session_processes(session: int) -> list[_Process]:
    """Processes of a session still running (a zombie has ended; it only waits to be reaped)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:  # ended while we looked
            continue
        # "pid (comm) state ppid pgrp session ...": comm may hold spaces and brackets.
        state, _ppid, _pgrp, sid = stat.rsplit(")", 1)[1].split()[:4]
        if int(sid) == session and state != "Z":
            found.append(_Process(int(entry.name), state, command))
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _nothing_listens_on(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def _environment(var_dir: Path, port: int) -> dict[str, str]:
    """A newcomer's environment: no servers named, the local settings, a port of our choosing."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STILLWATER_", "CELERY_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        STILLWATER_VAR_DIR=str(var_dir),
        STILLWATER_PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    return env


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class _Served:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def _serve(tmp_path: Path) -> Iterator[_Served]:
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", "scripts/serve.sh"],
            cwd=BASE_DIR,
            env=_environment(tmp_path / "var", port),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # As a terminal's shell starts it: had whatever runs the tests ignored SIGINT, the
            # script would inherit that, and bash cannot trap a signal ignored on entry.
            preexec_fn=_default_sigint,
        )
    try:
        yield _Served(process, port, log)
    finally:
        # A failed test leaves nothing running either.
        for leftover in _session_processes(process.pid):
            with suppress(ProcessLookupError):
                os.kill(leftover.pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


def _wait_until_serving(served: _Served) -> None:
    """The sign-in page answers and the worker (with beat) says it is ready."""
    deadline = time.monotonic() + STARTUP_SECONDS
    answered = False
    while time.monotonic() < deadline:
        assert served.process.poll() is None, served.output()
        if not answered:
            url = f"http://127.0.0.1:{served.port}/accounts/login/"
            with (
                suppress(urllib.error.URLError, ConnectionError, TimeoutError),
                urllib.request.urlopen(url, timeout=5) as response,
            ):
                answered = response.status == 200
        output = served.output()
        if answered and " ready." in output and "beat: Starting" in output:
            return
        time.sleep(0.3)
    pytest.fail(f"not serving after {STARTUP_SECONDS} s:\n{served.output()}")


@pytest.mark.parametrize(
    "stop",
    [
        # Ctrl-C: the terminal signals the foreground process group, the script's.
        pytest.param(lambda process: os.killpg(process.pid, signal.SIGINT), id="ctrl-c"),
        # SIGTERM to `make run`: make passes it on to the script.
        pytest.param(lambda process: process.send_signal(signal.SIGTERM), id="sigterm"),
    ],
)
def test_stopping_the_script_stops_the_web_server_the_worker_and_beat(tmp_path, stop):
    with _serve(tmp_path) as served:
        _wait_until_serving(served)
        running = _session_processes(served.process.pid)
        commands = [p.command for p in running]
        # The web server and its reloading child, the worker and its embedded beat.
        assert sum("runserver" in c for c in commands) >= 2, commands
        assert sum("celery" in c and "worker" in c for c in commands) >= 2, commands

        stop(served.process)
        served.process.wait(timeout=STOP_SECONDS)

        deadline = time.monotonic() + 5
        while _session_processes(served.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _session_processes(served.process.pid) == [], served.output()
        assert _nothing_listens_on(served.port)
        output = served.output()
    # The worker shut down warm and took beat with it, rather than being killed.
    assert "Warm shutdown" in output
    assert "beat: Shutting down" in output
    # The broker URL names a host, so kombu has nothing to warn about at every connection.
    assert "No hostname was supplied" not in output
    assert f"http://127.0.0.1:{served.port}/" in output
