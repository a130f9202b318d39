"""Real servers for the integration suite: PostgreSQL, a Celery worker on Redis, an SMTP server.

Nothing here is mocked. A missing server skips the test locally and fails it under CI=true
(tests.servers.require).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from celery import Celery
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


@pytest.fixture
def celery_on_redis() -> Iterator[Celery]:
    """The project's Celery app sending through Redis instead of the unit tests' eager memory://."""
    url = redis_url()
    previous = {
        "broker_url": celery_app.conf.broker_url,
        "task_always_eager": celery_app.conf.task_always_eager,
    }
    celery_app.conf.update(broker_url=url, task_always_eager=False)
    try:
        yield celery_app
    finally:
        celery_app.conf.update(previous)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    nodename: str
    queue: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _worker_database_url() -> str:
    """DATABASE_URL naming the test database pytest-django made, so the worker writes where we read."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + connection.settings_dict["NAME"]).geturl()


@pytest.fixture
def celery_worker(
    postgresql: None, transactional_db: None, celery_on_redis: Celery, tmp_path: Path
) -> Iterator[Worker]:
    """`celery -A config worker` as operators run it, under production settings, on its own queue."""
    token = uuid.uuid4().hex[:12]
    # A queue of our own: a message left over from another run, or another run's worker on
    # the same Redis database, can neither be consumed here nor consume ours.
    queue = f"stillwater-integration-{token}"
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
        DJANGO_ALLOWED_HOSTS="stillwater.example.org",
        DATABASE_URL=_worker_database_url(),
        REDIS_URL=celery_on_redis.conf.broker_url,
        EMAIL_URL="smtp://127.0.0.1:1",
        STILLWATER_VAR_DIR=str(tmp_path / "var"),
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=INFO",
                "--queues",
                queue,
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
        )
    worker = Worker(process=process, nodename=nodename, queue=queue, log=log)
    try:
        _wait_until_ready(celery_on_redis, worker)
        yield worker
    finally:
        # Stop it before pytest-django flushes or drops the database it is connected to.
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        _delete_queue(celery_on_redis, queue)


def _wait_until_ready(app: Celery, worker: Worker, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    with app.connection_for_write() as conn:
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
    """aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@dataclass
class SMTPServer:
    host: str
    port: int
    inbox: _Inbox

    @property
    def messages(self) -> list[tuple[str, list[str], EmailMessage]]:
        return self.inbox.messages


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
