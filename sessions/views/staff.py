"""Staff pages of the sessions app: the attendance grid, and one session's page and its changes.

Facilitators of the cohort and coordinators of its organization reach these pages through the
staff selectors; anyone else gets 404. What each page shows is put together in
sessions.pages.staff.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.consent import safe_next
from accounts.http import AuthenticatedHttpRequest
from accounts.templatetags.stillwater import when
from programs.access import cohort_get_for_staff
from sessions.forms.staff import (
    AttendanceGridForm,
    CancelForm,
    ConfirmMakeupForm,
    FollowUpResolveForm,
    MakeupForm,
    RescheduleForm,
    grid_data_with_saved,
)
from sessions.pages.staff import (
    attendance_grid_get,
    attendance_saved_message,
    grid_url,
    reschedule_initial,
    reschedule_message,
    session_note_forms,
    session_page_get,
)
from sessions.rosters import posted_cells
from sessions.selectors import (
    enrollment_list_for_makeup,
    follow_up_get_for_staff,
    scheduled_session_get_for_staff,
    session_completion_get_for_staff,
)
from sessions.services.attendance import (
    AttendanceError,
    attendance_confirm_makeup,
    attendance_record,
)
from sessions.services.followups import FollowUpError, follow_up_resolve
from sessions.services.notes import NoteError, note_list_view_record, note_save
from sessions.services.schedule import (
    ScheduleError,
    session_add_makeup,
    session_cancel,
    session_reschedule,
)

SESSION_TEMPLATE = "program_sessions/scheduledsession_detail.html"


# --- the attendance grid ------------------------------------------------------------------


def attendance_grid(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record attendance for every held session at once; bad cells come back with their reason."""
    user = request.user
    cohort = cohort_get_for_staff(user=user, pk=pk)
    only_session = None
    if request.GET.get("session"):
        try:
            session_pk = int(request.GET["session"])
        except ValueError:
            raise Http404 from None
        only_session = scheduled_session_get_for_staff(user=user, pk=session_pk, cohort=cohort)
    now = timezone.now()
    posted = posted_cells(request.POST) if request.method == "POST" else set()
    grid = attendance_grid_get(cohort=cohort, only_session=only_session, posted=posted, now=now)
    form = AttendanceGridForm(request.POST if request.method == "POST" else None, grid=grid)
    saved_count = None
    if request.method == "POST":
        # Field errors (minutes that are not a number) stay on their cells; every other cell
        # is still offered to the service, which saves all the valid ones.
        form.is_valid()
        entries = form.entries(
            mark_present=request.POST.get("mark_present", ""),
            confirm=request.POST.get("confirm", ""),
        )
        result = attendance_record(entries=entries, recorded_by=user, now=now)
        if not form.errors and not result.invalid:
            if result.saved:
                messages.success(request, attendance_saved_message(len(result.saved)))
            else:
                messages.info(request, "Nothing had changed, so there was nothing to save.")
            return redirect(grid_url(cohort, only_session))
        saved_count = len(result.saved)
        grid = attendance_grid_get(cohort=cohort, only_session=only_session, posted=posted, now=now)
        form = AttendanceGridForm(grid_data_with_saved(request.POST, result.saved), grid=grid)
        form.is_valid()
        form.add_invalid(result.invalid)
    return render(
        request,
        "program_sessions/attendance_grid.html",
        {
            "cohort": cohort,
            "grid": form.grid,
            "form": form,
            "only_session": only_session,
            "saved_count": saved_count,
            "grid_url": grid_url(cohort, only_session),
        },
    )


# --- one session --------------------------------------------------------------------------


def session_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One session for staff: details, attendance, and the staff-only notes with their history."""
    session = scheduled_session_get_for_staff(user=request.user, pk=pk)
    note_forms, notes = session_note_forms(session=session)
    page = session_page_get(session=session, note_forms=note_forms)
    # The page as opened (a note refused on saving redraws it without this): one audit event
    # for the staff notes it shows.
    note_list_view_record(
        request=request,
        viewer=request.user,
        scheduled_session=session,
        notes=notes,
        participant_count=len(page.participants),
    )
    return render(request, SESSION_TEMPLATE, page.context)


@require_POST
def note_save_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Save the session's note or a participant's note; an empty note comes back with a message."""
    session = scheduled_session_get_for_staff(user=request.user, pk=pk)
    prefix = request.POST.get("which", "")
    forms, _notes = session_note_forms(session=session, bound=(prefix, request.POST))
    block = forms.find(prefix)
    if block is None:
        raise Http404
    form = block.form
    if form.is_valid():
        # Only the new-note form chooses a participant; the others are fixed by the page.
        enrollment = form.cleaned_data["enrollment"] if block is forms.new else block.enrollment
        try:
            note_save(
                scheduled_session=session,
                enrollment=enrollment,
                text=form.cleaned_data["text"],
                author=request.user,
            )
        except NoteError as exc:
            form.add_error("text", str(exc))
        else:
            who = f" on {enrollment.participant_code}" if enrollment else ""
            messages.success(request, f"Note{who} saved.")
            anchor = f"#note-e{enrollment.pk}" if enrollment else "#note-session"
            return redirect(reverse("program_sessions:session_detail", args=[session.pk]) + anchor)
    page = session_page_get(session=session, note_forms=forms)
    return render(request, SESSION_TEMPLATE, page.context)


def session_reschedule_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Move a session to a new local date and time, and optionally every later one with it."""
    session = scheduled_session_get_for_staff(user=request.user, pk=pk)
    form = RescheduleForm(
        request.POST or None, cohort=session.cohort, initial=reschedule_initial(session)
    )
    if request.method == "POST" and form.is_valid():
        try:
            moved = session_reschedule(
                session=session,
                new_date=form.cleaned_data["new_date"],
                new_time=form.cleaned_data["new_time"],
                shift_later=form.cleaned_data["shift_later"],
            )
        except ScheduleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, reschedule_message(session, moved))
            return redirect("program_sessions:session_detail", pk=session.pk)
    return render(
        request,
        "program_sessions/scheduledsession_reschedule.html",
        {"session": session, "cohort": session.cohort, "form": form},
    )


def session_cancel_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Cancel a session, with a reason participants see."""
    session = scheduled_session_get_for_staff(user=request.user, pk=pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session_cancel(session=session, reason=form.cleaned_data["reason"])
        except ScheduleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Session {session.program_session.number} is cancelled.")
            return redirect("program_sessions:session_detail", pk=session.pk)
    return render(
        request,
        "program_sessions/scheduledsession_cancel.html",
        {"session": session, "cohort": session.cohort, "form": form},
    )


def makeup_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add a make-up session for the group or for one participant."""
    cohort = cohort_get_for_staff(user=request.user, pk=pk)
    initial = {
        "modality": cohort.default_modality,
        "program_session": request.GET.get("program_session"),
        "enrollment": request.GET.get("enrollment"),
    }
    form = MakeupForm(
        request.POST or None,
        cohort=cohort,
        participants=enrollment_list_for_makeup(cohort=cohort),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = session_add_makeup(
                cohort=cohort,
                program_session=data["program_session"],
                on_date=data["on_date"],
                at=data["at"],
                modality=data["modality"],
                enrollment=data["enrollment"],
                place=data["place"],
                video_link=data["video_link"],
                phone_instructions=data["phone_instructions"],
            )
        except ScheduleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Make-up for session {session.program_session.number} added: {when(session.starts_at)}.",
            )
            return redirect("program_sessions:session_detail", pk=session.pk)
    return render(
        request,
        "program_sessions/scheduledsession_makeup.html",
        {"cohort": cohort, "form": form},
    )


# --- follow-ups and made-up weeks -------------------------------------------------------------


@require_POST
def follow_up_resolve_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark a follow-up as handled."""
    follow_up = follow_up_get_for_staff(user=request.user, pk=pk)
    form = FollowUpResolveForm(request.POST)
    cohort_url = reverse("reports:cohort_follow_ups", args=[follow_up.scheduled_session.cohort_id])
    if not form.is_valid():
        messages.error(request, "What was done can be at most 300 characters.")
        return redirect(cohort_url)
    try:
        follow_up_resolve(
            follow_up=follow_up, by=request.user, resolution=form.cleaned_data["resolution"]
        )
    except FollowUpError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Follow-up for {follow_up.enrollment.participant_code} after session "
            f"{follow_up.scheduled_session.program_session.number} marked as handled.",
        )
    return redirect(cohort_url)


@require_POST
def makeup_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Count a week the participant completed on their own as a made-up session."""
    session = scheduled_session_get_for_staff(user=request.user, pk=pk)
    form = ConfirmMakeupForm(request.POST)
    if not form.is_valid():
        raise Http404
    completion = session_completion_get_for_staff(
        user=request.user, pk=form.cleaned_data["completion"], scheduled_session=session
    )
    try:
        attendance_confirm_makeup(completion=completion, scheduled_session=session, by=request.user)
    except AttendanceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{completion.enrollment.participant_code}: session "
            f"{session.program_session.number} counts as made up.",
        )
    target = safe_next(request, form.cleaned_data["next"])
    if target:
        return redirect(target)
    return redirect("program_sessions:session_detail", pk=session.pk)


urlpatterns = [
    path("cohorts/<int:pk>/attendance/", attendance_grid, name="attendance_grid"),
    path("cohorts/<int:pk>/makeups/new/", makeup_create, name="makeup_create"),
    path("sessions/<int:pk>/", session_detail, name="session_detail"),
    path("sessions/<int:pk>/notes/", note_save_view, name="note_save"),
    path("sessions/<int:pk>/reschedule/", session_reschedule_view, name="session_reschedule"),
    path("sessions/<int:pk>/cancel/", session_cancel_view, name="session_cancel"),
    path("sessions/<int:pk>/confirm-makeup/", makeup_confirm, name="makeup_confirm"),
    path("follow-ups/<int:pk>/resolve/", follow_up_resolve_view, name="follow_up_resolve"),
]
