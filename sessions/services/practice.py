"""Home-practice log entries: add, change and delete, on the participant's own local dates."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.dateformat import format as date_format

from programs.models import Enrollment, LogKind
from sessions.models import PracticeLog
from sessions.progress import local_today

# An entry may be added, changed or deleted up to this many days after its date: long enough to
# catch up after a bad week, short enough that the log stays a record of what happened, not a
# reconstruction made just before the end of the course.
EDIT_WINDOW_DAYS = 7
MINUTES_MIN, MINUTES_MAX = 1, 600
MOOD_MIN, MOOD_MAX = 0, 10


class PracticeError(Exception):
    """A practice entry that cannot be saved; the message is for the participant."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        # The form field the message belongs to, so it is shown next to that input.
        self.field = field


def earliest_allowed_date(*, today: dt.date) -> dt.date:
    return today - dt.timedelta(days=EDIT_WINDOW_DAYS)


def practice_log_is_changeable(*, log: PracticeLog, today: dt.date) -> bool:
    """Whether the entry is recent enough to be changed or deleted."""
    return log.date >= earliest_allowed_date(today=today)


def practice_log_check_changeable(*, log: PracticeLog, today: dt.date, verb: str) -> None:
    """Raise PracticeError unless the entry may still be `verb` ("changed" or "deleted")."""
    if not practice_log_is_changeable(log=log, today=today):
        raise PracticeError(
            f"This entry is older than {EDIT_WINDOW_DAYS} days, so it can no longer be {verb}."
        )


def _day(value: dt.date) -> str:
    return date_format(value, "l j F")


def practice_log_check_date(*, date: dt.date, today: dt.date) -> None:
    """Raise PracticeError unless an entry may be dated `date` (today or the 7 days before).

    The log form asks this too, so a wrong date is reported with every other mistake at once.
    """
    if date > today:
        raise PracticeError(
            "That date hasn't come yet. Choose today or an earlier day.", field="date"
        )
    earliest = earliest_allowed_date(today=today)
    if date < earliest:
        raise PracticeError(
            f"Entries older than {EDIT_WINDOW_DAYS} days can't be added. "
            f"Choose a day from {_day(earliest)} to today.",
            field="date",
        )


def _check_enrollment(enrollment: Enrollment) -> None:
    if not enrollment.gets_sessions:
        raise PracticeError("There is no home practice to log in this course.")


def _fields(
    *,
    enrollment: Enrollment,
    practice: str,
    minutes: int | None,
    note: str,
    situation: str,
    mood_before: int | None,
    mood_after: int | None,
) -> dict[str, object]:
    """The entry's values for the program's kind of log, checked; the other kind's are cleared."""
    program = enrollment.cohort.program
    if program.log_kind == LogKind.STRATEGY:
        if practice not in dict(program.strategy_choices()):
            raise PracticeError("Choose one of the strategies from your course.", field="practice")
        if not situation.strip():
            raise PracticeError("Write a few words about the situation.", field="situation")
        for name, mood in (("mood_before", mood_before), ("mood_after", mood_after)):
            if mood is None or not MOOD_MIN <= mood <= MOOD_MAX:
                raise PracticeError(
                    f"Choose a number from {MOOD_MIN} (very low) to {MOOD_MAX} (very good).",
                    field=name,
                )
        return {
            "practice": practice,
            "minutes": None,
            "note": note.strip(),
            "situation": situation.strip(),
            "mood_before": mood_before,
            "mood_after": mood_after,
        }
    if practice not in dict(program.practice_choices()):
        raise PracticeError("Choose one of the practices from your course.", field="practice")
    if minutes is None or not MINUTES_MIN <= minutes <= MINUTES_MAX:
        raise PracticeError(
            f"Enter a number of minutes from {MINUTES_MIN} to {MINUTES_MAX}.", field="minutes"
        )
    return {
        "practice": practice,
        "minutes": minutes,
        "note": note.strip(),
        "situation": "",
        "mood_before": None,
        "mood_after": None,
    }


def practice_log_create(
    *,
    enrollment: Enrollment,
    date: dt.date,
    practice: str,
    minutes: int | None = None,
    note: str = "",
    situation: str = "",
    mood_before: int | None = None,
    mood_after: int | None = None,
    now: dt.datetime | None = None,
) -> PracticeLog:
    """Add a practice (or strategy) entry for one of the participant's last 7 local days."""
    _check_enrollment(enrollment)
    practice_log_check_date(date=date, today=local_today(user=enrollment.user, now=now))
    fields = _fields(
        enrollment=enrollment,
        practice=practice,
        minutes=minutes,
        note=note,
        situation=situation,
        mood_before=mood_before,
        mood_after=mood_after,
    )
    return PracticeLog.objects.create(enrollment=enrollment, date=date, **fields)


def practice_log_update(
    *,
    log: PracticeLog,
    date: dt.date,
    practice: str,
    minutes: int | None = None,
    note: str = "",
    situation: str = "",
    mood_before: int | None = None,
    mood_after: int | None = None,
    now: dt.datetime | None = None,
) -> PracticeLog:
    """Change a recent entry; neither its old nor its new date may be older than 7 days."""
    enrollment = log.enrollment
    _check_enrollment(enrollment)
    today = local_today(user=enrollment.user, now=now)
    fields = _fields(
        enrollment=enrollment,
        practice=practice,
        minutes=minutes,
        note=note,
        situation=situation,
        mood_before=mood_before,
        mood_after=mood_after,
    )
    with transaction.atomic():
        # Re-read under a lock: the age check must see the date as saved, not as a stale form had it.
        current = PracticeLog.objects.select_for_update().get(pk=log.pk)
        practice_log_check_changeable(log=current, today=today, verb="changed")
        practice_log_check_date(date=date, today=today)
        current.date = date
        for name, value in fields.items():
            setattr(current, name, value)
        current.save()
    return current


def practice_log_delete(*, log: PracticeLog, now: dt.datetime | None = None) -> None:
    """Delete a recent entry (dated within the participant's last 7 days)."""
    today = local_today(user=log.enrollment.user, now=now)
    with transaction.atomic():
        current = PracticeLog.objects.select_for_update().filter(pk=log.pk).first()
        if current is None:
            # Already gone (a double click): the participant's wish is met.
            return
        practice_log_check_changeable(log=current, today=today, verb="deleted")
        current.delete()
