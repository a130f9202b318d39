"""Participant pages of the sessions app: home, week pages and the practice log."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import User
from programs.models import Enrollment, LogKind, Program
from programs.selectors import enrollment_get_current_for_participant
from sessions.forms.participant import (
    ReflectionForm,
    log_form_class,
    log_form_initial,
)
from sessions.models import PracticeLog
from sessions.progress import (
    Course,
    Week,
    course_get_for_participant,
    local_today,
    practice_day_count,
    week_get_for_participant,
)
from sessions.selectors import (
    assessment_ids_started,
    assessment_list_due_for_enrollment,
    practice_log_get_for_participant,
    practice_log_list_for_enrollment,
)
from sessions.services.completion import CompletionError, completion_record
from sessions.services.practice import (
    PracticeError,
    practice_log_check_changeable,
    practice_log_create,
    practice_log_delete,
    practice_log_is_changeable,
    practice_log_update,
)

HOME_TEMPLATE = "program_sessions/participant_home.html"
WEEK_TEMPLATE = "program_sessions/week_detail.html"


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has already turned anonymous visitors away.
    return cast(User, request.user)


def _lines(text: str) -> list[str]:
    """Program content is written one paragraph (or list item) per line."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def _current_enrollment_with_practice(user: User) -> Enrollment:
    """The participant's current course, if it has home practice to log; else 404."""
    enrollment = enrollment_get_current_for_participant(user=user)
    if enrollment is None or not enrollment.gets_sessions:
        raise Http404
    return enrollment


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


def participant_home(request: HttpRequest) -> HttpResponse:
    """The participant's course at a glance: next session, this week, progress, catching up."""
    user = _user(request)
    enrollment = enrollment_get_current_for_participant(user=user)
    context: dict[str, Any] = {
        "enrollment": enrollment,
        "zone_label": user.timezone.replace("_", " "),
        "due_questionnaires": _due_questionnaires(enrollment) if enrollment else [],
    }
    if enrollment is not None and enrollment.gets_sessions:
        course = course_get_for_participant(user=user, enrollment=enrollment)
        week_start = course.today - dt.timedelta(days=course.today.weekday())
        current = course.current_week
        context.update(
            course=course,
            program=course.program,
            next_session=course.next_session,
            next_session_length=_duration(course.next_session.duration_minutes)
            if course.next_session
            else "",
            current_week=current,
            open_weeks=course.open_weeks,
            current_intro=_lines(current.program_session.material)[:1] if current else [],
            current_home_practice=_lines(current.program_session.home_practice) if current else [],
            practice_days=practice_day_count(
                enrollment=enrollment, first=week_start, last=course.today
            ),
            week_start=week_start,
            start_date=enrollment.start_date or enrollment.cohort.start_date,
            is_strategy_log=course.program.log_kind == LogKind.STRATEGY,
            log_url=_log_url(course),
        )
    return render(request, HOME_TEMPLATE, context)


def _due_questionnaires(enrollment: Enrollment) -> list[dict[str, Any]]:
    """Questionnaires open now or soon, each with whether the participant has started it."""
    due = assessment_list_due_for_enrollment(enrollment=enrollment)
    started = assessment_ids_started(assessments=due) if due else set()
    now = timezone.now()
    return [
        {
            "assessment": assessment,
            "is_open": assessment.opens_at <= now,
            "started": assessment.pk in started,
            "url": reverse("program_sessions:questionnaire_start", args=[assessment.pk]),
        }
        for assessment in due
    ]


def _log_url(course: Course) -> str:
    """The log form, with this week's first practice already chosen."""
    url = reverse("program_sessions:practice_create")
    week = course.current_week
    if week is not None and week.program_session.practices:
        return f"{url}?{urlencode({'practice': week.program_session.practices[0]})}"
    return url


# --- week pages -------------------------------------------------------------------------------


def _week_context(
    course: Course, week: Week, reflection_form: ReflectionForm | None
) -> dict[str, Any]:
    program_session = week.program_session
    program = course.program
    practices = [
        {**item, "adaptation_lines": _lines(item.get("adaptations", ""))}
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
        "aims": _lines(program_session.aims),
        "material": _lines(program_session.material),
        "home_practice": _lines(program_session.home_practice),
        "session_adaptations": _lines(program_session.adaptations),
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
        "next_url": reverse("program_sessions:week_detail", args=[week.number]),
    }


def week_detail(request: HttpRequest, number: int) -> HttpResponse:
    """One week's material, practices with a timer, and the participant's reflection."""
    course, week = week_get_for_participant(user=_user(request), number=number)
    return render(request, WEEK_TEMPLATE, _week_context(course, week, None))


@require_POST
def week_complete(request: HttpRequest, number: int) -> HttpResponse:
    """Save the week's reflection for later, or mark the week completed."""
    user = _user(request)
    course, week = week_get_for_participant(user=user, number=number)
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
            return redirect("program_sessions:week_detail", number=number)
    return render(request, WEEK_TEMPLATE, _week_context(course, week, form))


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
    """The participant's practice entries, newest first, grouped by their local date."""
    user = _user(request)
    enrollment = enrollment_get_current_for_participant(user=user)
    days: list[dict[str, Any]] = []
    program = None
    if enrollment is not None and enrollment.gets_sessions:
        program = enrollment.cohort.program
        today = local_today(user=user)
        logs = practice_log_list_for_enrollment(enrollment=enrollment)
        for date, group in itertools.groupby(logs, key=lambda log: log.date):
            entries = [
                {
                    "log": log,
                    "summary": _log_summary(log, program),
                    "changeable": practice_log_is_changeable(log=log, today=today),
                }
                for log in group
            ]
            days.append({"date": date, "entries": entries})
    return render(
        request,
        "program_sessions/practicelog_list.html",
        {
            "enrollment": enrollment,
            "program": program,
            "days": days,
            "has_practice": program is not None,
            "is_strategy_log": program is not None and program.log_kind == LogKind.STRATEGY,
        },
    )


def practice_create(request: HttpRequest) -> HttpResponse:
    """Log practice (or strategy use); the date starts as the participant's today."""
    user = _user(request)
    enrollment = _current_enrollment_with_practice(user)
    program = enrollment.cohort.program
    form_class = log_form_class(program)
    initial: dict[str, Any] = {}
    chosen = request.GET.get("practice", "")
    if chosen in dict(program.practice_choices() + program.strategy_choices()):
        initial[form_class.choice_field] = chosen
    form = form_class(
        request.POST if request.method == "POST" else None,
        program=program,
        today=local_today(user=user),
        initial=initial,
    )
    next_url = _safe_next(request)
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
        {"form": form, "program": program, "log": None, "next_url": next_url},
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
    path("me/", participant_home, name="participant_home"),
    path("me/weeks/<int:number>/", week_detail, name="week_detail"),
    path("me/weeks/<int:number>/complete/", week_complete, name="week_complete"),
    path("me/practice/", practice_list, name="practice_list"),
    path("me/practice/new/", practice_create, name="practice_create"),
    path("me/practice/<int:pk>/edit/", practice_update, name="practice_update"),
    path("me/practice/<int:pk>/delete/", practice_delete, name="practice_delete"),
]
