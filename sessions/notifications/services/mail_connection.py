"""SMTP connections kept open from one message to the next, one per sending thread.

Opening a connection (TCP, the greeting, EHLO, STARTTLS, a login) and closing it cost more
CPU than rendering and sending a reminder, so a worker process keeps its connection for the
next message (issue 18: one connection per batch, not per message). Keeping it must not
weaken what delivery.py promises:

- Before each reuse the connection is checked (NOOP), so one the server closed meanwhile is
  replaced before the next message is marked as handed over: no message is started on a
  dead line and then judged "maybe delivered". A connection idle for longer than IDLE_LIMIT
  is replaced without asking (servers drop idle ones, and asking a half-open line would
  wait for EMAIL_TIMEOUT).
- After any error, or a process stopping mid-send, the connection is thrown away: its state
  (half a dialogue, a dropped line) is unknown, so the next message gets a new one.
- Only the SMTP backend is kept. The others are opened and closed per message as before
  (development's file backend writes one file per connection; tests' outbox needs nothing).
- Changed mail settings (a test's own server) start a new connection.
"""

from __future__ import annotations

import smtplib
import threading
import time

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

IDLE_LIMIT = 60.0  # seconds


class _Kept(threading.local):
    backend: SMTPBackend | None = None
    key: tuple[object, ...] = ()
    used_at = 0.0


_kept = _Kept()


def _settings_key() -> tuple[object, ...]:
    return tuple(
        getattr(settings, name, None)
        for name in (
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_HOST_USER",
            "EMAIL_HOST_PASSWORD",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
            "EMAIL_TIMEOUT",
        )
    )


def _answers(backend: SMTPBackend) -> bool:
    smtp = backend.connection
    if smtp is None:
        return False
    try:
        return smtp.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def _close_quietly(backend: BaseEmailBackend) -> None:
    # Closing a broken line fails in many ways (QUIT unanswered, a reset socket); none of
    # them matters to a connection that is being thrown away.
    try:
        backend.close()
    except Exception:
        if isinstance(backend, SMTPBackend):
            backend.connection = None


def mail_connection_open() -> BaseEmailBackend:
    """An open connection for the next message: the kept one if it still answers, else a new
    one. Raises what opening raises; nothing has been handed over to the server then."""
    key = _settings_key()
    kept = _kept.backend
    if kept is not None:
        fresh = time.monotonic() - _kept.used_at < IDLE_LIMIT
        if _kept.key == key and fresh and _answers(kept):
            return kept
        mail_connections_close()
    backend = get_connection()
    backend.open()
    if isinstance(backend, SMTPBackend):
        _kept.backend, _kept.key, _kept.used_at = backend, key, time.monotonic()
    return backend


def mail_connection_release(backend: BaseEmailBackend, *, failed: bool) -> None:
    """After one message: keep a healthy SMTP connection for the next, close anything else."""
    if backend is _kept.backend and not failed:
        _kept.used_at = time.monotonic()
        return
    if backend is _kept.backend:
        mail_connections_close()
        return
    _close_quietly(backend)


def mail_connections_close() -> None:
    """Close this thread's kept connection (a worker process stopping, the end of a batch)."""
    kept = _kept.backend
    _kept.backend, _kept.key = None, ()
    if kept is not None:
        _close_quietly(kept)
