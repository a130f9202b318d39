"""Pure date arithmetic for schedules: local wall-clock times in, UTC instants out.

A weekly session keeps its local time across daylight-saving changes because every
occurrence is built from the local date and time in the cohort's zone, never by adding
seven times 24 hours to the previous instant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = dt.UTC
SATURDAY = 5
PRACTICE_DAY_TIME = dt.time(10, 0)


def local_to_utc(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The instant of a local date and wall-clock time.

    A time that does not exist (the hour skipped when clocks go forward) comes out one hour
    later in local time, as a wall clock would show it; an ambiguous time (clocks go back)
    is the first of the two.
    """
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def first_meeting_date(start: dt.date, weekday: int) -> dt.date:
    """The first date on or after `start` that falls on `weekday` (Monday = 0)."""
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


def meeting_dates(
    *,
    start: dt.date,
    weekday: int,
    count: int,
    cadence_days: int = 7,
    skip_dates: Iterable[dt.date] = (),
) -> list[dt.date]:
    """`count` meeting dates from the first `weekday` on or after `start`, stepping over skip dates."""
    skipped = set(skip_dates)
    dates: list[dt.date] = []
    day = first_meeting_date(start, weekday)
    while len(dates) < count:
        if day not in skipped:
            dates.append(day)
        day += dt.timedelta(days=cadence_days)
    return dates


@dataclass(frozen=True)
class PlannedSession:
    number: int
    starts_at: dt.datetime


def plan(
    *,
    numbers: list[int],
    optional_after: dict[int, int],
    start: dt.date,
    weekday: int,
    at: dt.time,
    zone: ZoneInfo,
    cadence_days: int = 7,
    skip_dates: Iterable[dt.date] = (),
) -> list[PlannedSession]:
    """Start instants for a program's weekly sessions and its optional sessions.

    `numbers` are the weekly sessions in order; `optional_after` maps an optional session's
    number to the weekly session it follows. An optional session (MBSR's day of practice)
    falls on the Saturday after that session, at 10:00 local time; for a group that meets on
    Saturdays that Saturday holds its next weekly session, so the day moves to the Sunday.
    """
    dates = meeting_dates(
        start=start,
        weekday=weekday,
        count=len(numbers),
        cadence_days=cadence_days,
        skip_dates=skip_dates,
    )
    planned = [
        PlannedSession(number, local_to_utc(day, at, zone))
        for number, day in zip(numbers, dates, strict=True)
    ]
    date_of = dict(zip(numbers, dates, strict=True))
    for number, after in sorted(optional_after.items()):
        if after not in date_of:
            continue
        base = date_of[after]
        day = base + dt.timedelta(days=(SATURDAY - base.weekday()) % 7 or 7)
        if day in dates:
            day += dt.timedelta(days=1)
        planned.append(PlannedSession(number, local_to_utc(day, PRACTICE_DAY_TIME, zone)))
    return sorted(planned, key=lambda p: p.starts_at)
