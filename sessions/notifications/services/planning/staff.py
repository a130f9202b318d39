"""Planners of staff messages: follow-ups to do, attendance not recorded, safety alerts, their
escalation to the coordinators and the weekly summary. Who works with a cohort comes from
programs.access, like every other "who may see this cohort" question."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db.models import Count, Exists, OuterRef

from accounts.models import Membership, Organization, Role, User
from programs.access import staff_of_cohorts
from programs.models import Cohort
from sessions.models import FollowUp, ScheduledSession, SessionStatus
from sessions.notifications.models import Notification, NotificationKind
from sessions.notifications.services.planning.participants import participants_of
from sessions.notifications.services.planning.rows import (
    LOOK_BACK,
    outbox_row,
    preferences_for,
    wants,
)
from sessions.notifications.services.timing import local_date, zone_of
from sessions.questionnaires.models import SafetyEvent
from sessions.scheduling import local_to_utc
from sessions.working_hours import safety_flag_escalates_at

ATTENDANCE_GRACE = dt.timedelta(hours=24)
DIGEST_TIME = dt.time(8, 0)
# The tick escalates flags raised this recently: longer than the longest setting allows
# (80 working hours is under three weeks), short enough that turning escalation on does not
# e-mail coordinators about flags of long-finished courses.
ESCALATION_LOOK_BACK = dt.timedelta(days=30)


def plan_follow_up_todos(*, now: dt.datetime) -> Iterator[Notification]:
    """A to-do to each facilitator of the cohort when a participant missed a session."""
    follow_ups = list(
        FollowUp.objects.filter(
            resolved_at__isnull=True, created_at__gt=now - LOOK_BACK
        ).select_related("enrollment", "scheduled_session")
    )
    # Facilitators only (as always): the follow-up is theirs to do.
    facilitators = staff_of_cohorts(
        {f.enrollment.cohort_id for f in follow_ups}, coordinators=False
    )
    prefs = preferences_for(u.pk for group in facilitators.values() for u in group)
    for follow_up in follow_ups:
        for user in facilitators.get(follow_up.enrollment.cohort_id, []):
            p = prefs[user.pk]
            if not wants(p, NotificationKind.FOLLOW_UP_TODO):
                continue
            yield outbox_row(
                kind=NotificationKind.FOLLOW_UP_TODO,
                key=f"follow_up_todo:{follow_up.pk}:{user.pk}",
                user=user,
                due=follow_up.created_at,
                preferences=p,
                cohort_id=follow_up.enrollment.cohort_id,
                follow_up=follow_up,
                scheduled_session=follow_up.scheduled_session,
            )


def plan_attendance_missing(*, now: dt.datetime) -> Iterator[Notification]:
    """A nudge to the facilitators when a session ended a day ago and attendance is not complete."""
    sessions = list(
        ScheduledSession.objects.filter(
            status=SessionStatus.SCHEDULED,
            starts_at__gt=now - LOOK_BACK,
            starts_at__lte=now - ATTENDANCE_GRACE,
        ).annotate(recorded=Count("attendances"))
    )
    sessions = [s for s in sessions if s.ends_at + ATTENDANCE_GRACE <= now]
    taking_part = participants_of(sessions)
    incomplete = [s for s in sessions if s.recorded < len(taking_part[s.pk])]  # type: ignore[attr-defined]
    # Facilitators only (as always): recording attendance is theirs to do.
    facilitators = staff_of_cohorts({s.cohort_id for s in incomplete}, coordinators=False)
    prefs = preferences_for(u.pk for group in facilitators.values() for u in group)
    for session in incomplete:
        for user in facilitators.get(session.cohort_id, []):
            p = prefs[user.pk]
            if not wants(p, NotificationKind.ATTENDANCE_MISSING):
                continue
            yield outbox_row(
                kind=NotificationKind.ATTENDANCE_MISSING,
                key=f"attendance_missing:{session.pk}:{user.pk}",
                user=user,
                due=session.ends_at + ATTENDANCE_GRACE,
                preferences=p,
                cohort_id=session.cohort_id,
                scheduled_session=session,
            )


def safety_alert_rows(*, events: Iterable[SafetyEvent]) -> Iterator[Notification]:
    """One alert per open safety event to each facilitator of the cohort and each coordinator."""
    events = [e for e in events if e.acknowledged_at is None]
    cohorts = {
        c.pk: c for c in Cohort.objects.filter(pk__in={e.enrollment.cohort_id for e in events})
    }
    # Facilitators and the organization's coordinators: an alert must reach someone who can act.
    staff = staff_of_cohorts(set(cohorts))
    for event in events:
        cohort = cohorts[event.enrollment.cohort_id]
        for user in staff.get(cohort.pk, []):
            yield Notification(
                kind=NotificationKind.SAFETY_ALERT,
                dedupe_key=f"safety_alert:{event.pk}:{user.pk}",
                recipient=user,
                send_at=event.raised_at,
                cohort=cohort,
                enrollment_id=event.enrollment_id,
                safety_event=event,
            )


def plan_safety_alerts(*, now: dt.datetime) -> Iterator[Notification]:
    """Safety alerts for open events whose alert rows are missing (the raise writes them itself)."""
    events = SafetyEvent.objects.filter(
        acknowledged_at__isnull=True, raised_at__gt=now - LOOK_BACK
    ).select_related("enrollment")
    yield from safety_alert_rows(events=events)


def safety_escalation_due(*, event: SafetyEvent, organization: Organization) -> dt.datetime:
    """When an open flag goes to the coordinators (the same moment the worklist marks it overdue)."""
    return safety_flag_escalates_at(raised_at=event.raised_at, organization=organization)


def plan_safety_escalations(*, now: dt.datetime) -> Iterator[Notification]:
    """An e-mail to every coordinator of the organization about each safety flag nobody has
    acknowledged after its working hours; once per flag.

    A flag is escalated once: a flag that already has escalation rows is never planned again, so
    later ticks, a coordinator who joins afterwards or a changed setting add nobody. Two ticks at
    the same moment write the same dedupe keys, so one set of rows survives. An organization
    with no coordinator yet is looked at again at the next tick.
    """
    escalated = Notification.objects.filter(
        kind=NotificationKind.SAFETY_ESCALATION, safety_event=OuterRef("pk")
    )
    events = list(
        SafetyEvent.objects.filter(
            acknowledged_at__isnull=True, raised_at__gt=now - ESCALATION_LOOK_BACK
        )
        .exclude(Exists(escalated))
        .select_related("enrollment__cohort__organization")
    )
    due = []
    for event in events:
        organization = event.enrollment.cohort.organization
        when = safety_escalation_due(event=event, organization=organization)
        if when <= now:
            due.append((event, when))
    if not due:
        return
    # Coordinators of the organization, whether or not they also run this cohort: the flag
    # has waited too long for the cohort's own staff alone.
    coordinators: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(
        organization_id__in={e.enrollment.cohort.organization_id for e, _ in due},
        role=Role.COORDINATOR,
        user__is_active=True,
    ).select_related("user"):
        coordinators[membership.organization_id].append(membership.user)
    for event, when in due:
        cohort = event.enrollment.cohort
        for user in coordinators[cohort.organization_id]:
            yield Notification(
                kind=NotificationKind.SAFETY_ESCALATION,
                dedupe_key=f"safety_escalation:{event.pk}:{user.pk}",
                recipient=user,
                send_at=when,
                cohort=cohort,
                enrollment_id=event.enrollment_id,
                safety_event=event,
            )


def plan_weekly_digests(*, now: dt.datetime) -> Iterator[Notification]:
    """The weekly summary for each facilitator, on their chosen day from 08:00 their time."""
    links = Cohort.facilitators.through.objects.select_related("user")
    users = {link.user_id: link.user for link in links if link.user.is_active}
    prefs = preferences_for(users)
    for user_id, user in users.items():
        p = prefs[user_id]
        if not wants(p, NotificationKind.WEEKLY_DIGEST):
            continue
        zone = zone_of(user.timezone)
        today = local_date(now, zone)
        due = local_to_utc(today, DIGEST_TIME, zone)
        if today.weekday() != p.digest_weekday or now < due:
            continue
        yield outbox_row(
            kind=NotificationKind.WEEKLY_DIGEST,
            key=f"weekly_digest:{user_id}:{today.isoformat()}",
            user=user,
            due=due,
            preferences=p,
            for_date=today,
        )
