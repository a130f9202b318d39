"""Settings for the quick start: SQLite, filesystem broker and e-mail as files under var/."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, REDIS_URL, VAR_DIR, env, mfa_key_from_secret_key

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Never used outside a developer's machine: production.py refuses to start without a key.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# Links in e-mails sent outside a request (from the worker) point at the port the quick start
# serves on: scripts/serve.sh sets STILLWATER_PORT (`make run PORT=8001`), default 8000.
SITE_URL = env.str(
    "STILLWATER_SITE_URL", default=f"http://127.0.0.1:{env.int('STILLWATER_PORT', default=8000)}"
).rstrip("/")
# Demo and development TOTP secrets are encrypted too, with a key that needs no setup.
STILLWATER_MFA_KEY = env.str("STILLWATER_MFA_KEY", default="") or mfa_key_from_secret_key(
    SECRET_KEY
)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if not REDIS_URL:
    # The filesystem transport ignores the host, but kombu warns "No hostname was supplied" on
    # every connection (worker, beat, each task sent) when the URL names none.
    CELERY_BROKER_URL = "filesystem://localhost//"

for folder in ("mail", "celery/queue", "celery/processed", "celery/control"):
    (VAR_DIR / folder).mkdir(parents=True, exist_ok=True)

# Demo data (seed_demo) exists only where people try Stillwater out or test it; production
# settings leave the app out, so no demo builder can run there.
INSTALLED_APPS = [*INSTALLED_APPS, "sessions.demo.apps.DemoConfig"]
