"""`make run`: the port is the caller's choice, e-mail links follow it, the worker starts quietly.

Settings are read once per process, so these start Python with a chosen environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
from kombu import Connection
from config.celery import app
print(json.dumps({
    "site_url": settings.SITE_URL,
    "broker_host": Connection(app.conf.broker_url).hostname,
}))
"""


def _local_settings(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STILLWATER_", "CELERY_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        STILLWATER_VAR_DIR=str(tmp_path / "var"),
        **variables,
    )
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    settings: dict[str, str] = json.loads(result.stdout)
    return settings


@pytest.mark.parametrize(
    ("variables", "site_url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"STILLWATER_PORT": "8001"}, "http://127.0.0.1:8001"),
        # Someone serving the quick start under another name says so, and that wins.
        (
            {"STILLWATER_PORT": "8001", "STILLWATER_SITE_URL": "http://demo.example.org/"},
            "http://demo.example.org",
        ),
    ],
)
def test_e_mail_links_follow_the_port_the_quick_start_serves_on(tmp_path, variables, site_url):
    assert _local_settings(tmp_path, **variables)["site_url"] == site_url


def test_the_quick_start_broker_names_a_host_so_kombu_does_not_warn(tmp_path):
    # Without one, kombu logs "No hostname was supplied" for every connection it opens.
    assert _local_settings(tmp_path)["broker_host"] == "localhost"


def test_make_run_passes_its_port_to_the_servers():
    result = subprocess.run(
        ["make", "--dry-run", "run", "PORT=8001"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "STILLWATER_PORT=8001 bash scripts/serve.sh" in result.stdout


def test_the_licence_is_an_spdx_expression_setuptools_reads_without_a_warning():
    pyproject = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "AGPL-3.0-or-later"
    # The string form needs setuptools 77 or newer.
    assert "setuptools>=77" in pyproject["build-system"]["requires"]
