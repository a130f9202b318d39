"""Calendar links: the page where a person makes or turns off theirs, and the feed it serves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from sessions.selectors import (
    calendar_feed_get_active_for_user,
    calendar_feed_get_by_token,
    calendar_feed_get_for_user,
    scheduled_session_list_for_feed,
)
from sessions.services.calendar import (
    FEED_HISTORY,
    CalendarFeedError,
    calendar_feed_create,
    calendar_feed_read,
    calendar_feed_revoke,
    calendar_feed_url,
)

TEMPLATE = "program_sessions/calendar_settings.html"


@never_cache
def calendar_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, {"feed": calendar_feed_get_active_for_user(user=request.user)})


# never_cache: the page that shows the secret link once must not be kept by the browser or a proxy.
@never_cache
@require_POST
def calendar_feed_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    feed, token = calendar_feed_create(user=request.user)
    url = calendar_feed_url(token=token)
    # Rendered here rather than after a redirect: the token is not kept anywhere (not even in the
    # session) once this response is sent, so this is the one time it can be shown.
    return render(
        request,
        TEMPLATE,
        {"feed": feed, "feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]},
    )


@require_POST
def calendar_feed_revoke_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    feed = calendar_feed_get_for_user(user=request.user, pk=pk)
    try:
        calendar_feed_revoke(feed=feed)
    except CalendarFeedError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(
            request,
            "Your calendar link is turned off. Calendars that used it get no more updates; "
            "you can remove the Stillwater calendar from them.",
        )
    return redirect("program_sessions:calendar_settings")


# The calendar program that reads this has no session cookie: the secret token is the sign-in.
@login_not_required
@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = calendar_feed_get_by_token(token=token)
    sessions = scheduled_session_list_for_feed(user=feed.user, since=timezone.now() - FEED_HISTORY)
    response = HttpResponse(
        calendar_feed_read(feed=feed, sessions=sessions),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="stillwater.ics"'
    # The file says where someone will be and when: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns = [
    path("calendar/", calendar_settings, name="calendar_settings"),
    path("calendar/new/", calendar_feed_create_view, name="calendar_feed_create"),
    path("calendar/<int:pk>/turn-off/", calendar_feed_revoke_view, name="calendar_feed_revoke"),
    # token_urlsafe's alphabet; anything else cannot be a token, so it never reaches the database.
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,100})\.ics$", calendar_feed, name="calendar_feed"
    ),
]
