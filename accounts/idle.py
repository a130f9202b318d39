"""Sessions end after a period without activity (automatic logoff).

Staff sessions end after STILLWATER_IDLE_MINUTES_STAFF minutes without a request (default 30),
participants' after STILLWATER_IDLE_MINUTES_PARTICIPANT (default 120): a screen left signed in
on a shared or clinic computer must not keep showing someone's answers. The time of the last
request is kept in the session. Every page tells static/js/idle-logoff.js how long is left (on
<body>), so the person is warned STILLWATER_IDLE_WARNING_SECONDS before the end and can choose
"Stay signed in". Nothing is lost by the sign-out: answers are saved as they are given, and
signing in again returns to the page they were on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .mfa import signed_in_user, user_is_staff
from .models import User

SESSION_KEY = "stillwater_last_activity"
# The stored time is refreshed at most once a minute (or a twentieth of a short limit), so an
# ordinary page view does not rewrite the session row; the limit is kept to within that.
# What a page is told (IdleState) is worked out only when a template asks (idle_logoff below):
# a download or a redirect then costs no query for the person's role.
_REFRESH_SECONDS = 60.0


@dataclass(frozen=True)
class IdleState:
    """What the page needs to warn before the session ends (templates/base.html)."""

    seconds_left: int
    limit_seconds: int
    warning_seconds: int


def idle_limit_minutes(user: User) -> float:
    if user_is_staff(user):
        return float(settings.STILLWATER_IDLE_MINUTES_STAFF)
    return float(settings.STILLWATER_IDLE_MINUTES_PARTICIPANT)


def idle_touch(request: HttpRequest) -> None:
    """Count this moment as activity (every page view does; so does "Stay signed in")."""
    request.session[SESSION_KEY] = time.time()


def idle_state(request: HttpRequest) -> IdleState | None:
    """How long this signed-in request's session has left; None when nobody is signed in."""
    since = getattr(request, "idle_since", None)
    user = signed_in_user(request)
    if since is None or user is None:
        return None
    limit = idle_limit_minutes(user) * 60
    return IdleState(
        seconds_left=max(0, int(limit - since)),
        limit_seconds=int(limit),
        warning_seconds=int(settings.STILLWATER_IDLE_WARNING_SECONDS),
    )


def idle_logoff(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `idle_logoff` for templates/base.html.

    Listed before accounts.context_processors.navigation: working out the person's role here
    loads their memberships once, and the navigation then reads them without a second query.
    """
    return {"idle_logoff": idle_state(request)}


def _minutes_text(minutes: float) -> str:
    if minutes == 1:
        return "1 minute"
    return f"{minutes:g} minutes"


class IdleLogoffMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        if user is not None:
            expired = self._check(request, user)
            if expired is not None:
                return expired
        response = self.get_response(request)
        # Signed in by this request (the sign-in form or the code page): the clock starts.
        if user is None and SESSION_KEY not in request.session and signed_in_user(request):
            idle_touch(request)
        return response

    def _check(self, request: HttpRequest, user: User) -> HttpResponse | None:
        now = time.time()
        stored = request.session.get(SESSION_KEY)
        last = float(stored) if isinstance(stored, int | float) else None
        shortest = 60 * min(
            float(settings.STILLWATER_IDLE_MINUTES_STAFF),
            float(settings.STILLWATER_IDLE_MINUTES_PARTICIPANT),
        )
        # Within the shorter limit nobody's session has ended, so the person's role (a query)
        # is needed only past it, or when a page shows how long is left.
        if last is not None and now - last > shortest:
            minutes = idle_limit_minutes(user)
            if now - last > minutes * 60:
                return self._sign_out(request, minutes)
        # The page asking how long is left (idle-logoff.js, when its countdown ends) is not
        # activity: counting it would keep an unattended second tab signed in.
        passive = request.method == "GET" and request.path_info == reverse("session_keep_alive")
        # A stored time ahead of the clock (the clock was set back) counts as activity just now;
        # it is refreshed once the clock has passed it.
        if not passive and (last is None or now - last >= min(_REFRESH_SECONDS, shortest / 20)):
            idle_touch(request)
            last = now
        since = max(0.0, now - last) if last is not None else 0.0
        request.idle_since = since  # type: ignore[attr-defined]
        return None

    @staticmethod
    def _sign_out(request: HttpRequest, minutes: float) -> HttpResponse:
        back_to = request.get_full_path()
        keep_alive = request.path_info == reverse("session_keep_alive")
        logout(request)
        messages.info(
            request,
            f"You were signed out after {_minutes_text(minutes)} without activity. "
            "Sign in to carry on where you were.",
        )
        login_url = reverse(settings.LOGIN_URL)
        if keep_alive:
            # Asked by the page's script, which then reloads the page it is on.
            return HttpResponseRedirect(login_url)
        query = urlencode({REDIRECT_FIELD_NAME: back_to})
        return HttpResponseRedirect(f"{login_url}?{query}")
