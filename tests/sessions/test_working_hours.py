"""Working hours for escalating safety flags: Monday to Friday, 09:00-17:00 on the organization's clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sessions.working_hours import working_hours_add

LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")


def london(day: int, hour: int, minute: int = 0, month: int = 12) -> dt.datetime:
    """A wall-clock time in London in December 2026 (Monday 7 December ... Sunday 13 December)."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("start", "hours", "expected", "why"),
    [
        (london(11, 16), 8, london(14, 16), "Friday 16:00 + one working day is Monday 16:00"),
        (london(7, 9), 8, london(7, 17), "a whole working day fits in Monday"),
        (london(7, 13), 8, london(8, 13), "Monday 13:00 + 8 is Tuesday 13:00"),
        (london(7, 13), 16, london(9, 13), "two working days"),
        (london(8, 7), 2, london(8, 11), "before opening: counting starts at 09:00"),
        (london(9, 20), 1, london(10, 10), "in the evening: counting starts the next morning"),
        (london(12, 11), 8, london(14, 17), "on Saturday: counting starts on Monday"),
        (london(13, 23, 59), 1, london(14, 10), "late on Sunday: Monday 09:00 + 1"),
        (london(11, 17), 1, london(14, 10), "at Friday's closing time: nothing left that day"),
        (london(7, 10), 40, london(14, 10), "a working week later is the next Monday"),
    ],
)
def test_working_hours_skip_nights_and_weekends(start, hours, expected, why):
    assert working_hours_add(start, hours, LONDON) == expected, why


def test_the_answer_is_an_instant_whatever_zone_the_start_was_given_in():
    start = london(11, 16).astimezone(dt.UTC)
    assert working_hours_add(start, 8, LONDON) == london(14, 16)


def test_the_organizations_clock_decides_what_counts_as_working_time():
    # Friday 11 December 16:00 UTC is 16:00 in London but already Saturday 01:00 in Tokyo.
    start = dt.datetime(2026, 12, 11, 16, tzinfo=dt.UTC)
    assert working_hours_add(start, 8, LONDON) == dt.datetime(2026, 12, 14, 16, tzinfo=dt.UTC)
    assert working_hours_add(start, 8, TOKYO) == dt.datetime(2026, 12, 14, 17, tzinfo=TOKYO)


def test_working_hours_keep_to_the_wall_clock_when_the_clocks_go_back():
    # London leaves summer time on Sunday 25 October 2026: Monday 16:00 is then 16:00 UTC,
    # while Friday's 16:00 was 15:00 UTC. Counted in elapsed time it would be Monday 15:00.
    friday = dt.datetime(2026, 10, 23, 16, tzinfo=LONDON)
    due = working_hours_add(friday, 8, LONDON)
    assert due == dt.datetime(2026, 10, 26, 16, tzinfo=LONDON)
    assert due.astimezone(dt.UTC).hour == 16


def test_negative_hours_are_refused():
    with pytest.raises(ValueError, match="negative"):
        working_hours_add(london(7, 10), -1, LONDON)
