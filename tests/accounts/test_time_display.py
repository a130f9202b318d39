import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.templatetags.stillwater import when, when_date, when_time

SESSION = dt.datetime(2026, 11, 3, 23, 0, tzinfo=dt.UTC)


def test_times_are_shown_in_the_viewers_zone_and_name_it():
    with timezone.override(ZoneInfo("America/New_York")):
        assert when(SESSION) == "Tuesday 3 November 2026, 18:00 (America/New York time)"
        assert when_time(SESSION) == "18:00 (America/New York time)"
    with timezone.override(ZoneInfo("Australia/Sydney")):
        assert when(SESSION) == "Wednesday 4 November 2026, 10:00 (Australia/Sydney time)"
        assert when_date(SESSION) == "Wednesday 4 November 2026"
