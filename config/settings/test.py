"""Unit-test settings: no server needed unless DATABASE_URL / REDIS_URL name one.

Integration tests read REDIS_URL and DATABASE_URL themselves and skip (or, under CI=true,
fail) when a server is missing.
"""

import tempfile

from .base import *  # noqa: F403
from .base import BASE_DIR, INSTALLED_APPS, env, mfa_key_from_secret_key

DEBUG = False
SECRET_KEY = "test-only-key-not-secret-test-only-key-not-secret-0123456789"  # noqa: S105
STILLWATER_MFA_KEY = mfa_key_from_secret_key(SECRET_KEY)
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# Hashing passwords properly costs ~100 ms each; tests create hundreds.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Unit tests run tasks in-process; the integration suite starts a real worker.
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test process writes recordings to a folder of its own in the temp folder, never var/.
MEDIA_ROOT = tempfile.mkdtemp(prefix="stillwater-media-")
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = BASE_DIR / "var" / "test-static"

# Demo data (seed_demo) exists only where people try Stillwater out or test it; production
# settings leave the app out, so no demo builder can run there.
INSTALLED_APPS = [*INSTALLED_APPS, "sessions.demo.apps.DemoConfig"]
