"""Participant pages of the sessions app: week pages and the practice log.

What each page shows is put together in sessions.pages.participant; someone in several courses
who has not said which one a page is about is asked (course_choose.html).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_POST

from accounts.consent import safe_next
from accounts.http import AuthenticatedHttpRequest
from sessions.forms.participant import (
    ReflectionForm,
    log_form_class,
    log_form_initial,
    log_form_initial_choice,
)
from sessions.pages.participant import (
    CourseChoice,
    completion_message,
    log_summary,
    practice_course_get,
    practice_course_label,
    practice_list_context,
    week_context,
    week_is_completable,
    week_page_get,
)
from sessions.progress import local_today
from sessions.selectors import practice_log_get_for_participant
from sessions.services.completion import CompletionError, completion_record
from sessions.services.practice import (
    PracticeError,
    practice_log_check_changeable,
    practice_log_create,
    practice_log_delete,
    practice_log_update,
)

WEEK_TEMPLATE = "program_sessions/week_detail.html"
CHOOSE_TEMPLATE = "program_sessions/course_choose.html"


def _choose(request: AuthenticatedHttpRequest, choice: CourseChoice) -> HttpResponse:
    return render(request, CHOOSE_TEMPLATE, {"title": choice.title, "choices": choice.choices})


# --- week pages -------------------------------------------------------------------------------


def week_detail(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """One week's material, practices with a timer, and the participant's reflection."""
    page = week_page_get(user=request.user, number=number, course=request.GET.get("course", ""))
    if isinstance(page, CourseChoice):
        return _choose(request, page)
    return render(request, WEEK_TEMPLATE, week_context(page, None))


@require_POST
def week_complete(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """Save the week's reflection for later, or mark the week completed."""
    page = week_page_get(user=request.user, number=number, course=request.GET.get("course", ""))
    if isinstance(page, CourseChoice):
        return _choose(request, page)
    form = ReflectionForm(request.POST, prompt=page.week.program_session.reflection_prompt)
    # Only a week that is the participant's to complete can be marked so, whatever is posted.
    completed = request.POST.get("action") == "complete" and week_is_completable(page)
    if form.is_valid():
        try:
            completion_record(
                enrollment=page.course.enrollment,
                program_session=page.week.program_session,
                reflection=form.cleaned_data["reflection"],
                completed=completed,
            )
        except CompletionError as exc:
            form.add_error("reflection", str(exc))
        else:
            messages.success(request, completion_message(page, completed=completed))
            return redirect(reverse("program_sessions:week_detail", args=[number]) + page.query)
    return render(request, WEEK_TEMPLATE, week_context(page, form))


# --- practice log -----------------------------------------------------------------------------


def practice_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every practice entry of the participant's, in all their courses (or the one ?course=
    names), newest first, grouped by their local date; labelled with the course when there is
    more than one."""
    return render(
        request,
        "program_sessions/practicelog_list.html",
        practice_list_context(user=request.user, course=request.GET.get("course", "")),
    )


def practice_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Log practice (or strategy use) in one of the participant's courses; the date starts as
    their today. Someone in several courses says which first."""
    chosen = request.GET.get("practice", "")
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next")) or ""
    found = practice_course_get(
        user=request.user,
        course=request.GET.get("course", ""),
        practice=chosen,
        next_url=next_url,
    )
    if isinstance(found, CourseChoice):
        return _choose(request, found)
    program = found.enrollment.cohort.program
    form = log_form_class(program)(
        request.POST if request.method == "POST" else None,
        program=program,
        today=local_today(user=request.user),
        initial=log_form_initial_choice(program, chosen, request.GET.get("minutes", "")),
    )
    if request.method == "POST" and form.is_valid():
        try:
            log = practice_log_create(enrollment=found.enrollment, **form.service_kwargs())
        except PracticeError as exc:
            form.add_service_error(exc)
        else:
            where = f" for {found.label}" if found.label else ""
            messages.success(
                request,
                f"Saved{where}: {log_summary(log, program)} on {date_format(log.date, 'l j F')}.",
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
            "course_label": found.label,
        },
    )


def practice_update(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change one of the participant's entries from the last 7 days."""
    log = practice_log_get_for_participant(user=request.user, pk=pk)
    program = log.enrollment.cohort.program
    today = local_today(user=request.user)
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
        {
            "form": form,
            "program": program,
            "log": log,
            "next_url": "",
            "course_label": practice_course_label(user=request.user, log=log),
        },
    )


def practice_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask before deleting one of the participant's recent entries, then delete it (POST)."""
    log = practice_log_get_for_participant(user=request.user, pk=pk)
    program = log.enrollment.cohort.program
    try:
        if request.method == "POST":
            practice_log_delete(log=log)
            messages.success(request, "The entry is deleted.")
            return redirect("program_sessions:practice_list")
        practice_log_check_changeable(log=log, today=local_today(user=request.user), verb="deleted")
    except PracticeError as exc:
        messages.error(request, str(exc))
        return redirect("program_sessions:practice_list")
    return render(
        request,
        "program_sessions/practicelog_confirm_delete.html",
        {
            "log": log,
            "summary": log_summary(log, program),
            "course_label": practice_course_label(user=request.user, log=log),
        },
    )


urlpatterns = [
    path("me/weeks/<int:number>/", week_detail, name="week_detail"),
    path("me/weeks/<int:number>/complete/", week_complete, name="week_complete"),
    path("me/practice/", practice_list, name="practice_list"),
    path("me/practice/new/", practice_create, name="practice_create"),
    path("me/practice/<int:pk>/edit/", practice_update, name="practice_update"),
    path("me/practice/<int:pk>/delete/", practice_delete, name="practice_delete"),
]
