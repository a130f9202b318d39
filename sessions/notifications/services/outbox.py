"""Writes to the outbox outside the per-minute planner: safety alerts raised by an answer (a
questionnaire's or a screening's), staff pressing 'send now', a waitlist offer, and a finished
questionnaire stopping its reminders, a session that now meets another way."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User
from programs.models import Enrollment
from sessions.models import ScheduledSession
from sessions.notifications.models import Notification, NotificationKind, NotificationStatus
from sessions.notifications.services.delivery import notifications_dispatch
from sessions.notifications.services.planning.participants import participants_of
from sessions.notifications.services.planning.staff import safety_alert_rows
from sessions.questionnaires.models import Assessment, SafetyEvent
from sessions.trials.models import Allocation, Screening


class NotificationError(Exception):
    """A message cannot be sent now; the text says why, for the person who asked."""


def _dispatch_after_commit(now: dt.datetime) -> None:
    # A fresh transaction after the caller's commit, so the rows are visible to the sender.
    transaction.on_commit(lambda: notifications_dispatch(now=now))


def safety_alerts_raise(*, events: list[SafetyEvent]) -> int:
    """Write the alerts for newly raised safety events in the caller's transaction and send
    them as soon as it commits (not at the next tick)."""
    rows = list(safety_alert_rows(events=events))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        _dispatch_after_commit(timezone.now())
    return len(rows)


def notifications_cancel_for_assessment(*, assessment: Assessment) -> int:
    """A finished questionnaire stops its waiting reminders at once."""
    return Notification.objects.filter(assessment=assessment, status="pending").update(
        status="cancelled", last_error="The check-in was completed.", updated_at=timezone.now()
    )


def notification_send_now(
    *,
    kind: str,
    enrollment: Enrollment,
    requested_by: User,
    click_id: str,
    assessment: Assessment | None = None,
    invitation: Invitation | None = None,
) -> Notification:
    """A 'send now' from staff: one row per click (a double click or a resubmitted form sends one)."""
    try:
        click = uuid.UUID(click_id)
    except (ValueError, TypeError) as exc:
        raise NotificationError("This page is out of date. Reload it and try again.") from exc
    now = timezone.now()
    if kind == NotificationKind.INVITATION:
        if invitation is None or invitation.accepted_at or invitation.revoked_at:
            raise NotificationError("There is no invitation waiting to be accepted.")
        if invitation.expires_at <= now:
            raise NotificationError("The invitation has expired; invite the person again.")
        recipient = enrollment.user
    elif kind == NotificationKind.QUESTIONNAIRE_OPEN:
        if assessment is None or assessment.enrollment_id != enrollment.pk:
            raise NotificationError("That questionnaire is not this participant's.")
        if assessment.completed_at is not None:
            raise NotificationError("The questionnaires are already completed.")
        if not (assessment.opens_at <= now < assessment.closes_at):
            raise NotificationError("The questionnaires are not open now.")
        recipient = enrollment.user
    else:
        raise NotificationError("That message cannot be sent by hand.")
    key = f"manual:{click}"
    existing = Notification.objects.filter(dedupe_key=key).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            row = Notification.objects.create(
                kind=kind,
                dedupe_key=key,
                recipient=recipient,
                send_at=now,
                enrollment=enrollment,
                cohort_id=enrollment.cohort_id,
                assessment=assessment,
                invitation=invitation,
                requested_by=requested_by,
            )
            _dispatch_after_commit(now)
    except IntegrityError:
        return Notification.objects.get(dedupe_key=key)
    return row


def allocation_message_write(*, allocation: Allocation, dedupe_key: str) -> Notification | None:
    """Tell a participant their group in the study and what happens next, in the transaction that
    allocated them; it leaves when that commits."""
    enrollment = allocation.enrollment
    now = timezone.now()
    created = Notification.objects.bulk_create(
        [
            Notification(
                kind=NotificationKind.ALLOCATION_MADE,
                dedupe_key=dedupe_key,
                recipient_id=enrollment.user_id,
                send_at=now,
                enrollment=enrollment,
                cohort_id=enrollment.cohort_id,
            )
        ],
        ignore_conflicts=True,
    )
    _dispatch_after_commit(now)
    return created[0] if created else None


def screening_safety_alerts_raise(*, screening: Screening) -> int:
    """Alert the organization's coordinators about a screening PHQ-9 item 9 above 0, in the
    screening's transaction; the alerts leave as soon as it commits."""
    coordinators = Membership.objects.filter(
        organization_id=screening.organization_id, role=Role.COORDINATOR, user__is_active=True
    ).select_related("user")
    rows = [
        Notification(
            kind=NotificationKind.SAFETY_ALERT,
            dedupe_key=f"screening_safety_alert:{screening.pk}:{membership.user_id}",
            recipient=membership.user,
            send_at=screening.screened_at,
            screening=screening,
        )
        for membership in coordinators
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        _dispatch_after_commit(timezone.now())
    return len(rows)


def waitlist_offer_queue(*, screening: Screening, by: User) -> Notification:
    """The offer e-mail to the person, in the offer's transaction; it leaves when it commits."""
    enrollment = screening.enrollment
    if enrollment is None:
        raise NotificationError("The offer has no enrollment to invite them to.")
    invitation = (
        Invitation.objects.pending()
        .filter(organization_id=screening.organization_id, email__iexact=screening.email, role="")
        .order_by("-created_at")
        .first()
    )
    now = timezone.now()
    row = Notification.objects.create(
        kind=NotificationKind.WAITLIST_OFFER,
        dedupe_key=f"waitlist_offer:{screening.pk}:{enrollment.pk}",
        recipient=enrollment.user,
        send_at=now,
        enrollment=enrollment,
        cohort_id=enrollment.cohort_id,
        invitation=invitation,
        requested_by=by,
    )
    _dispatch_after_commit(now)
    return row


def session_change_queue(*, session: ScheduledSession, by: User, change_id: int) -> int:
    """Tell each participant of a session how it now meets, in the change's transaction; the
    messages leave when it commits. An earlier change's message still waiting is replaced."""
    now = timezone.now()
    participants = participants_of([session])[session.pk]
    # Built at send time from the session as it is then, so the newest message says it all.
    Notification.objects.filter(
        kind=NotificationKind.SESSION_CHANGED,
        scheduled_session=session,
        status=NotificationStatus.PENDING,
    ).update(
        status=NotificationStatus.CANCELLED,
        last_error="A later change replaces this one.",
        updated_at=now,
    )
    rows = [
        Notification(
            kind=NotificationKind.SESSION_CHANGED,
            dedupe_key=f"session_changed:{session.pk}:{enrollment.pk}:{change_id}",
            recipient=enrollment.user,
            send_at=now,
            enrollment=enrollment,
            cohort_id=session.cohort_id,
            scheduled_session=session,
            requested_by=by,
        )
        for enrollment in participants
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        _dispatch_after_commit(now)
    return len(rows)
