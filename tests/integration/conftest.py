"""Real servers for the integration suite: PostgreSQL, a Celery worker on Redis, an SMTP server.

Nothing here is mocked. A missing server skips the test locally and fails it under CI=true
(tests.servers.require).
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kombu.pools
import pytest
import redis
from aiosmtpd.controller import Controller
from celery import Celery
from cryptography.fernet import Fernet
from django.db import connection
from kombu import Exchange, Queue

from config.celery import app as celery_app
from tests.servers import redis_url, require

BASE_DIR = Path(__file__).resolve().parents[2]

# Variables the worker must not inherit from the test run: they would point it at the
# test settings (memory:// broker) or at someone else's database.
_SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "CELERY_BROKER_URL")


@pytest.fixture
def postgresql() -> None:
    """Skip (or fail under CI) unless the suite runs on PostgreSQL, the production database."""
    require(
        connection.vendor == "postgresql",
        "DATABASE_URL does not name PostgreSQL "
        f"(e.g. postgres://postgres@127.0.0.1:5432/stillwater); the database is {connection.vendor}",
    )


@contextmanager
def celery_sending_to(url: str) -> Iterator[Celery]:
    """The project's Celery app publishing to the broker at `url`, not eagerly in-process.

    The app keeps pooled broker connections (the outbox enqueues through them), so they are
    dropped on the way in and out: a pool made for another broker would publish there.
    """
    previous = {
        "broker_url": celery_app.conf.broker_url,
        "task_always_eager": celery_app.conf.task_always_eager,
    }
    celery_app.conf.update(broker_url=url, task_always_eager=False)
    drop_broker_connections(celery_app)
    try:
        yield celery_app
    finally:
        drop_broker_connections(celery_app)
        celery_app.conf.update(previous)


def drop_broker_connections(app: Celery) -> None:
    """Close and forget pooled broker connections, e.g. after the broker restarted or changed."""
    # kombu keeps the pools in a registry of its own, keyed by broker, shared by the app's
    # producer pool and its remote-control mailbox: reset it whole.
    kombu.pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def celery_on_redis() -> Iterator[Celery]:
    """The project's Celery app sending through Redis instead of the unit tests' eager memory://."""
    with celery_sending_to(redis_url()) as app:
        yield app


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    nodename: str
    queue: str
    log: Path
    broker_url: str = ""

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine would: no chance to tidy up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """A warm shutdown, and SIGKILL for anything still running after 15 s."""
        if self.process.poll() is None:
            self.process.terminate()
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        # Its pool processes too, should one have outlived the main process.
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _worker_database_url() -> str:
    """DATABASE_URL naming the test database pytest-django made, so the worker writes where we read."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + connection.settings_dict["NAME"]).geturl()


# Looked up once here: between fork and exec the child should only make the call.
_prctl = ctypes.CDLL(None).prctl if sys.platform == "linux" else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In a server's child process before exec (Linux): SIGKILL when the test run dies, so no
    worker or broker outlives an interrupted run."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def start_worker(
    *,
    broker_url: str,
    queues: list[str],
    workdir: Path,
    email_url: str = "smtp://127.0.0.1:1",
    pool: str = "solo",
    concurrency: int = 1,
) -> Worker:
    """`celery -A config worker` as operators run it, under production settings, answering a ping.

    The caller stops it (Worker.stop or .kill) before the test database is flushed or dropped.
    """
    token = uuid.uuid4().hex[:12]
    nodename = f"integration-{token}@stillwater"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STILLWATER_", "CELERY_"))
        and key not in _SERVICE_VARIABLES
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="integration-worker-" + token * 4,
        STILLWATER_MFA_KEY=Fernet.generate_key().decode(),
        DJANGO_ALLOWED_HOSTS="stillwater.example.org",
        DATABASE_URL=_worker_database_url(),
        REDIS_URL=broker_url,
        EMAIL_URL=email_url,
        STILLWATER_VAR_DIR=str(workdir / "var"),
        PYTHONUNBUFFERED="1",
    )
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"worker-{token}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "config",
                "worker",
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                "--queues",
                ",".join(queues),
                "--hostname",
                nodename,
                # Nothing to synchronise with: start faster and ignore other runs' workers.
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            # Its own process group, so the worker and its pool processes are killed together.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    worker = Worker(
        process=process, nodename=nodename, queue=",".join(queues), log=log, broker_url=broker_url
    )
    try:
        wait_until_ready(worker)
    except BaseException:
        worker.stop()
        raise
    return worker


@pytest.fixture
def celery_worker(
    postgresql: None, transactional_db: None, celery_on_redis: Celery, tmp_path: Path
) -> Iterator[Worker]:
    """One worker on a queue of its own (see start_worker)."""
    # A queue of our own: a message left over from another run, or another run's worker on
    # the same Redis database, can neither be consumed here nor consume ours.
    queue = f"stillwater-integration-{uuid.uuid4().hex[:12]}"
    worker = start_worker(
        broker_url=celery_on_redis.conf.broker_url, queues=[queue], workdir=tmp_path
    )
    try:
        yield worker
    finally:
        # Stop it before pytest-django flushes or drops the database it is connected to.
        worker.stop()
        _delete_queue(celery_on_redis, queue)


@pytest.fixture
def celery_workers(
    postgresql: None, transactional_db: None, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    """start_worker for tests that start (and kill) workers themselves; every one is stopped
    before the database is flushed."""
    started: list[Worker] = []

    def start(**kwargs: Any) -> Worker:
        kwargs.setdefault("workdir", tmp_path)
        worker = start_worker(**kwargs)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


def wait_until_ready(worker: Worker, timeout: float = 30) -> None:
    """Until the worker answers a ping on its broker (after starting, or after the broker
    came back)."""
    app = celery_app
    deadline = time.monotonic() + timeout
    with app.connection_for_write(worker.broker_url or None) as conn:
        while time.monotonic() < deadline:
            if worker.process.poll() is not None:
                pytest.fail(
                    f"the Celery worker exited with {worker.process.returncode}:\n{worker.output()}"
                )
            if app.control.ping(destination=[worker.nodename], timeout=0.5, connection=conn):
                return
    pytest.fail(f"the Celery worker did not answer a ping within {timeout} s:\n{worker.output()}")


def _delete_queue(app: Celery, queue: str) -> None:
    """Remove the run's queue and its routing from Redis (kombu knows its own key layout)."""
    with app.connection_for_write() as conn:
        bound = Queue(queue, Exchange(queue), routing_key=queue)(conn.default_channel)
        bound.declare()
        bound.delete()


class _Inbox:
    """aiosmtpd handler that keeps every message it is given.

    A message counts as received the moment its data has arrived, before the reply: a sender
    killed while waiting for that reply has still handed the message over, which is what a
    test for duplicates must count.

    Faults on demand: from the `stall_from`-th message on, the reply waits until `release` is
    set (a mail server that is slow to confirm; at most a minute); `delay` makes every reply
    wait that many seconds (a server slow to confirm each message, so sends overlap whatever
    the test does meanwhile); `replying` says how many senders are waiting for a reply right
    now; `hang_ups` makes the next that many messages end with the connection dropped instead
    of a reply (a server or network that failed after taking it).
    """

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.stall_from: int | None = None
        self.release = threading.Event()
        self.delay = 0.0
        self.replying = 0
        self.hang_ups = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        if self.hang_ups:
            self.hang_ups -= 1
            server.transport.abort()
            return "250 never heard"
        stalled = self.stall_from is not None and len(self.messages) >= self.stall_from
        if stalled or self.delay:
            self.replying += 1
            try:
                await asyncio.sleep(self.delay)
                for _ in range(1200 if stalled else 0):
                    if self.release.is_set():
                        break
                    await asyncio.sleep(0.05)
            finally:
                self.replying -= 1
        return "250 Message accepted for delivery"


@dataclass
class SMTPServer:
    host: str
    port: int
    inbox: _Inbox

    @property
    def messages(self) -> list[tuple[str, list[str], EmailMessage]]:
        return self.inbox.messages

    @property
    def url(self) -> str:
        """EMAIL_URL for a worker process: plain SMTP to this server."""
        return f"smtp://{self.host}:{self.port}"

    def message_ids(self) -> Counter[str]:
        """How many times each Message-ID arrived (a long one is folded onto its own line)."""
        return Counter(str(message["Message-ID"]).strip() for _, _, message in list(self.messages))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings) -> Iterator[SMTPServer]:
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield SMTPServer(host=controller.hostname, port=controller.port, inbox=inbox)
    finally:
        controller.stop()


@dataclass
class RedisServer:
    """A redis-server of the test's own on a free port, with nothing written to disk: a
    restart empties it, as a crashed broker without persistence would be."""

    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5, socket_connect_timeout=2)

    def start(self, timeout: float = 10) -> None:
        log = (self.workdir / "redis.log").open("ab")
        with log:
            self.process = subprocess.Popen(
                [
                    _redis_server_path(),
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.workdir),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited with {self.process.returncode}")
            with suppress(redis.exceptions.ConnectionError):
                if self.client().ping():
                    return
            time.sleep(0.05)
        pytest.fail(f"redis-server did not answer on port {self.port} within {timeout} s")

    def stop(self) -> None:
        """SIGKILL: whatever it held in memory is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()


def _redis_server_path() -> str:
    path = shutil.which("redis-server") or ""
    require(bool(path), "redis-server is not on PATH (apt-get install redis-server)")
    return path


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, so it can be restarted (and emptied) without touching the
    machine's Redis or another run's queues."""
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = RedisServer(port=_free_port(), workdir=workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def celery_on_own_redis(redis_server: RedisServer) -> Iterator[RedisServer]:
    """The project's Celery app publishing to the test's own Redis (see redis_server)."""
    with celery_sending_to(redis_server.url):
        yield redis_server


@pytest.fixture
def time_limit(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test still running after its module's TIME_LIMIT seconds (default 120), so it
    stops by itself even when a server hangs; the fixtures' teardown then stops the processes
    it started."""
    seconds = int(getattr(request.module, "TIME_LIMIT", 120))

    def expire(signum: int, frame: object) -> None:
        pytest.fail(f"the test ran longer than {seconds} s and was stopped")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
