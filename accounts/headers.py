"""Security headers for pages that may show health data.

Django's SecurityMiddleware sends HSTS, nosniff, Referrer-Policy and Cross-Origin-Opener-Policy,
and django-csp sends the Content-Security-Policy (config/settings/base.py). This middleware adds
what neither does:

- Permissions-Policy on every page: Stillwater never uses the camera, microphone, location,
  payments or USB devices, so no page (nor anything injected into one) may ask for them, and
  the browser may not put the visitor into interest-based advertising groups.
- Cache-Control: no-store on every response to a signed-in person, and on the pages reached by
  a secret link (invitation, unsubscribe, password reset, calendar feed): a browser's back
  button on a shared computer, or a proxy in between, must not keep a copy of someone's
  questionnaire answers, schedule or name after they have gone.

Static files never get here: WhiteNoise answers them earlier in MIDDLEWARE, so they stay
cacheable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics")
)

# Pages anyone holding the link can open without signing in; each shows whose link it is.
SECRET_LINK_VIEWS = frozenset(
    {
        "invitation_accept",
        "notifications:unsubscribe",
        "program_sessions:calendar_feed",
        "account_reset_password_from_key",
        "account_confirm_email",
    }
)


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def _secret_link(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and match.view_name in SECRET_LINK_VIEWS


class HealthDataHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Asked before and after the view: the answer to the request that signs someone in,
        # or out, is as private as the pages around it.
        signed_in = _signed_in(request)
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        private = signed_in or _signed_in(request) or _secret_link(request)
        # A view that already forbids storing (a download, the calendar feed) keeps its header.
        if private and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
