"""Reads of the participant's home: every course they joined at a glance, with what is due.

It lives in reports because it brings the course (sessions) and the questionnaires due together.
Only the participant's own enrollments are read (programs.selectors, over programs.access).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from accounts.models import User
from programs.authoring.markdown import first_paragraph_text
from programs.models import Enrollment, LogKind
from programs.selectors import enrollment_list_current_for_participant
from sessions.progress import (
    Course,
    course_label,
    course_list_for_participant,
    course_query,
    enrollments_with_practice,
    local_today,
    practice_day_counts,
    text_lines,
)
from sessions.questionnaires.models import Assessment
from sessions.questionnaires.selectors import (
    assessment_instruments_answered,
    assessment_list_current_for_enrollments,
    assessment_next_opening,
)
from sessions.reports.selectors.home_tasks import (
    Task,
    practice_has_begun,
    practice_task,
    questionnaire_task,
    task_list_sorted,
    week_task,
)

__all__ = ["HomePage", "home_for_participant"]


@dataclass(frozen=True)
class HomePage:
    """Everything the home page shows, under the names its template uses."""

    # What is due across every course, soonest deadline first (GOV.UK task list).
    tasks: list[Task]
    # Whether any questionnaire set is open or opening soon (else the list says there is none).
    has_questionnaires: bool
    # With nothing to answer now: when the next questionnaires open (waitlist and follow-ups).
    next_questionnaires: Assessment | None
    cards: list[dict[str, Any]]  # one per course joined
    several: bool
    invitations: list[dict[str, Any]]  # invitations not accepted yet
    zone_label: str
    # With several courses each has a heading of its own, and its parts sit one level below.
    heading: int
    subheading: int

    def as_context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def home_for_participant(*, user: User, now: dt.datetime) -> HomePage:
    """Every course the participant joined at a glance: first what is due (a task list across
    their courses, soonest deadline first), then per course the next session, this week, progress,
    catching up; and any invitation they have not accepted yet, as one line (it replaces nothing)."""
    current = enrollment_list_current_for_participant(user=user)
    joined = current.joined
    several = len(joined) > 1
    today = local_today(user=user, now=now)
    week_start = today - dt.timedelta(days=today.weekday())
    with_practice = enrollments_with_practice(current)
    courses = {
        course.enrollment.pk: course
        for course in course_list_for_participant(user=user, enrollments=with_practice, now=now)
    }
    practice_days = practice_day_counts(enrollments=with_practice, first=week_start, last=today)
    asked = [*joined, *current.finished]
    assessments = (
        assessment_list_current_for_enrollments(enrollments=asked, now=now) if asked else []
    )
    answered = assessment_instruments_answered(assessments=assessments) if assessments else {}
    cards = []
    tasks: list[Task] = []
    for number, enrollment in enumerate(joined, start=1):
        course = courses.get(enrollment.pk)
        card = _course_card(
            enrollment,
            course,
            number=number,
            several=several,
            practice_days=practice_days.get(enrollment.pk, 0),
            week_start=week_start,
            now=now,
        )
        cards.append(card)
        label = card["label"] if several else ""
        for assessment in assessments:
            if assessment.enrollment_id == enrollment.pk:
                started, sent = answered.get(assessment.pk, (False, set()))
                tasks.append(
                    questionnaire_task(
                        assessment,
                        now=now,
                        started=started,
                        sent=sent,
                        label=label,
                        course_number=number,
                    )
                )
        if course is not None:
            tasks.extend(
                _course_tasks(
                    course, card, user=user, label=label, number=number, week_start=week_start
                )
            )
    # A course marked completed has no card, but its questionnaires after the course (a
    # follow-up months later) are still the person's to do.
    for number, enrollment in enumerate(current.finished, start=len(joined) + 1):
        label = course_label(enrollment) if len(asked) > 1 else ""
        for assessment in assessments:
            if assessment.enrollment_id == enrollment.pk:
                started, sent = answered.get(assessment.pk, (False, set()))
                tasks.append(
                    questionnaire_task(
                        assessment,
                        now=now,
                        started=started,
                        sent=sent,
                        label=label,
                        course_number=number,
                    )
                )
    return HomePage(
        tasks=task_list_sorted(tasks),
        has_questionnaires=bool(assessments),
        next_questionnaires=(
            assessment_next_opening(enrollments=asked, now=now)
            if asked and not assessments
            else None
        ),
        cards=cards,
        several=several,
        invitations=[{"enrollment": e, "label": course_label(e)} for e in current.invited],
        zone_label=user.timezone.replace("_", " "),
        heading=3 if several else 2,
        subheading=4 if several else 3,
    )


def _course_tasks(
    course: Course,
    card: dict[str, Any],
    *,
    user: User,
    label: str,
    number: int,
    week_start: dt.date,
) -> list[Task]:
    """A course's own tasks: its week (self-guided) and this week's practice, once it has begun."""
    tasks = []
    if course.is_self_guided and course.current_week is not None:
        task = week_task(
            course,
            url=reverse("program_sessions:week_detail", args=[course.current_week.number])
            + card["query"],
            label=label,
            course_number=number,
        )
        if task is not None:
            tasks.append(task)
    if card["practice_has_begun"]:
        tasks.append(
            practice_task(
                course,
                days=card["practice_days"],
                week_start=week_start,
                zone=user.zoneinfo,
                url=card["log_url"],
                label=label,
                course_number=number,
            )
        )
    return tasks


def _course_card(
    enrollment: Enrollment,
    course: Course | None,
    *,
    number: int,
    several: bool,
    practice_days: int,
    week_start: dt.date,
    now: dt.datetime,
) -> dict[str, Any]:
    """What the home page shows of one course."""
    card: dict[str, Any] = {
        "enrollment": enrollment,
        "label": course_label(enrollment),
        "query": course_query(enrollment, several=several),
        # Ids stay unique on a page with several courses.
        "suffix": f"-{number}" if several else "",
        "practice_has_begun": False,
    }
    if course is not None:
        current = course.current_week
        begun = practice_has_begun(course, now=now)
        card.update(
            course=course,
            program=course.program,
            next_session=course.next_session,
            next_session_length=_duration(course.next_session.duration_minutes)
            if course.next_session
            else "",
            current_week=current,
            open_weeks=course.open_weeks,
            current_intro=[first_paragraph_text(current.program_session.material)]
            if current
            else [],
            # Before the first session the week is there to prepare; its practice comes after.
            current_home_practice=text_lines(current.program_session.home_practice)
            if current and begun
            else [],
            practice_has_begun=begun,
            practice_days=practice_days,
            week_start=week_start,
            start_date=enrollment.start_date or enrollment.cohort.start_date,
            is_strategy_log=course.program.log_kind == LogKind.STRATEGY,
            log_url=_log_url(course, query=card["query"]),
        )
    return card


def _log_url(course: Course, *, query: str = "") -> str:
    """The log form (of this course, for someone with several), with this week's first practice
    already chosen."""
    url = reverse("program_sessions:practice_create") + query
    week = course.current_week
    if week is not None and week.program_session.practices:
        joiner = "&" if query else "?"
        return f"{url}{joiner}{urlencode({'practice': week.program_session.practices[0]})}"
    return url


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)
