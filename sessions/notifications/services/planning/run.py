"""Running every planner in turn, and cancelling waiting messages whose reason has gone."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q

from programs.models import EnrollmentStatus
from sessions.models import SessionStatus
from sessions.notifications.models import SAFETY_KINDS, Notification, NotificationStatus
from sessions.notifications.services.planning.participants import (
    plan_missed_session_material,
    plan_practice_nudges,
    plan_questionnaire_reminders,
    plan_session_reminders,
)
from sessions.notifications.services.planning.staff import (
    plan_attendance_missing,
    plan_follow_up_todos,
    plan_safety_alerts,
    plan_safety_escalations,
    plan_weekly_digests,
)

PLANNERS = (
    plan_session_reminders,
    plan_questionnaire_reminders,
    plan_practice_nudges,
    plan_missed_session_material,
    plan_follow_up_todos,
    plan_attendance_missing,
    plan_safety_alerts,
    plan_safety_escalations,
    plan_weekly_digests,
)


def notifications_plan(*, now: dt.datetime) -> int:
    """Write every message that is due now to the outbox; returns how many rows were new."""
    created = 0
    for planner in PLANNERS:
        rows = list(planner(now=now))
        if not rows:
            continue
        existing = set(
            Notification.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows]).values_list(
                "dedupe_key", flat=True
            )
        )
        fresh = [r for r in rows if r.dedupe_key not in existing]
        # ignore_conflicts: a planner running at the same moment may have written some of them.
        Notification.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=500)
        created += len(fresh)
    return created


def notifications_cancel_stale(*, now: dt.datetime) -> int:
    """Cancel waiting messages whose reason has gone: a finished questionnaire, a withdrawn
    participant, a cancelled or moved session."""
    pending = Notification.objects.filter(status=NotificationStatus.PENDING)
    reasons = [
        (Q(assessment__completed_at__isnull=False), "The check-in was completed."),
        # A safety alert still goes out: leaving the course does not end the team's duty of care.
        (
            Q(enrollment__status=EnrollmentStatus.WITHDRAWN) & ~Q(kind__in=SAFETY_KINDS),
            "The participant withdrew.",
        ),
        (Q(scheduled_session__status=SessionStatus.CANCELLED), "The session was cancelled."),
        (Q(safety_event__acknowledged_at__isnull=False), "Someone already followed it up."),
        (Q(follow_up__resolved_at__isnull=False), "The follow-up was done."),
        (
            Q(scheduled_session__isnull=False, about_time__isnull=False)
            & ~Q(scheduled_session__starts_at=F("about_time")),
            "The session moved; a reminder for the new time replaces this one.",
        ),
    ]
    count = 0
    for condition, reason in reasons:
        count += pending.filter(condition).update(
            status=NotificationStatus.CANCELLED, last_error=reason, updated_at=now
        )
    return count
