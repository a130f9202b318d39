"""Working hours: Monday to Friday, 09:00 to 17:00 on an organization's own clock.

A safety flag nobody has acknowledged is escalated to the coordinators after a number of
working hours (Organization.escalate_after_working_hours): a flag raised on Friday afternoon
should reach a coordinator on Monday, not wake one on Sunday, and a flag raised at night starts
counting when the team starts work. Bank holidays are not known here; they count as working
days (the flag then escalates early, never late).

Instants go in and come out in UTC; wall-clock times become instants only through
sessions.scheduling.local_to_utc, so a day when the clocks change still has 09:00 and 17:00
where the clock on the wall shows them.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from accounts.models import Organization
from sessions.scheduling import local_to_utc

WORKDAY_START = dt.time(9, 0)
WORKDAY_END = dt.time(17, 0)
WORKING_WEEKDAYS = frozenset({0, 1, 2, 3, 4})  # Monday to Friday (date.weekday())
HOURS_PER_WORKING_DAY = 8


def working_hours_add(start: dt.datetime, hours: int, zone: ZoneInfo) -> dt.datetime:
    """The instant `hours` working hours after `start`.

    Time outside working hours does not count: 8 working hours after Friday 16:00 is Monday
    16:00, and after Saturday 11:00 it is Monday 17:00. The result falls inside working hours
    (17:00 itself included: a full working day after Monday 09:00 is Monday 17:00).
    """
    if hours < 0:
        raise ValueError("Working hours to add cannot be negative.")
    remaining = dt.timedelta(hours=hours)
    day = start.astimezone(zone).date()
    while True:
        if day.weekday() in WORKING_WEEKDAYS:
            opens = local_to_utc(day, WORKDAY_START, zone)
            closes = local_to_utc(day, WORKDAY_END, zone)
            begin = max(start, opens)
            if begin < closes:
                if remaining <= closes - begin:
                    return begin + remaining
                remaining -= closes - begin
        day += dt.timedelta(days=1)


def safety_flag_escalates_at(*, raised_at: dt.datetime, organization: Organization) -> dt.datetime:
    """When an open safety flag is overdue and goes to every coordinator: the organization's
    number of working hours after it was raised, on the organization's clock.

    One rule for both: the "Overdue" mark on the worklist and the escalation e-mail never
    disagree about whether a flag has waited too long.
    """
    return working_hours_add(
        raised_at,
        organization.escalate_after_working_hours,
        ZoneInfo(organization.default_timezone),
    )
