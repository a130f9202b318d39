"""The staff pages' contents: the attendance grid, one session's page, and what a reschedule says.

Every page makes a fixed number of queries however big the cohort: rows are fetched once and
arranged here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from accounts.templatetags.stillwater import when
from programs.models import Cohort, Enrollment, EnrollmentStatus
from programs.selectors import enrollment_list_for_cohort
from sessions.forms.staff import NoteForms, note_forms_build
from sessions.models import ATTENDED_STATUSES, FacilitatorNote, ScheduledSession
from sessions.pages.fidelity import fidelity_session_part
from sessions.rosters import AttendanceGrid, attendance_grid_build
from sessions.selectors import (
    attendance_list_for_cohort,
    attendance_list_for_session,
    enrollment_list_for_session,
    facilitator_note_list_for_session,
    follow_up_list_for_session,
    scheduled_session_list_for_cohort,
    session_completion_list_to_confirm,
    session_completion_list_to_confirm_for_session,
)

# --- the attendance grid ------------------------------------------------------------------


def attendance_grid_get(
    *,
    cohort: Cohort,
    only_session: ScheduledSession | None,
    posted: set[tuple[int, int]],
    now: dt.datetime,
) -> AttendanceGrid:
    """The grid of a cohort already fetched for staff (or of one of its sessions)."""
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


def grid_url(cohort: Cohort, only_session: ScheduledSession | None) -> str:
    url = reverse("program_sessions:attendance_grid", args=[cohort.pk])
    return f"{url}?session={only_session.pk}" if only_session else url


def attendance_saved_message(count: int) -> str:
    return f"Attendance saved: {count} {'change' if count == 1 else 'changes'}."


# --- one session --------------------------------------------------------------------------


def session_note_forms(
    *, session: ScheduledSession, bound: tuple[str, Any] | None = None
) -> tuple[NoteForms, list[FacilitatorNote]]:
    """The note forms of a session already fetched for staff, and the notes they show;
    `bound` (prefix, data) fills the one that was posted."""
    notes = list(facilitator_note_list_for_session(scheduled_session=session))
    forms = note_forms_build(
        participants=enrollment_list_for_session(session=session), notes=notes, bound=bound
    )
    return forms, notes


@dataclass(frozen=True)
class SessionPage:
    context: dict[str, Any]
    participants: list[Enrollment]


def session_page_get(*, session: ScheduledSession, note_forms: NoteForms) -> SessionPage:
    """One session for staff (already fetched for them): its participants with their attendance,
    follow-up and any week to count as made up, around the note forms."""
    now = timezone.now()
    participants = list(enrollment_list_for_session(session=session))
    attendance = {
        a.enrollment_id: a for a in attendance_list_for_session(scheduled_session=session)
    }
    follow_ups = {f.enrollment_id: f for f in follow_up_list_for_session(scheduled_session=session)}
    completions = {
        c.enrollment_id: c for c in session_completion_list_to_confirm_for_session(session=session)
    }
    can_record = session.takes_attendance(now, session.cohort.zoneinfo) and not session.is_cancelled
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
    context = {
        "session": session,
        "cohort": session.cohort,
        "rows": rows,
        "can_record": can_record,
        "session_note": note_forms.session,
        "participant_notes": note_forms.participants,
        "new_note": note_forms.new,
        "now": now,
        "grid_url": grid_url(session.cohort, session),
        "fidelity": fidelity_session_part(session=session, now=now),
        "makeup_url": (
            reverse("program_sessions:makeup_create", args=[session.cohort_id])
            + f"?program_session={session.program_session_id}"
            + (f"&enrollment={session.enrollment_id}" if session.enrollment_id else "")
        ),
    }
    return SessionPage(context=context, participants=participants)


# --- schedule changes -----------------------------------------------------------------------


def reschedule_initial(session: ScheduledSession) -> dict[str, Any]:
    """The session's date and time where the cohort meets: what the form starts from."""
    local = session.starts_at.astimezone(session.cohort.zoneinfo)
    return {"new_date": local.date(), "new_time": local.time()}


def reschedule_message(session: ScheduledSession, moved: list[ScheduledSession]) -> str:
    later = len(moved) - 1
    extra = (
        f" {later} later {'session was' if later == 1 else 'sessions were'} moved too."
        if later
        else ""
    )
    return f"Session {session.program_session.number} now starts {when(session.starts_at)}.{extra}"
