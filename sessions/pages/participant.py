"""The participant pages' contents: a week of their course, their practice log, and choosing a course.

Someone taking part in several courses says which one a page is about with ?course=; until they
have, the page offers the choice (`CourseChoice`) rather than guessing. Only their own joined
courses are ever offered or found (programs.selectors, through programs.access).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from programs.authoring.selectors import recording_list_for_practices
from programs.models import Enrollment, LogKind, Program
from programs.selectors import enrollment_list_current_for_participant
from sessions.forms.participant import ReflectionForm, log_form_class
from sessions.models import PracticeLog
from sessions.progress import (
    Course,
    Week,
    course_label,
    course_list_for_participant,
    course_query,
    enrollment_ids_practice_begun,
    enrollments_with_practice,
    local_today,
    text_lines,
    week_get_for_participant,
)
from sessions.selectors import practice_log_list_for_participant
from sessions.services.practice import practice_log_is_changeable


@dataclass(frozen=True)
class CourseChoice:
    """A page asking which course: a title and links, each to the page on one course."""

    title: str
    choices: list[dict[str, str]]


def course_chosen(enrollments: list[Enrollment], raw: str) -> Enrollment | None:
    """The course a page is about: the one ?course= names (`raw`), or the person's only one.

    None when they take part in several and have not said which: the page then asks rather
    than guessing. A course that is not among them (someone else's, one only invited to, one
    without home practice) is a 404, like any page the person cannot see.
    """
    if raw:
        found = next((e for e in enrollments if str(e.pk) == raw), None)
        if found is None:
            raise Http404
        return found
    if not enrollments:
        raise Http404
    return enrollments[0] if len(enrollments) == 1 else None


def courses_with_practice(*, user: User) -> list[Enrollment]:
    """The participant's joined courses that have sessions and home practice."""
    return enrollments_with_practice(enrollment_list_current_for_participant(user=user))


def log_summary(log: PracticeLog, program: Program) -> str:
    name = program.practice_name(log.practice)
    if program.log_kind == LogKind.STRATEGY:
        return f"{name}, mood {log.mood_before} before and {log.mood_after} after"
    return f"{name}, {log.minutes} minute{'s' if log.minutes != 1 else ''}"


# --- week pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekPage:
    course: Course
    week: Week
    # The ?course= that keeps the page on this course (empty for someone with only one).
    query: str


def week_page_get(*, user: User, number: int, course: str) -> WeekPage | CourseChoice:
    """The week of the course the page is about (`course` is the ?course= given); or, for
    someone in several courses who has not said which, the choice of it. A week that is not
    open to them is a 404."""
    enrollments = courses_with_practice(user=user)
    enrollment = course_chosen(enrollments, course)
    if enrollment is None:
        choices = [
            {
                "label": f"{course_label(found.enrollment)}: week {number}, "
                f"{week.program_session.title}",
                "url": reverse("program_sessions:week_detail", args=[number])
                + course_query(found.enrollment, several=True),
            }
            for found in course_list_for_participant(user=user, enrollments=enrollments)
            if (week := found.week(number)) is not None and week.is_open
        ]
        if not choices:
            raise Http404
        return CourseChoice(title=f"Week {number} of which course?", choices=choices)
    chosen, week = week_get_for_participant(user=user, enrollment=enrollment, number=number)
    return WeekPage(chosen, week, course_query(enrollment, several=len(enrollments) > 1))


def week_is_completable(page: WeekPage) -> bool:
    """Whether the participant marks this week completed themselves: in a self-guided course their
    completion is what counts; in a group or one-on-one course attendance is the facilitator's, and
    only a session they missed is theirs to catch up on (the facilitator then confirms it)."""
    return page.course.is_self_guided or page.week.missed


def week_context(
    page: WeekPage, reflection_form: ReflectionForm | None, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """What the week page shows; `reflection_form` when a posted reflection comes back."""
    course, week, query = page.course, page.week, page.query
    program_session = week.program_session
    program = course.program
    now = now or timezone.now()
    sessions = [s for s in course.sessions if s.program_session_id == program_session.pk]
    # A week opened ahead of its session is there to prepare: its practice starts after it.
    upcoming = (
        None
        if course.is_self_guided or week.missed or any(s.starts_at <= now for s in sessions)
        else next((s for s in sessions if s.starts_at > now), None)
    )
    can_log = upcoming is None and program.log_kind == LogKind.PRACTICE and bool(program.practices)
    items = program_session.practice_items()
    # The guided recordings of the week's practices (one query for the page), each player with
    # a link to log the practice that the player fills with the minutes listened.
    recordings = recording_list_for_practices(
        program=program, practice_codes=[item["code"] for item in items]
    )
    practices = [
        {
            **item,
            "adaptation_lines": text_lines(item.get("adaptations", "")),
            "recordings": [r for r in recordings if r.practice_code == item["code"]],
            "log_url": practice_log_url(
                practice=item["code"], course_query=query, week_number=week.number
            )
            if can_log
            else "",
        }
        for item in items
    ]
    timed = [p for p in practices if p.get("durations")]
    log_form = None
    if can_log:
        form_class = log_form_class(program)
        log_form = form_class(
            program=program,
            today=course.today,
            initial={"practice": timed[0]["code"]} if timed else {},
        )
    if reflection_form is None:
        reflection_form = ReflectionForm(
            prompt=program_session.reflection_prompt,
            initial={"reflection": week.draft_reflection},
        )
    return {
        "course": course,
        "program": program,
        "week": week,
        "program_session": program_session,
        "aims": text_lines(program_session.aims),
        "material": program_session.material,
        "home_practice": text_lines(program_session.home_practice),
        "session_adaptations": text_lines(program_session.adaptations),
        "practices": practices,
        "timed_practices": timed,
        "has_recordings": bool(recordings),
        "first_durations": timed[0]["durations"] if timed else [],
        "strategies": program.strategies if program.log_kind == LogKind.STRATEGY else [],
        "is_strategy_log": program.log_kind == LogKind.STRATEGY,
        "upcoming_session": upcoming,
        "can_complete": week_is_completable(page),
        "log_form": log_form,
        "reflection_form": reflection_form,
        "week_sessions": sessions,
        # Only a group or one-on-one session can be missed; self-guided weeks have none.
        "is_catch_up": week.missed and not course.is_self_guided,
        # Also when the reflection form comes back with errors from week_complete's own URL.
        "next_url": reverse("program_sessions:week_detail", args=[week.number]) + query,
        # Keeps the log and reflection forms on this course for someone with several.
        "course_query": query,
        "course_label": course_label(course.enrollment) if query else "",
    }


def practice_log_url(*, practice: str, course_query: str, week_number: int) -> str:
    """The practice log form on one practice, coming back to the week page once saved."""
    params = dict(parse_qsl(course_query.lstrip("?")))
    next_url = reverse("program_sessions:week_detail", args=[week_number]) + course_query
    return (
        reverse("program_sessions:practice_create")
        + "?"
        + urlencode({**params, "practice": practice, "next": next_url})
    )


def completion_message(page: WeekPage, *, completed: bool) -> str:
    """What saving the week's reflection (or completing the week) says."""
    course, week = page.course, page.week
    if not completed or week.is_completed:
        return "Your reflection is saved. It will be here when you come back."
    if week.missed and not course.is_self_guided:
        return (
            f"Thank you for catching up on week {week.number}. "
            "Your facilitator will count this as a catch-up."
        )
    message = f"Well done: you have completed week {week.number}."
    following = course.week(week.number + 1)
    if course.is_self_guided and following is not None and not following.is_open:
        # Completing a self-guided week is what opens the next one.
        message += f" Week {following.number} is now open."
    return message


# --- practice log -----------------------------------------------------------------------------


def log_title(programs: list[Program]) -> str:
    """What the person's log is called: practice, strategies, or both, as their courses ask."""
    kinds = {program.log_kind for program in programs}
    if kinds == {LogKind.STRATEGY}:
        return "My strategy log"
    if LogKind.STRATEGY in kinds:
        return "My practice and strategy log"
    return "My practice log"


def log_link_text(program: Program) -> str:
    return "Log a strategy you used" if program.log_kind == LogKind.STRATEGY else "Log practice"


def practice_list_context(*, user: User, course: str = "") -> dict[str, Any]:
    """Every practice entry of the participant's, in all their courses (or the one ?course=
    names), newest first, grouped by their local date; each labelled with its course when there
    is more than one, with links to show one course at a time."""
    with_practice = courses_with_practice(user=user)
    several = len(with_practice) > 1
    chosen = course_chosen(with_practice, course) if course else None
    logs = list(practice_log_list_for_participant(user=user))
    labelled = len({log.enrollment_id for log in logs} | {e.pk for e in with_practice}) > 1
    if chosen is not None:
        logs = [log for log in logs if log.enrollment_id == chosen.pk]
    today = local_today(user=user)
    days: list[dict[str, Any]] = []
    for date, group in itertools.groupby(logs, key=lambda log: log.date):
        entries = [
            {
                "log": log,
                "summary": log_summary(log, log.enrollment.cohort.program),
                "course": course_label(log.enrollment) if labelled else "",
                "changeable": practice_log_is_changeable(log=log, today=today),
            }
            for log in group
        ]
        days.append({"date": date, "entries": entries})
    shown = [chosen] if chosen is not None else with_practice
    # Nothing suggests practice is due before a course's first session (its week 1, self-guided).
    begun = enrollment_ids_practice_begun(user=user, enrollments=shown)
    log_links = [
        {
            "url": reverse("program_sessions:practice_create")
            + course_query(enrollment, several=several),
            "text": log_link_text(enrollment.cohort.program)
            + (f" for {course_label(enrollment)}" if several else ""),
        }
        for enrollment in shown
        if enrollment.pk in begun
    ]
    # Someone in several courses can look at one at a time; "All courses" is where they start.
    filters = (
        [
            {
                "label": "All courses",
                "url": reverse("program_sessions:practice_list"),
                "current": chosen is None,
            }
        ]
        + [
            {
                "label": course_label(enrollment),
                "url": reverse("program_sessions:practice_list")
                + course_query(enrollment, several=True),
                "current": chosen is not None and chosen.pk == enrollment.pk,
            }
            for enrollment in with_practice
        ]
        if several
        else []
    )
    programs = [e.cohort.program for e in shown] or [log.enrollment.cohort.program for log in logs]
    return {
        "title": log_title(programs),
        "days": days,
        "log_links": log_links,
        "filters": filters,
        "chosen_label": course_label(chosen) if chosen is not None else "",
        "has_practice": bool(shown or days),
        "not_begun": bool(shown) and not begun,
        "is_strategy_log": bool(programs) and all(p.log_kind == LogKind.STRATEGY for p in programs),
    }


def practice_course_label(*, user: User, log: PracticeLog) -> str:
    """The course an existing entry belongs to, named for someone with several (else empty)."""
    if len(courses_with_practice(user=user)) > 1:
        return course_label(log.enrollment)
    return ""


@dataclass(frozen=True)
class PracticeCourse:
    enrollment: Enrollment
    # Shown on the form only to someone with several courses.
    label: str


def practice_course_get(
    *, user: User, course: str, practice: str, next_url: str
) -> PracticeCourse | CourseChoice:
    """The course a new practice entry is for (`course` is the ?course= given); or, for someone
    in several who has not said which, the choice of it, keeping the practice and the page to
    return to."""
    with_practice = courses_with_practice(user=user)
    enrollment = course_chosen(with_practice, course)
    if enrollment is None:
        extra = {key: value for key, value in (("practice", practice), ("next", next_url)) if value}
        return CourseChoice(
            title="Which course are you logging for?",
            choices=[
                {
                    "label": f"{course_label(e)}: {log_link_text(e.cohort.program).lower()}",
                    "url": reverse("program_sessions:practice_create")
                    + "?"
                    + urlencode({"course": e.pk, **extra}),
                }
                for e in with_practice
            ],
        )
    return PracticeCourse(
        enrollment=enrollment,
        label=course_label(enrollment) if len(with_practice) > 1 else "",
    )
