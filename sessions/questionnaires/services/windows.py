"""Staff change one participant's questionnaire window: extend an open one or reopen a missed one.

Windows normally follow the schedule (services.assessments). When a participant needs more
time (ill, away, prefers to answer later) a facilitator or coordinator of the cohort sets a new
closing date with a reason. The change is kept as a WindowChange row, written to the audit log,
and from then on the window keeps the dates staff gave it.

A reopened window opens again at the moment it is reopened, so the reminder planning (which
looks at windows that opened in the last few days) sends the participant "your questionnaires
are ready" once more, and the participant's home lists them as open.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditAction, User
from programs.models import EnrollmentStatus
from sessions.questionnaires.models import (
    Assessment,
    AssessmentStatus,
    WindowChange,
    WindowChangeKind,
)

__all__ = [
    "WindowError",
    "assessment_window_change",
    "window_change_refusal",
    "window_closes_at",
]

# A window set by a date closes at the end of that day in the cohort's time zone.
CLOSES_AT_TIME = dt.time(23, 59)


class WindowError(Exception):
    """A window change that cannot be made; the message says why, for the person who tried.

    `field` names the form field the message belongs to ("closes_on", "reason"), or is None
    when it is about the window itself."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def window_closes_at(*, assessment: Assessment, closes_on: dt.date) -> dt.datetime:
    """When a window given the closing date `closes_on` closes: the end of that day, cohort time."""
    zone = assessment.enrollment.cohort.zoneinfo
    return dt.datetime.combine(closes_on, CLOSES_AT_TIME, tzinfo=zone)


def window_change_refusal(assessment: Assessment, *, now: dt.datetime) -> str | None:
    """Why this window cannot be extended or reopened at all, or None when it can."""
    enrollment = assessment.enrollment
    code = enrollment.participant_code
    which = f"questionnaires ({assessment.measurement_point.label.lower()})"
    status = assessment.status(now=now)
    if status == AssessmentStatus.COMPLETED:
        return f"{code} has already completed their {which}: there is no window to change."
    if status == AssessmentStatus.UPCOMING:
        return f"{code}'s {which} are not open yet: their window still follows the schedule."
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        return f"{code} has left the course, so their questionnaires cannot be reopened."
    return None


def _refusal(
    assessment: Assessment, *, closes_on: dt.date, reason: str, now: dt.datetime
) -> WindowError | None:
    refusal = window_change_refusal(assessment, now=now)
    if refusal is not None:
        return WindowError(refusal)
    if not reason:
        return WindowError("Enter the reason for the change.", "reason")
    zone = assessment.enrollment.cohort.zoneinfo
    if closes_on < now.astimezone(zone).date():
        return WindowError(
            "The closing date is in the past. Choose today or a later date.", "closes_on"
        )
    closes_at = window_closes_at(assessment=assessment, closes_on=closes_on)
    if assessment.status(now=now) != AssessmentStatus.MISSED and closes_at <= assessment.closes_at:
        current = assessment.closes_at.astimezone(zone)
        return WindowError(
            f"The questionnaires already stay open until {current:%-d %b %Y}. To extend the "
            "window, choose a later date.",
            "closes_on",
        )
    return None


def assessment_window_change(
    *,
    assessment: Assessment,
    by: User,
    closes_on: dt.date,
    reason: str,
    now: dt.datetime | None = None,
) -> WindowChange:
    """Extend an open window to `closes_on`, or reopen a missed one from now until then.

    `assessment` comes from selectors.assessment_get_for_staff (staff of its cohort only).
    Raises WindowError for a completed or not yet open window, an empty reason, a closing date
    in the past, or (for an open window) one that does not move the closing date later.
    """
    now = now or timezone.now()
    reason = reason.strip()
    with transaction.atomic():
        # Locked, so a participant sending their last answer at this moment is seen as done.
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        assessment.completed_at = locked.completed_at
        assessment.opens_at, assessment.closes_at = locked.opens_at, locked.closes_at
        refusal = _refusal(assessment, closes_on=closes_on, reason=reason, now=now)
        if refusal is not None:
            raise refusal
        missed = assessment.status(now=now) == AssessmentStatus.MISSED
        change = WindowChange(
            assessment=assessment,
            kind=WindowChangeKind.REOPENED if missed else WindowChangeKind.EXTENDED,
            opens_before=assessment.opens_at,
            closes_before=assessment.closes_at,
            closes_after=window_closes_at(assessment=assessment, closes_on=closes_on),
            reason=reason,
            changed_by=by,
        )
        if missed:
            assessment.opens_at = now
        assessment.closes_at = change.closes_after
        assessment.window_set_by_staff = True
        assessment.save(update_fields=["opens_at", "closes_at", "window_set_by_staff"])
        change.save()
        enrollment = assessment.enrollment
        audit_record(
            request=None,
            actor=by,
            action=AuditAction.ENROLLMENT_CHANGED,
            obj=assessment,
            organization=enrollment.cohort.organization,
            participant_codes=[enrollment.participant_code],
            details={
                "change": f"questionnaire window {change.kind}",
                "measurement_point": assessment.measurement_point.label,
                "closes_before": change.closes_before.isoformat(),
                "closes_after": change.closes_after.isoformat(),
                "reason": reason,
            },
        )
    return change
