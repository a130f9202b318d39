"""Production: every service is named by the environment, and a missing one stops start-up."""

from cryptography.fernet import Fernet, MultiFernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production.")
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY")
# Encrypts staff TOTP secrets and recovery seeds; kept outside the database so a database copy
# alone does not reveal them. Losing it means every staff member sets up their app again.
STILLWATER_MFA_KEY = _required("STILLWATER_MFA_KEY")
try:
    MultiFernet([Fernet(key.strip()) for key in STILLWATER_MFA_KEY.split(",") if key.strip()])
except ValueError:
    raise ImproperlyConfigured(
        "STILLWATER_MFA_KEY must be one or more Fernet keys (32 url-safe base64-encoded bytes), "
        'separated by commas. Make one with: python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())"'
    ) from None
# "a.org, b.org" is how people write lists; a host kept with its space would never match.
ALLOWED_HOSTS = [
    host.strip() for host in _required("DJANGO_ALLOWED_HOSTS").split(",") if host.strip()
]
DATABASES = {"default": env.db_url_config(_required("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Rate limits and the broker must be shared by every process.
_required("REDIS_URL")
globals().update(env.email_url_config(_required("EMAIL_URL")))

# TLS terminates at the proxy in front of gunicorn, which says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
# The __Host- prefix makes the browser refuse these cookies unless they are Secure, for the
# whole site and not shared with any subdomain, so a neighbouring host cannot plant one.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
