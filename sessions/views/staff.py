"""Staff pages of the sessions app: a cohort at a glance, the attendance grid, and one session's page.

Facilitators of the cohort and coordinators of its organization reach these pages through the
staff selectors; anyone else gets 404. Every page makes a fixed number of queries however big
the cohort: rows are fetched once and arranged here.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.audit import audit_record
from accounts.models import AuditAction, User
from accounts.templatetags.stillwater import when
from programs.access import cohort_get_for_staff
from programs.models import Arm, Cohort, EnrollmentStatus
from programs.selectors import enrollment_list_for_cohort
from sessions.forms.staff import (
    AttendanceGridForm,
    CancelForm,
    ConfirmMakeupForm,
    FollowUpResolveForm,
    MakeupForm,
    NoteForms,
    RescheduleForm,
    attendance_values,
    note_forms_build,
    snapshot_with,
)
from sessions.models import (
    ATTENDED_STATUSES,
    Attendance,
    FollowUp,
    ScheduledSession,
    SessionCompletion,
)
from sessions.rosters import (
    AttendanceGrid,
    attendance_grid_build,
    posted_cells,
)
from sessions.selectors import (
    attendance_list_for_cohort,
    attendance_list_for_session,
    enrollment_list_for_session,
    facilitator_note_list_for_session,
    follow_up_get_for_staff,
    follow_up_list_for_session,
    scheduled_session_get_for_staff,
    scheduled_session_list_for_cohort,
    session_completion_get_for_staff,
    session_completion_list_to_confirm,
)
from sessions.services.attendance import (
    AttendanceError,
    attendance_confirm_makeup,
    attendance_record,
)
from sessions.services.followups import FollowUpError, follow_up_resolve
from sessions.services.notes import NoteError, note_save
from sessions.services.schedule import (
    ScheduleError,
    session_add_makeup,
    session_cancel,
    session_reschedule,
)


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware has already turned anonymous visitors away.
    return request.user  # type: ignore[return-value]


# --- the cohort page ----------------------------------------------------------------------


# --- the attendance grid ------------------------------------------------------------------


def _grid(
    *,
    cohort: Cohort,
    only_session: ScheduledSession | None,
    posted: set[tuple[int, int]],
    now: dt.datetime,
) -> AttendanceGrid:
    return attendance_grid_build(
        cohort=cohort,
        enrollments=enrollment_list_for_cohort(cohort=cohort),
        sessions=scheduled_session_list_for_cohort(cohort=cohort),
        attendances=attendance_list_for_cohort(cohort=cohort),
        completions=session_completion_list_to_confirm(cohort=cohort),
        now=now,
        only_session=only_session,
        posted=posted,
    )


def _grid_url(cohort: Cohort, only_session: ScheduledSession | None) -> str:
    url = reverse("program_sessions:attendance_grid", args=[cohort.pk])
    return f"{url}?session={only_session.pk}" if only_session else url


def _with_saved(data: QueryDict, saved: list[Attendance]) -> QueryDict:
    """The posted grid with saved cells showing what is now stored, so a redraw is truthful."""
    data = data.copy()
    stored = {}
    for attendance in saved:
        prefix = f"s{attendance.scheduled_session_id}-e{attendance.enrollment_id}"
        stored[prefix] = values = attendance_values(attendance)
        for part, value in zip(("status", "outcome", "minutes"), values, strict=True):
            if f"{prefix}-{part}" in data or part == "status":
                data[f"{prefix}-{part}"] = value
    data["loaded"] = snapshot_with(data.get("loaded", ""), stored)
    return data


def attendance_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """Record attendance for every held session at once; bad cells come back with their reason."""
    user = _user(request)
    cohort = cohort_get_for_staff(user=user, pk=pk)
    only_session = None
    if request.GET.get("session"):
        try:
            only_session = scheduled_session_get_for_staff(
                user=user, pk=int(request.GET["session"])
            )
        except ValueError:
            raise Http404 from None
        if only_session.cohort_id != cohort.pk:
            raise Http404
    now = timezone.now()
    posted = posted_cells(request.POST) if request.method == "POST" else set()
    grid = _grid(cohort=cohort, only_session=only_session, posted=posted, now=now)
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
                messages.success(
                    request,
                    f"Attendance saved: {len(result.saved)} "
                    f"{'change' if len(result.saved) == 1 else 'changes'}.",
                )
            else:
                messages.info(request, "Nothing had changed, so there was nothing to save.")
            return redirect(_grid_url(cohort, only_session))
        saved_count = len(result.saved)
        grid = _grid(cohort=cohort, only_session=only_session, posted=posted, now=now)
        form = AttendanceGridForm(_with_saved(request.POST, result.saved), grid=grid)
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
            "grid_url": _grid_url(cohort, only_session),
        },
    )


# --- one session --------------------------------------------------------------------------


def _session_page(
    request: HttpRequest,
    session: ScheduledSession,
    *,
    note_forms: NoteForms | None = None,
) -> HttpResponse:
    now = timezone.now()
    participants = list(enrollment_list_for_session(session=session))
    attendance = {
        a.enrollment_id: a for a in attendance_list_for_session(scheduled_session=session)
    }
    follow_ups = {f.enrollment_id: f for f in follow_up_list_for_session(scheduled_session=session)}
    completions = {
        c.enrollment_id: c
        for c in session_completion_list_to_confirm(cohort=session.cohort).filter(
            program_session_id=session.program_session_id
        )
    }
    if note_forms is None:
        notes = list(facilitator_note_list_for_session(scheduled_session=session))
        note_forms = note_forms_build(
            participants=enrollment_list_for_session(session=session), notes=notes
        )
        # The page as opened (a note refused on saving redraws it with note_forms given): one
        # audit event for the staff notes it shows.
        audit_record(
            request=request,
            actor=request.user,
            action=AuditAction.VIEW_NOTES,
            obj=session,
            organization=session.cohort.organization,
            participant_codes=[n.enrollment.participant_code for n in notes if n.enrollment],
            details={
                "page": "session",
                "cohort": session.cohort_id,
                "notes": len(notes),
                "participants": len(participants),
            },
        )
    can_record = session.is_past(now) and not session.is_cancelled
    rows = []
    for enrollment in participants:
        record = attendance.get(enrollment.pk)
        completion = completions.get(enrollment.pk)
        rows.append(
            {
                "enrollment": enrollment,
                "attendance": record,
                "follow_up": follow_ups.get(enrollment.pk),
                "completion": completion
                if can_record
                and completion is not None
                and (record is None or record.status not in ATTENDED_STATUSES)
                and enrollment.status != EnrollmentStatus.WITHDRAWN
                else None,
            }
        )
    return render(
        request,
        "program_sessions/scheduledsession_detail.html",
        {
            "session": session,
            "cohort": session.cohort,
            "rows": rows,
            "can_record": can_record,
            "session_note": note_forms.session,
            "participant_notes": note_forms.participants,
            "new_note": note_forms.new,
            "now": now,
            "grid_url": _grid_url(session.cohort, session),
            "makeup_url": (
                reverse("program_sessions:makeup_create", args=[session.cohort_id])
                + f"?program_session={session.program_session_id}"
                + (f"&enrollment={session.enrollment_id}" if session.enrollment_id else "")
            ),
        },
    )


def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One session for staff: details, attendance, and the staff-only notes with their history."""
    session = scheduled_session_get_for_staff(user=_user(request), pk=pk)
    return _session_page(request, session)


@require_POST
def note_save_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the session's note or a participant's note; an empty note comes back with a message."""
    user = _user(request)
    session = scheduled_session_get_for_staff(user=user, pk=pk)
    prefix = request.POST.get("which", "")
    notes = list(facilitator_note_list_for_session(scheduled_session=session))
    forms = note_forms_build(
        participants=enrollment_list_for_session(session=session),
        notes=notes,
        bound=(prefix, request.POST),
    )
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
                author=user,
            )
        except NoteError as exc:
            form.add_error("text", str(exc))
        else:
            who = f" on {enrollment.participant_code}" if enrollment else ""
            messages.success(request, f"Note{who} saved.")
            anchor = f"#note-e{enrollment.pk}" if enrollment else "#note-session"
            return redirect(reverse("program_sessions:session_detail", args=[session.pk]) + anchor)
    return _session_page(request, session, note_forms=forms)


def session_reschedule_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a session to a new local date and time, and optionally every later one with it."""
    session = scheduled_session_get_for_staff(user=_user(request), pk=pk)
    zone = session.cohort.zoneinfo
    local = session.starts_at.astimezone(zone)
    form = RescheduleForm(
        request.POST or None,
        cohort=session.cohort,
        initial={"new_date": local.date(), "new_time": local.time()},
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
            later = len(moved) - 1
            extra = (
                f" {later} later {'session was' if later == 1 else 'sessions were'} moved too."
                if later
                else ""
            )
            messages.success(
                request,
                f"Session {session.program_session.number} now starts {when(session.starts_at)}.{extra}",
            )
            return redirect("program_sessions:session_detail", pk=session.pk)
    return render(
        request,
        "program_sessions/scheduledsession_reschedule.html",
        {"session": session, "cohort": session.cohort, "form": form},
    )


def session_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a session, with a reason participants see."""
    session = scheduled_session_get_for_staff(user=_user(request), pk=pk)
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


def makeup_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a make-up session for the group or for one participant."""
    cohort = cohort_get_for_staff(user=_user(request), pk=pk)
    participants = (
        enrollment_list_for_cohort(cohort=cohort)
        .filter(arm=Arm.INTERVENTION)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
    )
    initial = {
        "modality": cohort.default_modality,
        "program_session": request.GET.get("program_session"),
        "enrollment": request.GET.get("enrollment"),
    }
    form = MakeupForm(
        request.POST or None, cohort=cohort, participants=participants, initial=initial
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


@require_POST
def follow_up_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a follow-up as handled."""
    user = _user(request)
    follow_up: FollowUp = follow_up_get_for_staff(user=user, pk=pk)
    form = FollowUpResolveForm(request.POST)
    cohort_url = reverse("reports:cohort_detail", args=[follow_up.scheduled_session.cohort_id])
    if not form.is_valid():
        messages.error(request, "What was done can be at most 300 characters.")
        return redirect(cohort_url + "#follow-ups")
    try:
        follow_up_resolve(follow_up=follow_up, by=user, resolution=form.cleaned_data["resolution"])
    except FollowUpError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Follow-up for {follow_up.enrollment.participant_code} after session "
            f"{follow_up.scheduled_session.program_session.number} marked as handled.",
        )
    return redirect(cohort_url + "#follow-ups")


@require_POST
def makeup_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Count a week the participant completed on their own as a made-up session."""
    user = _user(request)
    session = scheduled_session_get_for_staff(user=user, pk=pk)
    form = ConfirmMakeupForm(request.POST)
    if not form.is_valid():
        raise Http404
    completion: SessionCompletion = session_completion_get_for_staff(
        user=user, pk=form.cleaned_data["completion"]
    )
    if completion.enrollment.cohort_id != session.cohort_id:
        raise Http404
    try:
        attendance_confirm_makeup(completion=completion, scheduled_session=session, by=user)
    except AttendanceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{completion.enrollment.participant_code}: session "
            f"{session.program_session.number} counts as made up.",
        )
    target = form.cleaned_data["next"]
    # Only a path: redirect() would take any other word for a URL name and fail with a 500.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
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
