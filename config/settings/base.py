"""Settings shared by every environment; values come from the environment (django-environ).

`local`, `production` and `test` import this module and change only what differs.
"""

import base64
import hashlib
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ

# Lets the code write admin.ModelAdmin[Model] and QuerySet[Model] for mypy at run time too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Everything the embedded default writes (SQLite, broker queue, e-mail files) lives here,
# so a quick start never needs a server and `rm -rf var/` is a full reset.
VAR_DIR = Path(environ.Env().str("STILLWATER_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])
# Stripped: an origin kept with the space after a comma never matches, and POSTs fail.
CSRF_TRUSTED_ORIGINS: list[str] = [
    origin.strip()
    for origin in env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
    if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Change history of the main records. django-simple-history rather than pghistory: it
    # works on SQLite and PostgreSQL alike (the quick start and the unit tests use SQLite;
    # pghistory needs PostgreSQL triggers). Reads, exports and sign-ins go to the separate,
    # append-only accounts.AuditEvent (README, "Audit").
    "simple_history",
    "accounts",
    "programs",
    "programs.authoring.apps.AuthoringConfig",
    "sessions.apps.SessionsConfig",
    "sessions.questionnaires.apps.QuestionnairesConfig",
    "sessions.trials.apps.TrialsConfig",
    "sessions.notifications.apps.NotificationsConfig",
    "sessions.reports.apps.ReportsConfig",
    "sessions.rights.apps.RightsConfig",
    # The REST API (/api/v1/): Django REST framework, its OpenAPI schema and the docs page's
    # Swagger UI / Redoc files served from static (drf-spectacular-sidecar).
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "sessions.api.apps.ApiConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: a new view is private unless it is marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Staff of several organizations: the one chosen for this session (accounts.switching).
    "accounts.switching.WorkingOrganizationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Lets change history (and audit events written by services) name the signed-in person.
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "accounts.idle.IdleLogoffMiddleware",
    "accounts.mfa.RequireStaffMFAMiddleware",
    "accounts.consent.ConsentRequiredMiddleware",
    "accounts.headers.HealthDataHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # Before navigation: it loads the person's memberships, which navigation reuses.
                "accounts.idle.idle_logoff",
                "accounts.context_processors.navigation",
            ],
        },
    },
]
# Labels without Django's trailing colon, for every form (house style).
FORM_RENDERER = "accounts.rendering.HouseFormRenderer"

# --- Data -------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'stillwater.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Services own their transactions (see STYLE.md), so requests are not wrapped in one.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    # One cache for every web and worker process: allauth's rate limits count here, so a
    # per-process cache would multiply every limit by the number of processes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "stillwater",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Every mistake of a new password said at once (allauth checks "the same each time" only after
# the password rules pass).
ACCOUNT_FORMS = {
    "change_password": "accounts.password_forms.ChangePasswordForm",
    "set_password": "accounts.password_forms.SetPasswordForm",
    "reset_password_from_key": "accounts.password_forms.ResetPasswordKeyForm",
    # The rest only in the house words: sentence-case labels, no placeholders (accounts.forms).
    "login": "accounts.forms.LoginForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "request_login_code": "accounts.forms.RequestLoginCodeForm",
    "confirm_login_code": "accounts.forms.ConfirmLoginCodeForm",
    "reauthenticate": "accounts.forms.ReauthenticateForm",
    "add_email": "accounts.forms.AddEmailForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# A six-character code in the inbox is easier than a password on a bad-fatigue day.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Re-confirming identity (identifiable exports, erasure, safety acknowledgements, role
# changes) takes the password, or for staff a code from their authenticator app; never a
# code sent by e-mail, which only proves access to an inbox (allauth offers that by default
# from 65.22; config/urls.py makes its routes answer 404).
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Stillwater: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("DJANGO_HTTP_PROTOCOL", default="https")
# Rate limits are allauth's defaults, counted in the shared cache above; they are named
# here so an operator can see and tune them in one place.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "request_login_code": "20/m/ip,3/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Stillwater"
MFA_FORMS = {
    "authenticate": "accounts.forms.MFAAuthenticateForm",
    "reauthenticate": "accounts.forms.MFAReauthenticateForm",
    "activate_totp": "accounts.forms.ActivateTOTPForm",
}
# Staff must use two factors (accounts.mfa.RequireStaffMFAMiddleware). allauth stores TOTP
# secrets and recovery-code seeds through this adapter, which encrypts them with
# STILLWATER_MFA_KEY: a copy of the database alone does not give anyone a staff member's codes.
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
# Fernet key(s), comma-separated: the first encrypts, every one decrypts (so a key can be
# rotated). Production requires it; local and test settings derive one from SECRET_KEY.
STILLWATER_MFA_KEY = env.str("STILLWATER_MFA_KEY", default="")
# Mixed with SECRET_KEY (HKDF) into the key that seals each study's allocation sequence
# (sessions/trials/sealing.py): set it, kept apart from SECRET_KEY and the database, so that
# neither alone can read who will be allocated where. Changing it makes unused slots unreadable.
ALLOCATION_SEAL_KEY = env.str("STILLWATER_ALLOCATION_SEAL_KEY", default="")


def mfa_key_from_secret_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY, for local and test settings only."""
    digest = hashlib.sha256(f"stillwater-mfa-key:{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


MFA_TOTP_TOLERANCE = 0
MFA_RECOVERY_CODE_COUNT = 10
MFA_RECOVERY_CODE_DIGITS = 8
MFA_RECOVERY_CODES_SHOW_ONCE = True
MFA_ALLOW_UNVERIFIED_EMAIL = False
# No "trust this browser": staff use shared clinic machines, where the next person would
# skip the second factor.
MFA_TRUST_ENABLED = False
# Automatic logoff (accounts.idle.IdleLogoffMiddleware): minutes without a request before a
# session ends, and how long before that the page warns with a "Stay signed in" button.
STILLWATER_IDLE_MINUTES_STAFF = env.float("STILLWATER_IDLE_MINUTES_STAFF", default=30)
STILLWATER_IDLE_MINUTES_PARTICIPANT = env.float("STILLWATER_IDLE_MINUTES_PARTICIPANT", default=120)
STILLWATER_IDLE_WARNING_SECONDS = env.int("STILLWATER_IDLE_WARNING_SECONDS", default=120)
# Behind a reverse proxy, allauth must read the client address from X-Forwarded-For or
# every visitor shares the proxy's address and one rate limit (README, "Production").
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("STILLWATER_TRUSTED_PROXY_COUNT", default=0)

INVITATION_VALID_DAYS = env.int("STILLWATER_INVITATION_VALID_DAYS", default=14)
# The consent participants must have accepted (templates/accounts/consent/v<N>.html). Set in
# code, not the environment: a new text and its number ship together, and everyone accepts again.
STILLWATER_CONSENT_VERSION = "1"

# --- People and place -------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_USER_TIMEZONE = env.str("STILLWATER_DEFAULT_TIMEZONE", default="Europe/London")

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Uploaded files (guided recordings) -------------------------------------
# Never served as static files: programs.authoring's audio view checks who is asking first.
# S3-compatible object storage in production: see README, "Recordings".
MEDIA_ROOT = env.path("STILLWATER_MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media-not-served/"
# Limits of one uploaded recording (programs.authoring.audio): 90 minutes, 100 MB.
STILLWATER_AUDIO_MAX_SECONDS = env.int("STILLWATER_AUDIO_MAX_SECONDS", default=90 * 60)
STILLWATER_AUDIO_MAX_BYTES = env.int("STILLWATER_AUDIO_MAX_BYTES", default=100 * 1024 * 1024)
if env.str("STILLWATER_S3_BUCKET", default=""):
    # Private bucket: no public ACL, and any URL the storage makes is signed; Stillwater itself
    # reads the file and streams it to listeners it has checked.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("STILLWATER_S3_BUCKET"),
            "endpoint_url": env.str("STILLWATER_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("STILLWATER_S3_REGION", default="") or None,
            "access_key": env.str("STILLWATER_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("STILLWATER_S3_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- E-mail -----------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str(
    "DJANGO_DEFAULT_FROM_EMAIL", default="Stillwater <noreply@stillwater.invalid>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
# A mail server that stops answering must not hold a sender until the task time limit.
EMAIL_TIMEOUT = env.int("STILLWATER_EMAIL_TIMEOUT", default=30)

# --- Celery -----------------------------------------------------------------
# Redis re-delivers an unacknowledged task after this many seconds; every task time limit
# below stays well under it so a slow task is never run twice at once.
REDIS_VISIBILITY_TIMEOUT = 3600
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": REDIS_VISIBILITY_TIMEOUT,
    }
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": REDIS_VISIBILITY_TIMEOUT}
    CELERY_VISIBILITY_TIMEOUT = REDIS_VISIBILITY_TIMEOUT
else:
    CELERY_BROKER_URL = "filesystem://"
    _queue = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Routing to the "alerts" queue stores an exchange file; keep it under var/, not the cwd.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# Tasks record their effects in the database; nobody waits on a result.
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it finishes and re-queued if its worker dies, so nothing
# is silently dropped; tasks are therefore written to be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat runs in UTC and only starts per-minute jobs; every local time (a reminder at 19:00 in
# someone's own zone) is worked out by the planner, never by a local-time crontab, so a
# daylight-saving change cannot skip or double a reminder. Run exactly one beat.
CELERY_BEAT_SCHEDULE = {
    "record-heartbeat": {
        "task": "sessions.tasks.record_heartbeat",
        "schedule": 60.0,
    },
    "tick-notifications": {
        "task": "sessions.tasks.tick_notifications",
        "schedule": 60.0,
    },
    # Waitlist offers past their date: the place goes back to the coordinator for the next person.
    "expire-waitlist-offers": {
        "task": "sessions.trials.tasks.expire_waitlist_offers",
        "schedule": 60.0,
    },
}
# Safety alerts go to their own queue ("alerts"); give it its own worker in production so a
# backlog of reminders on the default queue never delays them.
CELERY_TASK_DEFAULT_QUEUE = "celery"
# A worker that loses Redis lets running tasks finish instead of killing them: a send needs
# PostgreSQL and the mail server, not the broker, and records its outcome in the outbox row.
# Killed mid-send, it left a claimed row that could only become "unknown" (never sent, though
# no worker died). The price is that a finished task may run again when its message comes
# back; every task here is idempotent (the outbox claims its row before sending).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 30

# --- REST API ---------------------------------------------------------------
# Organization API tokens only (sessions.api): no session or basic authentication, so a signed-in
# browser's cookie never reaches the API and there is no CSRF surface. JSON only: no browsable
# API with forms of its own. Each view sets authentication, scopes, rate limit and audit through
# sessions.api.base.ApiMixin; these defaults make a view that forgets it refuse everyone.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["sessions.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["sessions.api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["sessions.api.throttling.ApiTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": env.str("STILLWATER_API_RATE", default="120/minute")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stillwater API",
    "DESCRIPTION": (
        "Cohorts, pseudonymous enrollments, sessions, attendance, practice, questionnaires and "
        "allocations of one organization. Authenticate with an organization API token: "
        "`Authorization: Bearer sw_...`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security shared by every environment -----------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No script reads the CSRF cookie: forms carry the token, and scripts take it from a form.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Flash messages ("on its way to MB-7K3Q9", an address just invited) wait in the server-side
# session, not in Django's default `messages` cookie, which is signed but readable by anyone
# holding the browser, its cookie store or a proxy's log.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Content-Security-Policy (django-csp): everything comes from this site, nothing inline, so an
# injected <script>, style="" or onclick="" is refused by the browser. Scripts live in
# static/js and styles in static/css; charts are inline <svg> with presentation attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# Absolute links in e-mails sent outside a request (reminders, invitations from tasks).
SITE_URL = env.str("STILLWATER_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# The attendance grid posts one field per participant and session (three for phone
# sessions); Django's default of 1,000 would reject a large one-on-one cohort's grid.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# A request body (files aside) larger than this is refused with 400 before any form reads it.
# The largest legitimate body is a big attendance grid or a pasted participant list (at most
# 200,000 characters); free-text fields stop at 5,000. Django's default, stated here on purpose.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB
# Uploaded files up to the CSV import's 1 MB limit stay in memory; a larger one (a recording)
# is spooled to a temporary file, so a 100 MB upload never sits in memory. Django does not cap
# a file's size itself: the proxy in front must, so nobody streams gigabytes at it (nginx:
# client_max_body_size 5m, and STILLWATER_AUDIO_MAX_BYTES plus a little on the upload path
# /programs/<pk>/draft/recordings/; see README, "Recordings").
FILE_UPLOAD_MAX_MEMORY_SIZE = 1_048_576  # 1 MB
FILE_UPLOAD_PERMISSIONS = 0o640
