"""Writes to the outbox outside the per-minute planner: safety alerts raised by an answer,
staff pressing 'send now', and a finished questionnaire stopping its reminders."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Invitation, User
from programs.models import Enrollment
from sessions.notifications.models import Notification, NotificationKind
from sessions.notifications.services.delivery import notifications_dispatch
from sessions.notifications.services.planning.staff import safety_alert_rows
from sessions.questionnaires.models import Assessment, SafetyEvent


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
