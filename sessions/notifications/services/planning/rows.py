"""What every planner shares: each person's preferences, when a message may go out, and the
unsaved outbox row it becomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from accounts.models import User
from sessions.notifications.models import (
    PREFERENCE_FOR_KIND,
    QUIET_HOURS_EXEMPT_KINDS,
    Notification,
    NotificationStatus,
    Preferences,
)
from sessions.notifications.services.timing import after_quiet_hours, zone_of

# How far back the planner looks for things that happened: a beat that was down for a few
# days catches up, but turning the feature on does not send a year of old news.
LOOK_BACK = dt.timedelta(days=7)


def preferences_for(user_ids: Iterable[int]) -> dict[int, Preferences]:
    """Each person's preferences; the defaults for people who never saved any."""
    ids = set(user_ids)
    found = {p.user_id: p for p in Preferences.objects.filter(user_id__in=ids)}
    return {uid: found.get(uid) or Preferences(user_id=uid) for uid in ids}


def wants(preferences: Preferences, kind: str) -> bool:
    field = PREFERENCE_FOR_KIND[kind]
    return field is None or bool(getattr(preferences, field))


def send_time(*, kind: str, due: dt.datetime, user: User, preferences: Preferences) -> dt.datetime:
    """When a message due at `due` may go out: after the recipient's quiet hours, unless exempt."""
    if kind in QUIET_HOURS_EXEMPT_KINDS:
        return due
    return after_quiet_hours(
        due,
        zone=zone_of(user.timezone),
        start=preferences.quiet_hours_start,
        end=preferences.quiet_hours_end,
    )


def outbox_row(
    *,
    kind: str,
    key: str,
    user: User,
    due: dt.datetime,
    preferences: Preferences,
    latest: dt.datetime | None = None,
    **about: object,
) -> Notification:
    """An unsaved outbox row; skipped (and logged as such) when quiet hours push it past `latest`."""
    send_at = send_time(kind=kind, due=due, user=user, preferences=preferences)
    row = Notification(kind=kind, dedupe_key=key, recipient=user, send_at=send_at, **about)
    if latest is not None and send_at > latest:
        row.status = NotificationStatus.SKIPPED
        row.last_error = "Quiet hours lasted until it was too late to be useful."
    return row
