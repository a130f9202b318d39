"""Local-time rules for reminders: quiet hours and local days, always worked out in the recipient's zone.

Everything here takes and returns aware UTC instants; local wall-clock times are only ever
turned into instants through sessions.scheduling.local_to_utc, whose rules are: a time that
does not exist (clocks go forward) comes out an hour later, an ambiguous one (clocks go back)
is the first of the two.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sessions.scheduling import local_to_utc


def zone_of(name: str) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


def local_date(instant: dt.datetime, zone: ZoneInfo) -> dt.date:
    return instant.astimezone(zone).date()


def local_day_bounds(day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The instants a local day starts and ends (23 or 25 hours long on a clock change)."""
    return local_to_utc(day, dt.time(0), zone), local_to_utc(
        day + dt.timedelta(days=1), dt.time(0), zone
    )


def in_quiet_hours(at: dt.time, start: dt.time, end: dt.time) -> bool:
    """Whether a local wall-clock time falls in quiet hours [start, end), which may span midnight."""
    if start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end


def after_quiet_hours(
    instant: dt.datetime, *, zone: ZoneInfo, start: dt.time, end: dt.time
) -> dt.datetime:
    """`instant` itself, or the end of the quiet hours it falls in (as an instant)."""
    local = instant.astimezone(zone)
    wall = local.time().replace(tzinfo=None)
    if not in_quiet_hours(wall, start, end):
        return instant
    day = local.date()
    # Quiet hours that span midnight end on the next day when we are in their evening part.
    if start > end and wall >= start:
        day += dt.timedelta(days=1)
    return local_to_utc(day, end, zone)
