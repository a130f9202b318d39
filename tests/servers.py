"""Finding the real servers the integration and browser tests need.

On a newcomer's laptop a missing server skips the test with the reason; under CI=true it is
a failure, because CI has every server and a skip there would hide a broken check.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(available: bool, reason: str) -> None:
    """Skip with `reason` when a server is missing, or fail under CI=true."""
    if available:
        return
    if in_ci():
        pytest.fail(f"CI=true, so this cannot be skipped: {reason}", pytrace=False)
    pytest.skip(reason)


def redis_url() -> str:
    """REDIS_URL after checking that a Redis server answers there."""
    url = os.environ.get("REDIS_URL", "")
    require(bool(url), "REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        require(False, f"no Redis answers at {url}: {exc}")
    return url


def chromium_path() -> str:
    """Debian's Chromium, driven by Playwright (Playwright's own browser download is not used)."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    require(Path(path).exists(), f"Chromium not found at {path} (apt-get install chromium)")
    return path
