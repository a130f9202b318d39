"""Working out, from the data as it is now, which messages are due, and writing them to the outbox.

Planning runs every minute (beat) and only ever writes rows whose moment has come, so nothing
is decided hours ahead: a session moved yesterday, a questionnaire finished a minute ago or a
preference changed this morning is what the next tick sees. Each row's dedupe key names the
thing it is about and the time that thing had, so running the planner twice, or two planners
at once, makes one row; a session moved to another day gets a new key and a new reminder.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Max, Min, Q

from accounts.models import Membership, Role, User
from programs.models import Arm, Cohort, Enrollment, EnrollmentStatus
from sessions.models import (
    MISSED_STATUSES,
    Attendance,
    FollowUp,
    PracticeLog,
    ScheduledSession,
    SessionStatus,
)
from sessions.notifications.models import (
    PREFERENCE_FOR_KIND,
    QUIET_HOURS_EXEMPT_KINDS,
    Notification,
    NotificationKind,
    NotificationStatus,
    Preferences,
)
from sessions.notifications.services.timing import after_quiet_hours, local_date, zone_of
from sessions.questionnaires.models import Assessment, SafetyEvent
from sessions.scheduling import local_to_utc

SESSION_24H_BEFORE = dt.timedelta(hours=24)
SESSION_1H_BEFORE = dt.timedelta(hours=1)
# A day-before reminder planned this close to the start is left to the hour-before one.
SESSION_24H_LATEST = dt.timedelta(hours=2)
SESSION_1H_LATEST = dt.timedelta(minutes=10)
CLOSING_SOON_BEFORE = dt.timedelta(days=2)
CLOSING_LATEST = dt.timedelta(hours=1)
# How far back the planner looks for things that happened: a beat that was down for a few
# days catches up, but turning the feature on does not send a year of old news.
LOOK_BACK = dt.timedelta(days=7)
ATTENDANCE_GRACE = dt.timedelta(hours=24)
DIGEST_TIME = dt.time(8, 0)


def preferences_for(user_ids: Iterable[int]) -> dict[int, Preferences]:
    """Each person's preferences; the defaults for people who never saved any."""
    ids = set(user_ids)
    found = {p.user_id: p for p in Preferences.objects.filter(user_id__in=ids)}
    return {uid: found.get(uid) or Preferences(user_id=uid) for uid in ids}


def wants(preferences: Preferences, kind: str) -> bool:
    field = PREFERENCE_FOR_KIND[kind]
    return field is None or bool(getattr(preferences, field))


def send_time(*, kind: str, due: dt.datetime, user: User, preferences: Preferences) -> dt.datetime:
    """When a message due at `due` may go out: after the recipient's quiet hours, unless exempt."""
    if kind in QUIET_HOURS_EXEMPT_KINDS:
        return due
    return after_quiet_hours(
        due,
        zone=zone_of(user.timezone),
        start=preferences.quiet_hours_start,
        end=preferences.quiet_hours_end,
    )


def _row(
    *,
    kind: str,
    key: str,
    user: User,
    due: dt.datetime,
    preferences: Preferences,
    latest: dt.datetime | None = None,
    **about: object,
) -> Notification:
    """An unsaved outbox row; skipped (and logged as such) when quiet hours push it past `latest`."""
    send_at = send_time(kind=kind, due=due, user=user, preferences=preferences)
    row = Notification(kind=kind, dedupe_key=key, recipient=user, send_at=send_at, **about)
    if latest is not None and send_at > latest:
        row.status = NotificationStatus.SKIPPED
        row.last_error = "Quiet hours lasted until it was too late to be useful."
    return row


# --- participants -----------------------------------------------------------------------------


def _participants_of(sessions: list[ScheduledSession]) -> dict[int, list[Enrollment]]:
    """For each session, the active intervention-arm enrollments that take part in it."""
    cohort_ids = {s.cohort_id for s in sessions}
    # Accepted only: someone a coordinator switched to active before they joined gets nothing
    # from that organization (its delivery log would tell it about their account).
    enrollments = (
        Enrollment.objects.accepted()
        .filter(cohort_id__in=cohort_ids, status=EnrollmentStatus.ACTIVE, arm=Arm.INTERVENTION)
        .select_related("user")
    )
    by_cohort: dict[int, list[Enrollment]] = defaultdict(list)
    by_pk: dict[int, Enrollment] = {}
    for enrollment in enrollments:
        by_cohort[enrollment.cohort_id].append(enrollment)
        by_pk[enrollment.pk] = enrollment
    taking_part: dict[int, list[Enrollment]] = {}
    for session in sessions:
        if session.enrollment_id is None:
            taking_part[session.pk] = by_cohort[session.cohort_id]
        else:
            own = by_pk.get(session.enrollment_id)
            taking_part[session.pk] = [own] if own else []
    return taking_part


def day_before(starts_at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The same wall-clock time on the local day before: a session at 18:00 on Sunday is
    reminded at 18:00 on Saturday, even when the clocks change overnight (23 or 25 hours)."""
    local = starts_at.astimezone(zone)
    return local_to_utc(
        local.date() - dt.timedelta(days=1), local.time().replace(tzinfo=None), zone
    )


def plan_session_reminders(*, now: dt.datetime) -> Iterator[Notification]:
    """Day-before and hour-before reminders for sessions starting within the next day."""
    sessions = list(
        ScheduledSession.objects.filter(
            status=SessionStatus.SCHEDULED,
            starts_at__gt=now + SESSION_1H_LATEST,
            # A local day can be 25 hours long.
            starts_at__lte=now + SESSION_24H_BEFORE + dt.timedelta(hours=2),
        )
    )
    taking_part = _participants_of(sessions)
    prefs = preferences_for(e.user_id for group in taking_part.values() for e in group)
    for session in sessions:
        stamp = session.starts_at.strftime("%Y%m%dT%H%MZ")
        for enrollment in taking_part[session.pk]:
            p = prefs[enrollment.user_id]
            about = {
                "enrollment": enrollment,
                "scheduled_session": session,
                "about_time": session.starts_at,
            }
            due_24h = day_before(session.starts_at, zone_of(enrollment.user.timezone))
            if (
                due_24h <= now
                and session.starts_at - now > SESSION_24H_LATEST
                and wants(p, NotificationKind.SESSION_24H)
            ):
                yield _row(
                    kind=NotificationKind.SESSION_24H,
                    key=f"session_24h:{session.pk}:{enrollment.pk}:{stamp}",
                    user=enrollment.user,
                    due=due_24h,
                    preferences=p,
                    latest=session.starts_at - SESSION_24H_LATEST,
                    **about,
                )
            if session.starts_at - SESSION_1H_BEFORE <= now and wants(
                p, NotificationKind.SESSION_1H
            ):
                yield _row(
                    kind=NotificationKind.SESSION_1H,
                    key=f"session_1h:{session.pk}:{enrollment.pk}:{stamp}",
                    user=enrollment.user,
                    due=session.starts_at - SESSION_1H_BEFORE,
                    preferences=p,
                    latest=session.starts_at - SESSION_1H_LATEST,
                    **about,
                )


def plan_questionnaire_reminders(*, now: dt.datetime) -> Iterator[Notification]:
    """'Your check-in is ready' when a window opens; 'closing soon' two days before it closes."""
    assessments = list(
        Assessment.objects.filter(
            opens_at__lte=now,
            opens_at__gt=now - LOOK_BACK - CLOSING_SOON_BEFORE,
            closes_at__gt=now + CLOSING_LATEST,
            completed_at__isnull=True,
            enrollment__status=EnrollmentStatus.ACTIVE,
            enrollment__accepted_at__isnull=False,
        ).select_related("enrollment__user")
    )
    prefs = preferences_for(a.enrollment.user_id for a in assessments)
    for assessment in assessments:
        enrollment = assessment.enrollment
        p = prefs[enrollment.user_id]
        if not wants(p, NotificationKind.QUESTIONNAIRE_OPEN):
            continue
        about = {"enrollment": enrollment, "assessment": assessment}
        closing_due = assessment.closes_at - CLOSING_SOON_BEFORE
        if now < closing_due:
            if assessment.opens_at > now - LOOK_BACK:
                yield _row(
                    kind=NotificationKind.QUESTIONNAIRE_OPEN,
                    key=f"questionnaire_open:{assessment.pk}:{assessment.opens_at:%Y%m%dT%H%MZ}",
                    user=enrollment.user,
                    due=assessment.opens_at,
                    preferences=p,
                    latest=closing_due,
                    about_time=assessment.opens_at,
                    **about,
                )
        else:
            # A window that opened less than two days before it closes gets only this one.
            yield _row(
                kind=NotificationKind.QUESTIONNAIRE_CLOSING,
                key=f"questionnaire_closing:{assessment.pk}:{assessment.closes_at:%Y%m%dT%H%MZ}",
                user=enrollment.user,
                due=max(closing_due, assessment.opens_at),
                preferences=p,
                latest=assessment.closes_at - CLOSING_LATEST,
                about_time=assessment.closes_at,
                **about,
            )


def _enrollments_in_course(now: dt.datetime, user_ids: set[int]) -> dict[int, Enrollment]:
    """Per person, the active intervention enrollment whose course runs now (first session
    held, last session less than a week ago)."""
    enrollments = list(
        Enrollment.objects.accepted()
        .filter(user_id__in=user_ids, status=EnrollmentStatus.ACTIVE, arm=Arm.INTERVENTION)
        .select_related("user", "cohort")
    )
    spans: dict[tuple[int, int | None], tuple[dt.datetime, dt.datetime]] = {}
    rows = (
        ScheduledSession.objects.filter(
            cohort_id__in={e.cohort_id for e in enrollments}, status=SessionStatus.SCHEDULED
        )
        .values("cohort_id", "enrollment_id")
        .annotate(first=Min("starts_at"), last=Max("starts_at"))
    )
    for row in rows:
        spans[(row["cohort_id"], row["enrollment_id"])] = (row["first"], row["last"])
    running: dict[int, Enrollment] = {}
    for enrollment in enrollments:
        for key in ((enrollment.cohort_id, None), (enrollment.cohort_id, enrollment.pk)):
            span = spans.get(key)
            if span and span[0] <= now <= span[1] + dt.timedelta(days=7):
                running.setdefault(enrollment.user_id, enrollment)
    return running


def plan_practice_nudges(*, now: dt.datetime) -> Iterator[Notification]:
    """The opt-in daily practice reminder at the person's chosen local time, unless they
    already logged practice that day."""
    prefs = {p.user_id: p for p in Preferences.objects.filter(practice_nudges=True)}
    if not prefs:
        return
    running = _enrollments_in_course(now, set(prefs))
    candidates: list[tuple[Enrollment, dt.date, dt.datetime]] = []
    for user_id, enrollment in running.items():
        p = prefs[user_id]
        zone = zone_of(enrollment.user.timezone)
        today = local_date(now, zone)
        due = local_to_utc(today, p.practice_nudge_time, zone)
        if due <= now:
            candidates.append((enrollment, today, due))
    logged = set(
        PracticeLog.objects.filter(
            enrollment_id__in={e.pk for e, _, _ in candidates},
            date__in={d for _, d, _ in candidates},
        ).values_list("enrollment_id", "date")
    )
    for enrollment, today, due in candidates:
        if (enrollment.pk, today) in logged:
            continue
        zone = zone_of(enrollment.user.timezone)
        end_of_day = local_to_utc(today + dt.timedelta(days=1), dt.time(0), zone)
        yield _row(
            kind=NotificationKind.PRACTICE_NUDGE,
            key=f"practice_nudge:{enrollment.user_id}:{today.isoformat()}",
            user=enrollment.user,
            due=due,
            preferences=prefs[enrollment.user_id],
            latest=end_of_day,
            enrollment=enrollment,
            for_date=today,
        )


def plan_missed_session_material(*, now: dt.datetime) -> Iterator[Notification]:
    """The session's material, once, to a participant recorded as having missed it."""
    missed = list(
        Attendance.objects.filter(
            status__in=MISSED_STATUSES,
            scheduled_session__starts_at__gt=now - LOOK_BACK,
            scheduled_session__status=SessionStatus.SCHEDULED,
            enrollment__status=EnrollmentStatus.ACTIVE,
            enrollment__accepted_at__isnull=False,
        ).select_related("enrollment__user", "scheduled_session")
    )
    prefs = preferences_for(a.enrollment.user_id for a in missed)
    for attendance in missed:
        enrollment = attendance.enrollment
        p = prefs[enrollment.user_id]
        if not wants(p, NotificationKind.MISSED_SESSION):
            continue
        yield _row(
            kind=NotificationKind.MISSED_SESSION,
            key=f"missed_session:{attendance.scheduled_session_id}:{enrollment.pk}",
            user=enrollment.user,
            due=max(attendance.recorded_at, attendance.scheduled_session.ends_at),
            preferences=p,
            enrollment=enrollment,
            scheduled_session=attendance.scheduled_session,
        )


# --- staff ---------------------------------------------------------------------------------------


def _facilitators_of(cohort_ids: set[int]) -> dict[int, list[User]]:
    through = Cohort.facilitators.through.objects.filter(cohort_id__in=cohort_ids).select_related(
        "user"
    )
    found: dict[int, list[User]] = defaultdict(list)
    for link in through:
        if link.user.is_active:
            found[link.cohort_id].append(link.user)
    return found


def plan_follow_up_todos(*, now: dt.datetime) -> Iterator[Notification]:
    """A to-do to each facilitator of the cohort when a participant missed a session."""
    follow_ups = list(
        FollowUp.objects.filter(
            resolved_at__isnull=True, created_at__gt=now - LOOK_BACK
        ).select_related("enrollment", "scheduled_session")
    )
    facilitators = _facilitators_of({f.enrollment.cohort_id for f in follow_ups})
    prefs = preferences_for(u.pk for group in facilitators.values() for u in group)
    for follow_up in follow_ups:
        for user in facilitators[follow_up.enrollment.cohort_id]:
            p = prefs[user.pk]
            if not wants(p, NotificationKind.FOLLOW_UP_TODO):
                continue
            yield _row(
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
    taking_part = _participants_of(sessions)
    incomplete = [s for s in sessions if s.recorded < len(taking_part[s.pk])]  # type: ignore[attr-defined]
    facilitators = _facilitators_of({s.cohort_id for s in incomplete})
    prefs = preferences_for(u.pk for group in facilitators.values() for u in group)
    for session in incomplete:
        for user in facilitators[session.cohort_id]:
            p = prefs[user.pk]
            if not wants(p, NotificationKind.ATTENDANCE_MISSING):
                continue
            yield _row(
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
    facilitators = _facilitators_of(set(cohorts))
    coordinators: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(
        organization_id__in={c.organization_id for c in cohorts.values()},
        role=Role.COORDINATOR,
        user__is_active=True,
    ).select_related("user"):
        coordinators[membership.organization_id].append(membership.user)
    for event in events:
        cohort = cohorts[event.enrollment.cohort_id]
        staff = {u.pk: u for u in facilitators[cohort.pk] + coordinators[cohort.organization_id]}
        for user in staff.values():
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
        yield _row(
            kind=NotificationKind.WEEKLY_DIGEST,
            key=f"weekly_digest:{user_id}:{today.isoformat()}",
            user=user,
            due=due,
            preferences=p,
            for_date=today,
        )


PLANNERS = (
    plan_session_reminders,
    plan_questionnaire_reminders,
    plan_practice_nudges,
    plan_missed_session_material,
    plan_follow_up_todos,
    plan_attendance_missing,
    plan_safety_alerts,
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
            Q(enrollment__status=EnrollmentStatus.WITHDRAWN)
            & ~Q(kind=NotificationKind.SAFETY_ALERT),
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
