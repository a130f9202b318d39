"""A participant leaves a course themselves: a withdrawal recorded today, reminders stopped at once."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditAction
from accounts.rights import RightsError
from programs.models import Enrollment, EnrollmentStatus
from programs.services import EnrollmentError, enrollment_withdraw
from sessions.notifications.models import SAFETY_KINDS, Notification, NotificationStatus

WITHDRAW_REASON_MAX = 250
LEAVABLE = (EnrollmentStatus.INVITED, EnrollmentStatus.ACTIVE)


def cancel_waiting(enrollment_ids: Iterable[int], *, reason: str) -> int:
    # Safety alerts to staff are left to go out: an answer that needs a follow-up still does.
    return (
        Notification.objects.filter(
            enrollment_id__in=list(enrollment_ids), status=NotificationStatus.PENDING
        )
        .exclude(kind__in=SAFETY_KINDS)
        .update(status=NotificationStatus.CANCELLED, last_error=reason, updated_at=timezone.now())
    )


def enrollment_withdraw_by_participant(*, enrollment: Enrollment, reason: str = "") -> Enrollment:
    """The participant leaves a course themselves: recorded as a withdrawal today, reminders stop now."""
    reason = reason.strip()
    if enrollment.status not in LEAVABLE:
        raise RightsError("You have already left this course.")
    if len(reason) > WITHDRAW_REASON_MAX:
        raise RightsError(f"Keep the reason to {WITHDRAW_REASON_MAX} characters.")
    recorded = f"Left online: {reason}" if reason else "Left online (no reason given)."
    today = timezone.localdate(timezone=enrollment.cohort.zoneinfo)
    with transaction.atomic():
        try:
            enrollment_withdraw(
                enrollment=enrollment, on_date=today, reason=recorded, by=enrollment.user
            )
        except EnrollmentError as exc:
            raise RightsError(str(exc)) from exc
        cancelled = cancel_waiting([enrollment.pk], reason="The participant withdrew.")
        audit_record(
            request=None,
            actor=enrollment.user,
            action=AuditAction.WITHDRAWAL,
            obj=enrollment,
            organization=enrollment.cohort.organization,
            details={"by": "participant", "reminders_cancelled": cancelled},
        )
    return enrollment
