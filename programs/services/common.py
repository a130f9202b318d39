"""What the cohort and enrollment services share: their errors, codes and dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone as django_timezone

from programs.csv_import import (
    Problem,
)

# Read aloud over the phone and typed by hand: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 5
CODE_ATTEMPTS = 20

# A change to any of these moves sessions or where they happen, so the schedule follows.
COHORT_SCHEDULE_FIELDS = (
    "program",
    "start_date",
    "meeting_weekday",
    "meeting_time",
    "timezone",
    "default_modality",
    "place",
    "video_link",
    "phone_instructions",
    "skip_dates",
)


class CohortError(Exception):
    """A cohort cannot be made or changed as asked; the message is for the coordinator.

    `field` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class EnrollmentError(Exception):
    """A participant cannot be enrolled or changed as asked; the message is for the coordinator."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class EnrollmentImportError(EnrollmentError):
    """A list of participants has problems; nothing from it was created."""

    def __init__(self, problems: list[Problem]) -> None:
        count = len(problems)
        super().__init__(
            f"The list has {count} problem{'s' if count != 1 else ''}; nobody was added."
        )
        self.problems = problems


def zone_today(zone_name: str) -> dt.date:
    # "Today" where the cohort meets: a coordinator elsewhere may be a day ahead or behind.
    return django_timezone.localtime(django_timezone.now(), ZoneInfo(zone_name)).date()


def first_on_weekday(start: dt.date, weekday: int) -> dt.date:
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)
