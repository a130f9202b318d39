"""Participant pages of the sessions app: home, week pages and the practice log."""

from __future__ import annotations

import itertools
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.dateformat import format as date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import User
from programs.models import Enrollment, LogKind, Program
from programs.selectors import enrollment_list_current_for_participant
from sessions.forms.participant import (
    ReflectionForm,
    log_form_class,
    log_form_initial,
)
from sessions.models import PracticeLog
from sessions.progress import (
    Course,
    Week,
    course_label,
    course_list_for_participant,
    course_query,
    enrollments_with_practice,
    local_today,
    text_lines,
    week_get_for_participant,
)
from sessions.selectors import practice_log_get_for_participant, practice_log_list_for_participant
from sessions.services.completion import CompletionError, completion_record
from sessions.services.practice import (
    PracticeError,
    practice_log_check_changeable,
    practice_log_create,
    practice_log_delete,
    practice_log_is_changeable,
    practice_log_update,
)

WEEK_TEMPLATE = "program_sessions/week_detail.html"
CHOOSE_TEMPLATE = "program_sessions/course_choose.html"


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has already turned anonymous visitors away.
    return cast(User, request.user)


def _chosen(request: HttpRequest, enrollments: list[Enrollment]) -> Enrollment | None:
    """The course a page is about: the one ?course= names, or the person's only one.

    None when they take part in several and have not said which: the page then asks rather
    than guessing. A course that is not among them (someone else's, one only invited to, one
    without home practice) is a 404, like any page the person cannot see.
    """
    raw = request.GET.get("course", "")
    if raw:
        found = next((e for e in enrollments if str(e.pk) == raw), None)
        if found is None:
            raise Http404
        return found
    if not enrollments:
        raise Http404
    return enrollments[0] if len(enrollments) == 1 else None


def _choose(request: HttpRequest, *, title: str, choices: list[dict[str, str]]) -> HttpResponse:
    return render(request, CHOOSE_TEMPLATE, {"title": title, "choices": choices})


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path: redirect() would take any other word for a URL name and fail with a 500.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _log_summary(log: PracticeLog, program: Program) -> str:
    name = program.practice_name(log.practice)
    if program.log_kind == LogKind.STRATEGY:
        return f"{name}, mood {log.mood_before} before and {log.mood_after} after"
    return f"{name}, {log.minutes} minute{'s' if log.minutes != 1 else ''}"


# --- home -------------------------------------------------------------------------------------


# --- week pages -------------------------------------------------------------------------------


def _week_context(
    course: Course, week: Week, reflection_form: ReflectionForm | None, *, query: str = ""
) -> dict[str, Any]:
    program_session = week.program_session
    program = course.program
    practices = [
        {**item, "adaptation_lines": text_lines(item.get("adaptations", ""))}
        for item in program_session.practice_items()
    ]
    timed = [p for p in practices if p.get("durations")]
    log_form = None
    if program.log_kind == LogKind.PRACTICE and program.practices:
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
    sessions = [s for s in course.sessions if s.program_session_id == program_session.pk]
    return {
        "course": course,
        "program": program,
        "week": week,
        "program_session": program_session,
        "aims": text_lines(program_session.aims),
        "material": text_lines(program_session.material),
        "home_practice": text_lines(program_session.home_practice),
        "session_adaptations": text_lines(program_session.adaptations),
        "practices": practices,
        "timed_practices": timed,
        "first_durations": timed[0]["durations"] if timed else [],
        "strategies": program.strategies if program.log_kind == LogKind.STRATEGY else [],
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


def _week_or_choice(request: HttpRequest, number: int) -> tuple[Course, Week, str] | HttpResponse:
    """The week of the course the page is about, with the ?course= that keeps it there; or, for
    someone in several courses who has not said which, a page to choose it on."""
    user = _user(request)
    enrollments = enrollments_with_practice(enrollment_list_current_for_participant(user=user))
    enrollment = _chosen(request, enrollments)
    if enrollment is None:
        choices = [
            {
                "label": f"{course_label(course.enrollment)}: week {number}, "
                f"{week.program_session.title}",
                "url": reverse("program_sessions:week_detail", args=[number])
                + course_query(course.enrollment, several=True),
            }
            for course in course_list_for_participant(user=user, enrollments=enrollments)
            if (week := course.week(number)) is not None and week.is_open
        ]
        if not choices:
            raise Http404
        return _choose(request, title=f"Week {number} of which course?", choices=choices)
    course, week = week_get_for_participant(user=user, enrollment=enrollment, number=number)
    return course, week, course_query(enrollment, several=len(enrollments) > 1)


def week_detail(request: HttpRequest, number: int) -> HttpResponse:
    """One week's material, practices with a timer, and the participant's reflection."""
    found = _week_or_choice(request, number)
    if isinstance(found, HttpResponse):
        return found
    course, week, query = found
    return render(request, WEEK_TEMPLATE, _week_context(course, week, None, query=query))


@require_POST
def week_complete(request: HttpRequest, number: int) -> HttpResponse:
    """Save the week's reflection for later, or mark the week completed."""
    found = _week_or_choice(request, number)
    if isinstance(found, HttpResponse):
        return found
    course, week, query = found
    form = ReflectionForm(request.POST, prompt=week.program_session.reflection_prompt)
    completed = request.POST.get("action") == "complete"
    if form.is_valid():
        try:
            completion_record(
                enrollment=course.enrollment,
                program_session=week.program_session,
                reflection=form.cleaned_data["reflection"],
                completed=completed,
            )
        except CompletionError as exc:
            form.add_error("reflection", str(exc))
        else:
            messages.success(request, _completion_message(course, week, completed=completed))
            return redirect(reverse("program_sessions:week_detail", args=[number]) + query)
    return render(request, WEEK_TEMPLATE, _week_context(course, week, form, query=query))


def _completion_message(course: Course, week: Week, *, completed: bool) -> str:
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


def practice_list(request: HttpRequest) -> HttpResponse:
    """Every practice entry of the participant's, in all their courses, newest first, grouped by
    their local date; labelled with the course when there is more than one."""
    user = _user(request)
    with_practice = enrollments_with_practice(enrollment_list_current_for_participant(user=user))
    several = len(with_practice) > 1
    logs = list(practice_log_list_for_participant(user=user))
    labelled = len({log.enrollment_id for log in logs} | {e.pk for e in with_practice}) > 1
    today = local_today(user=user)
    days: list[dict[str, Any]] = []
    for date, group in itertools.groupby(logs, key=lambda log: log.date):
        entries = [
            {
                "log": log,
                "summary": _log_summary(log, log.enrollment.cohort.program),
                "course": course_label(log.enrollment) if labelled else "",
                "changeable": practice_log_is_changeable(log=log, today=today),
            }
            for log in group
        ]
        days.append({"date": date, "entries": entries})
    log_links = [
        {
            "url": reverse("program_sessions:practice_create")
            + course_query(enrollment, several=several),
            "text": (
                "Log a strategy you used"
                if enrollment.cohort.program.log_kind == LogKind.STRATEGY
                else "Log practice"
            )
            + (f" for {course_label(enrollment)}" if several else ""),
        }
        for enrollment in with_practice
    ]
    return render(
        request,
        "program_sessions/practicelog_list.html",
        {"days": days, "log_links": log_links, "has_practice": bool(log_links or days)},
    )


def practice_create(request: HttpRequest) -> HttpResponse:
    """Log practice (or strategy use) in one of the participant's courses; the date starts as
    their today. Someone in several courses says which first."""
    user = _user(request)
    with_practice = enrollments_with_practice(enrollment_list_current_for_participant(user=user))
    enrollment = _chosen(request, with_practice)
    chosen = request.GET.get("practice", "")
    next_url = _safe_next(request)
    if enrollment is None:
        extra = {key: value for key, value in (("practice", chosen), ("next", next_url)) if value}
        return _choose(
            request,
            title="Which course is this practice for?",
            choices=[
                {
                    "label": course_label(e),
                    "url": reverse("program_sessions:practice_create")
                    + "?"
                    + urlencode({"course": e.pk, **extra}),
                }
                for e in with_practice
            ],
        )
    program = enrollment.cohort.program
    form_class = log_form_class(program)
    initial: dict[str, Any] = {}
    if chosen in dict(program.practice_choices() + program.strategy_choices()):
        initial[form_class.choice_field] = chosen
    form = form_class(
        request.POST if request.method == "POST" else None,
        program=program,
        today=local_today(user=user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            log = practice_log_create(enrollment=enrollment, **form.service_kwargs())
        except PracticeError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                f"Saved: {_log_summary(log, program)} on {date_format(log.date, 'l j F')}.",
            )
            return redirect(next_url or "program_sessions:practice_list")
    return render(
        request,
        "program_sessions/practicelog_form.html",
        {
            "form": form,
            "program": program,
            "log": None,
            "next_url": next_url,
            "course_label": course_label(enrollment) if len(with_practice) > 1 else "",
        },
    )


def practice_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one of the participant's entries from the last 7 days."""
    user = _user(request)
    log = practice_log_get_for_participant(user=user, pk=pk)
    program = log.enrollment.cohort.program
    today = local_today(user=user)
    if request.method != "POST":
        try:
            practice_log_check_changeable(log=log, today=today, verb="changed")
        except PracticeError as exc:
            messages.error(request, str(exc))
            return redirect("program_sessions:practice_list")
    form = log_form_class(program)(
        request.POST if request.method == "POST" else None,
        program=program,
        today=today,
        initial=log_form_initial(log, program),
    )
    if request.method == "POST" and form.is_valid():
        try:
            log = practice_log_update(log=log, **form.service_kwargs())
        except PracticeError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Your entry for {date_format(log.date, 'l j F')} is saved.")
            return redirect("program_sessions:practice_list")
    return render(
        request,
        "program_sessions/practicelog_form.html",
        {"form": form, "program": program, "log": log, "next_url": ""},
    )


def practice_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask before deleting one of the participant's recent entries, then delete it (POST)."""
    user = _user(request)
    log = practice_log_get_for_participant(user=user, pk=pk)
    program = log.enrollment.cohort.program
    try:
        if request.method == "POST":
            practice_log_delete(log=log)
            messages.success(request, "The entry is deleted.")
            return redirect("program_sessions:practice_list")
        practice_log_check_changeable(log=log, today=local_today(user=user), verb="deleted")
    except PracticeError as exc:
        messages.error(request, str(exc))
        return redirect("program_sessions:practice_list")
    return render(
        request,
        "program_sessions/practicelog_confirm_delete.html",
        {"log": log, "summary": _log_summary(log, program)},
    )


urlpatterns = [
    path("me/weeks/<int:number>/", week_detail, name="week_detail"),
    path("me/weeks/<int:number>/complete/", week_complete, name="week_complete"),
    path("me/practice/", practice_list, name="practice_list"),
    path("me/practice/new/", practice_create, name="practice_create"),
    path("me/practice/<int:pk>/edit/", practice_update, name="practice_update"),
    path("me/practice/<int:pk>/delete/", practice_delete, name="practice_delete"),
]
