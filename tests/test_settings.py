"""What operators and newcomers see when they start Stillwater: each case runs in a fresh process.

Settings are read once per process, so these start `manage.py` or Python with a chosen
environment instead of overriding settings in the test process.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent.parent
REQUIRED_IN_PRODUCTION = (
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "STILLWATER_MFA_KEY",
)


def _clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without any setting the test run or the developer chose."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STILLWATER_", "CELERY_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL"}
    }
    env.update(variables)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def production_environment(tmp_path) -> dict[str, str]:
    return _clean_environment(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        DJANGO_ALLOWED_HOSTS="stillwater.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'stillwater.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:6379/0",
        EMAIL_URL="smtp://localhost:25",
        STILLWATER_MFA_KEY=Fernet.generate_key().decode(),
        STILLWATER_VAR_DIR=str(tmp_path / "var"),
    )


def test_production_settings_pass_the_deployment_checklist(production_environment):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_environment
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in result.stdout, output
    assert "WARNINGS" not in output


@pytest.mark.parametrize("name", REQUIRED_IN_PRODUCTION)
def test_production_refuses_to_start_without_a_required_variable(production_environment, name):
    del production_environment[name]

    result = _run(["manage.py", "check"], production_environment)

    assert result.returncode != 0
    assert f"{name} must be set in production." in result.stderr


@pytest.mark.parametrize("key", ["not-a-key", "c2hvcnQ=", " , "])
def test_production_refuses_a_two_factor_key_that_is_not_a_fernet_key(production_environment, key):
    production_environment["STILLWATER_MFA_KEY"] = key

    result = _run(["manage.py", "check"], production_environment)

    assert result.returncode != 0
    assert "STILLWATER_MFA_KEY must be one or more Fernet keys" in result.stderr
    assert "Fernet.generate_key()" in result.stderr


PRINT_MFA = """
import json, django
django.setup()
from django.conf import settings
from allauth.mfa.utils import decrypt, encrypt
stored = encrypt("JBSWY3DPEHPK3PXP")
print(json.dumps({
    "stored": stored,
    "round_trip": decrypt(stored),
    "idle_staff": settings.STILLWATER_IDLE_MINUTES_STAFF,
    "idle_participant": settings.STILLWATER_IDLE_MINUTES_PARTICIPANT,
    "trust": settings.MFA_TRUST_ENABLED,
}))
"""


def test_production_encrypts_two_factor_secrets_with_the_key_it_is_given(production_environment):
    key = Fernet.generate_key()
    production_environment["STILLWATER_MFA_KEY"] = key.decode()
    production_environment["STILLWATER_IDLE_MINUTES_STAFF"] = "15"

    result = _run(["-c", PRINT_MFA], production_environment)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert Fernet(key).decrypt(seen["stored"].encode()) == b"JBSWY3DPEHPK3PXP"
    assert seen["round_trip"] == "JBSWY3DPEHPK3PXP"
    assert (seen["idle_staff"], seen["idle_participant"]) == (15, 120)
    assert seen["trust"] is False


def test_quick_start_derives_a_two_factor_key_without_any_setup(quick_start_environment):
    result = _run(["-c", PRINT_MFA], quick_start_environment)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["stored"].startswith("gAAAAA")
    assert seen["round_trip"] == "JBSWY3DPEHPK3PXP"
    assert (seen["idle_staff"], seen["idle_participant"]) == (30, 120)


PRINT_HOSTS = """
import json, django
django.setup()
from django.conf import settings
from django.http.request import validate_host
print(json.dumps({
    "allowed": [validate_host(h, settings.ALLOWED_HOSTS) for h in ("stillwater.example.org", "www.stillwater.example.org", "evil.example.com")],
    "csrf_trusted_origins": settings.CSRF_TRUSTED_ORIGINS,
}))
"""


def test_production_accepts_host_and_origin_lists_written_with_spaces(production_environment):
    production_environment["DJANGO_ALLOWED_HOSTS"] = (
        "stillwater.example.org, www.stillwater.example.org"
    )
    production_environment["DJANGO_CSRF_TRUSTED_ORIGINS"] = (
        "https://stillwater.example.org, https://www.stillwater.example.org"
    )

    result = _run(["-c", PRINT_HOSTS], production_environment)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    # Both named hosts are served; anything else still gets 400 Bad Request.
    assert seen["allowed"] == [True, True, False]
    assert seen["csrf_trusted_origins"] == [
        "https://stillwater.example.org",
        "https://www.stillwater.example.org",
    ]


PRINT_QUICK_START = """
import json, django
django.setup()
from django.conf import settings
from config.celery import app
print(json.dumps({
    "database_engine": settings.DATABASES["default"]["ENGINE"],
    "database_name": str(settings.DATABASES["default"]["NAME"]),
    "broker_url": app.conf.broker_url,
    "broker_queue": app.conf.broker_transport_options["data_folder_in"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "email_backend": settings.EMAIL_BACKEND,
    "email_file_path": str(settings.EMAIL_FILE_PATH),
}))
"""


@pytest.fixture
def quick_start_environment(tmp_path) -> dict[str, str]:
    """What a newcomer has: no servers named, only the project's own folder for data."""
    return _clean_environment(
        DJANGO_SETTINGS_MODULE="config.settings.local", STILLWATER_VAR_DIR=str(tmp_path / "var")
    )


def test_quick_start_needs_no_server(quick_start_environment, tmp_path):
    var = tmp_path / "var"

    result = _run(["-c", PRINT_QUICK_START], quick_start_environment)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "database_engine": "django.db.backends.sqlite3",
        "database_name": str(var / "stillwater.sqlite3"),
        "broker_url": "filesystem://localhost//",
        "broker_queue": str(var / "celery" / "queue"),
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "email_backend": "django.core.mail.backends.filebased.EmailBackend",
        "email_file_path": str(var / "mail"),
    }
    # The folders exist before the web server or the worker first writes to them.
    assert (var / "mail").is_dir()
    assert (var / "celery" / "queue").is_dir()


def test_quick_start_e_mail_is_written_as_a_file_under_var(quick_start_environment, tmp_path):
    result = _run(["manage.py", "sendtestemail", "pat@example.org"], quick_start_environment)

    assert result.returncode == 0, result.stderr
    written = list((tmp_path / "var" / "mail").iterdir())
    assert len(written) == 1
    assert "To: pat@example.org" in written[0].read_text()
