"""Recording who came to which session, and what follows from it: follow-ups and make-ups.

Rules (BRIEF §7, §8):
- absent or excused opens a follow-up for the cohort's facilitators (one per session and
  participant); changing it to attended or made up closes that follow-up by itself;
- a participant who missed a session reads its material on their own pages, which look at
  Attendance directly, so nothing else is stored here;
- a week the participant completed on their own becomes "made up" once staff confirm it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from programs.models import Arm, Enrollment, EnrollmentStatus
from sessions.models import (
    ATTENDED_STATUSES,
    MISSED_STATUSES,
    Attendance,
    AttendanceStatus,
    CallOutcome,
    ScheduledSession,
    SessionCompletion,
)
from sessions.services.followups import follow_up_close_if_open, follow_up_open_for_missed

CALL_MINUTES_MIN = 1
CALL_MINUTES_MAX = 240
CALL_MINUTES_MESSAGE = (
    f"Call minutes must be a whole number from {CALL_MINUTES_MIN} to {CALL_MINUTES_MAX}."
)


class AttendanceError(Exception):
    """Attendance that cannot be recorded; the message says why, for the person who tried."""


@dataclass(frozen=True)
class AttendanceEntry:
    """One cell of the attendance grid: a participant at a session, as typed.

    An empty status means "not recorded": nothing is saved for that cell.
    """

    scheduled_session: ScheduledSession
    enrollment: Enrollment
    status: str = ""
    call_outcome: str = ""
    call_minutes: int | None = None


@dataclass(frozen=True)
class InvalidEntry:
    """An entry that was not saved; `field` is "status", "call_outcome" or "call_minutes"."""

    entry: AttendanceEntry
    field: str
    message: str


@dataclass
class AttendanceResult:
    saved: list[Attendance] = field(default_factory=list)
    invalid: list[InvalidEntry] = field(default_factory=list)


def _takes_part(session: ScheduledSession, enrollment: Enrollment) -> bool:
    if session.cohort_id != enrollment.cohort_id:
        return False
    return session.enrollment_id is None or session.enrollment_id == enrollment.pk


def _problem(entry: AttendanceEntry, now: dt.datetime) -> tuple[str, str] | None:
    """Why this entry cannot be saved, as (field, message), or None when it can."""
    session, enrollment = entry.scheduled_session, entry.enrollment
    has_call_details = bool(entry.call_outcome) or entry.call_minutes is not None
    if not entry.status and not has_call_details:
        return None
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        return (
            "status",
            "This participant has withdrawn; their attendance can no longer be changed.",
        )
    if enrollment.arm != Arm.INTERVENTION:
        return "status", "This participant is in the control arm and has no sessions."
    if not _takes_part(session, enrollment):
        return "status", "This participant is not part of this session."
    if session.is_cancelled:
        return "status", "This session was cancelled, so there is no attendance to record."
    if not session.takes_attendance(now, session.cohort.zoneinfo):
        return (
            "status",
            "This session is on a later day. Attendance can be recorded from the day of the "
            "session.",
        )
    if entry.status not in AttendanceStatus.values:
        if entry.status:
            return "status", "Choose attended, absent, excused or made up."
        return "status", "Choose whether they attended, as well as the call details."
    if entry.call_outcome and not session.is_phone:
        return "call_outcome", "A call outcome is only recorded for sessions by phone."
    if entry.call_outcome and entry.call_outcome not in CallOutcome.values:
        return "call_outcome", "Choose reached, no answer or rescheduled."
    if entry.call_minutes is not None:
        if not session.is_phone:
            return "call_minutes", "Call minutes are only recorded for sessions by phone."
        if not CALL_MINUTES_MIN <= entry.call_minutes <= CALL_MINUTES_MAX:
            return "call_minutes", CALL_MINUTES_MESSAGE
    return None


def _overwrite(attendance: Attendance, entry: AttendanceEntry, recorded_by: User) -> None:
    attendance.status = entry.status
    attendance.call_outcome = entry.call_outcome
    attendance.call_minutes = entry.call_minutes
    attendance.recorded_by = recorded_by
    attendance.save()


def _save(
    *, entries: list[AttendanceEntry], recorded_by: User, now: dt.datetime
) -> list[Attendance]:
    """Write entries already checked by _problem, with their follow-ups and confirmations."""
    if not entries:
        return []
    saved: list[Attendance] = []
    with transaction.atomic():
        # Locked so that two people saving the same cell see each other's earlier status,
        # which decides whether a follow-up opens.
        existing = {
            (a.scheduled_session_id, a.enrollment_id): a
            for a in Attendance.objects.select_for_update().filter(
                scheduled_session_id__in={e.scheduled_session.pk for e in entries},
                enrollment_id__in={e.enrollment.pk for e in entries},
            )
        }
        for entry in entries:
            session, enrollment = entry.scheduled_session, entry.enrollment
            key = (session.pk, enrollment.pk)
            attendance = existing.get(key)
            previous = attendance.status if attendance else None
            unchanged = attendance is not None and (
                (attendance.status, attendance.call_outcome, attendance.call_minutes)
                == (entry.status, entry.call_outcome, entry.call_minutes)
            )
            if unchanged:
                continue
            if attendance is None:
                try:
                    with transaction.atomic():
                        attendance = Attendance.objects.create(
                            scheduled_session=session,
                            enrollment=enrollment,
                            status=entry.status,
                            call_outcome=entry.call_outcome,
                            call_minutes=entry.call_minutes,
                            recorded_by=recorded_by,
                        )
                except IntegrityError:
                    # A colleague recorded this cell a moment ago (there was no row to lock):
                    # theirs becomes the earlier status, and this save changes it.
                    attendance = Attendance.objects.select_for_update().get(
                        scheduled_session=session, enrollment=enrollment
                    )
                    previous = attendance.status
                    _overwrite(attendance, entry, recorded_by)
                existing[key] = attendance
            else:
                _overwrite(attendance, entry, recorded_by)
            saved.append(attendance)
            if entry.status in MISSED_STATUSES:
                # Absent → excused is the same miss: a follow-up already handled stays handled.
                follow_up_open_for_missed(
                    scheduled_session=session,
                    enrollment=enrollment,
                    reopen=previous not in MISSED_STATUSES,
                )
            elif entry.status in ATTENDED_STATUSES:
                follow_up_close_if_open(
                    scheduled_session=session,
                    enrollment=enrollment,
                    by=recorded_by,
                    resolution=f"Attendance changed to {AttendanceStatus(entry.status).label.lower()}",
                    now=now,
                )
            if entry.status == AttendanceStatus.MADE_UP:
                SessionCompletion.objects.filter(
                    enrollment=enrollment,
                    program_session_id=session.program_session_id,
                    completed_at__isnull=False,
                    confirmed_at__isnull=True,
                ).update(confirmed_at=now, confirmed_by=recorded_by)
    return saved


def attendance_record(
    *,
    entries: Iterable[AttendanceEntry],
    recorded_by: User,
    now: dt.datetime | None = None,
) -> AttendanceResult:
    """Save every valid cell of an attendance grid and return the invalid ones with their reasons.

    Cells left "not recorded" are skipped; cells whose values did not change are not written.
    """
    now = now or timezone.now()
    result = AttendanceResult()
    valid: list[AttendanceEntry] = []
    for entry in entries:
        problem = _problem(entry, now)
        if problem is not None:
            result.invalid.append(InvalidEntry(entry, *problem))
        elif entry.status:
            valid.append(entry)
    result.saved = _save(entries=valid, recorded_by=recorded_by, now=now)
    return result


def attendance_confirm_makeup(
    *,
    completion: SessionCompletion,
    scheduled_session: ScheduledSession,
    by: User,
    now: dt.datetime | None = None,
) -> Attendance:
    """Count a week the participant completed on their own as a made-up session."""
    now = now or timezone.now()
    if completion.completed_at is None:
        raise AttendanceError("The participant has not marked this week as completed yet.")
    if completion.confirmed_at is not None:
        raise AttendanceError("This make-up was already confirmed.")
    if completion.program_session_id != scheduled_session.program_session_id:
        raise AttendanceError("What the participant completed is a different week of the course.")
    current = Attendance.objects.filter(
        scheduled_session=scheduled_session, enrollment=completion.enrollment
    ).first()
    if current is not None and current.status == AttendanceStatus.ATTENDED:
        raise AttendanceError("The participant attended this session; there is nothing to make up.")
    entry = AttendanceEntry(
        scheduled_session=scheduled_session,
        enrollment=completion.enrollment,
        status=AttendanceStatus.MADE_UP,
    )
    problem = _problem(entry, now)
    if problem is not None:
        raise AttendanceError(problem[1])
    with transaction.atomic():
        _save(entries=[entry], recorded_by=by, now=now)
        # Set here as well: when the cell already said "made up", _save wrote nothing.
        completion.confirmed_at = now
        completion.confirmed_by = by
        completion.save(update_fields=["confirmed_at", "confirmed_by", "updated_at"])
    return Attendance.objects.get(
        scheduled_session=scheduled_session, enrollment=completion.enrollment
    )
