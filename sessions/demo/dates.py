"""Time and dates of the demo: its one time zone, and which meetings fall before today."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sessions.models import ScheduledSession, SessionStatus

ZONE_NAME = "Europe/London"
ZONE = ZoneInfo(ZONE_NAME)


def _last_before(today: dt.date, weekday: int) -> dt.date:
    """The most recent `weekday` strictly before today (1 to 7 days ago)."""
    return today - dt.timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)


def _next_after(today: dt.date, weekday: int) -> dt.date:
    """The first `weekday` strictly after today (1 to 7 days ahead)."""
    return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def first_date(today: dt.date, weekday: int, held: int) -> dt.date:
    # `held` weekly meetings fall on dates before today; the next one is today or later.
    if held == 0:
        return _next_after(today, weekday)
    return _last_before(today, weekday) - dt.timedelta(weeks=held - 1)


def sessions_held(
    sessions: list[ScheduledSession], day_start: dt.datetime
) -> list[ScheduledSession]:
    return [s for s in sessions if s.starts_at < day_start and s.status == SessionStatus.SCHEDULED]
