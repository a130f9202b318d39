"""The participant's task list (GOV.UK "task list" pattern): what is due, soonest deadline first.

Built from rows the home page already fetched, without queries: each course's questionnaire sets
(with how far the person got) and this week's home practice, once practice has begun. Practice is
due by the end of the participant's own week (Sunday, in their time zone); nothing suggests it
before their first session has taken place (self-guided: before week 1 opens).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from enum import StrEnum

from django.urls import reverse

from programs.instrument_library import InstrumentNotFound, instrument_get
from programs.models import LogKind
from sessions.progress import Course
from sessions.questionnaires.models import Assessment

__all__ = [
    "Task",
    "TaskStatus",
    "practice_has_begun",
    "practice_task",
    "questionnaire_task",
    "questionnaire_task_name",
    "task_list_sorted",
    "week_task",
]


class TaskStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANNOT_START = "cannot_start"


STATUS_LABELS = {
    TaskStatus.NOT_STARTED: "Not started",
    TaskStatus.IN_PROGRESS: "In progress",
    TaskStatus.COMPLETED: "Completed",
    TaskStatus.CANNOT_START: "Cannot start yet",
}


@dataclass(frozen=True)
class Task:
    """One row of the task list, under the names its template uses."""

    name: str
    url: str  # empty while the task cannot be started
    status: TaskStatus
    # Short lines under the name: what it is, how long it takes, how far the person got.
    hints: list[str]
    # The course it belongs to, for someone in several (empty otherwise).
    course: str
    # Exactly one of these says when it is due: a questionnaire's window closes at a moment,
    # practice is due by the end of a local day; a self-guided week has no deadline.
    closes_at: dt.datetime | None = None
    due_date: dt.date | None = None
    opens_at: dt.datetime | None = None
    # For the order only: the moment it is due, and the course's place on the page.
    sort_at: dt.datetime | None = None
    course_number: int = 0

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_tag(self) -> bool:
        """GOV.UK shows a task still to do as a coloured tag, and a finished or blocked one as text."""
        return self.status in (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS)


def task_list_sorted(tasks: list[Task]) -> list[Task]:
    """What is due first: soonest deadline first, tasks without one after, finished ones last."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(
        tasks,
        key=lambda t: (
            t.status == TaskStatus.COMPLETED,
            t.sort_at or far,
            t.course_number,
        ),
    )


def _minutes(codes: list[str]) -> tuple[int, int]:
    """How many of these questionnaires the library knows, and about how many minutes they take."""
    total = 0
    for code in codes:
        try:
            total += instrument_get(code).minutes
        except InstrumentNotFound:
            # An instrument withdrawn from the library still counts as a questionnaire to do;
            # it is only left out of the time estimate.
            continue
    return len(codes), total


# Labels that say when ("Before the course", "Three months after the course") read on from
# "Questionnaires"; others ("Weekly check-in") name the questionnaires.
_WHEN_WORDS = ("before", "after", "during", "at", "in")
# A follow-up's label says how long after first: "Three months after the course".
_WHEN_WITHIN_WORDS = 3


def questionnaire_task_name(label: str) -> str:
    """ "Before the course" → "Questionnaires before the course"; "Three months after the
    course" → "Questionnaires three months after the course"; "Check-in" → "Check-in
    questionnaires"."""
    words = label.lower().split(" ")[:_WHEN_WITHIN_WORDS]
    if words[0] in _WHEN_WORDS or any(word in ("after", "before") for word in words[1:]):
        return f"Questionnaires {label[:1].lower()}{label[1:]}"
    return f"{label} questionnaires"


def questionnaire_task(
    assessment: Assessment,
    *,
    now: dt.datetime,
    started: bool,
    sent: set[str],
    label: str,
    course_number: int,
) -> Task:
    """A set of questionnaires: its plain name, how many and how long, how far, and when it closes."""
    codes = list(assessment.instruments)
    count, minutes = _minutes(codes)
    done = len(sent & set(codes))
    hints = [
        f"{count} questionnaire{'s' if count != 1 else ''}, about {minutes} minutes"
        if minutes
        else f"{count} questionnaire{'s' if count != 1 else ''}"
    ]
    if assessment.completed_at is not None:
        status = TaskStatus.COMPLETED
    elif assessment.opens_at > now:
        status = TaskStatus.CANNOT_START
    elif started or done:
        status = TaskStatus.IN_PROGRESS
        left = _minutes([c for c in codes if c not in sent])[1]
        hints.append(
            f"{done} of {count} done" + (f", about {left} minutes left" if left and done else "")
        )
    else:
        status = TaskStatus.NOT_STARTED
    return Task(
        name=questionnaire_task_name(assessment.measurement_point.label),
        url=""
        if status == TaskStatus.CANNOT_START
        else reverse("questionnaires:questionnaire_start", args=[assessment.pk]),
        status=status,
        hints=hints,
        course=label,
        closes_at=assessment.closes_at,
        opens_at=assessment.opens_at if status == TaskStatus.CANNOT_START else None,
        sort_at=assessment.closes_at,
        course_number=course_number,
    )


def practice_has_begun(course: Course, *, now: dt.datetime) -> bool:
    """Home practice starts after the first session has begun (self-guided: once week 1 is open)."""
    if course.is_self_guided:
        return course.current_week is not None
    return any(session.starts_at <= now for session in course.sessions)


def practice_task(
    course: Course,
    *,
    days: int,
    week_start: dt.date,
    zone: zoneinfo.ZoneInfo,
    url: str,
    label: str,
    course_number: int,
) -> Task:
    """This week's home practice (or strategy log), due by the end of the person's Sunday."""
    strategy = course.program.log_kind == LogKind.STRATEGY
    sunday = week_start + dt.timedelta(days=6)
    if days:
        noun = "a strategy" if strategy else "practice"
        hints = [f"Logged {noun} on {days} day{'s' if days != 1 else ''} this week"]
    elif strategy:
        hints = ["Each time you use one of your strategies, note it: a few words are enough"]
    else:
        hints = ["Any practice counts, even a few minutes"]
    return Task(
        name="Log the strategies you use" if strategy else "Log practice",
        url=url,
        status=TaskStatus.IN_PROGRESS if days else TaskStatus.NOT_STARTED,
        hints=hints,
        course=label,
        due_date=sunday,
        # The end of their Sunday, where they are.
        sort_at=dt.datetime.combine(sunday + dt.timedelta(days=1), dt.time(), tzinfo=zone),
        course_number=course_number,
    )


def week_task(course: Course, *, url: str, label: str, course_number: int) -> Task | None:
    """A self-guided course's week to work through: completing it is what counts (no deadline)."""
    week = course.current_week
    if week is None:
        return None
    if week.is_completed:
        status = TaskStatus.COMPLETED
    elif week.draft_reflection:
        status = TaskStatus.IN_PROGRESS
    else:
        status = TaskStatus.NOT_STARTED
    return Task(
        name=f"Week {week.number}: {week.program_session.title}",
        url=url,
        status=status,
        hints=[
            "At your own pace: read the material, try the practice, then mark the week completed"
        ],
        course=label,
        course_number=course_number,
    )
