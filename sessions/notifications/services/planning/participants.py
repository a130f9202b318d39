"""Planners of participants' reminders: sessions coming up, check-ins, daily practice and
the material of a missed session."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Min, Q

from accounts.models import User
from programs.models import Arm, Enrollment, EnrollmentStatus, ProgramSession
from sessions.models import (
    MISSED_STATUSES,
    Attendance,
    PracticeLog,
    ScheduledSession,
    SessionStatus,
)
from sessions.notifications.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    Preferences,
)
from sessions.notifications.services.planning.rows import (
    LOOK_BACK,
    outbox_row,
    preferences_for,
    wants,
)
from sessions.notifications.services.timing import local_date, zone_of
from sessions.questionnaires.models import Assessment
from sessions.scheduling import local_to_utc

SESSION_24H_BEFORE = dt.timedelta(hours=24)
SESSION_1H_BEFORE = dt.timedelta(hours=1)
# A day-before reminder planned this close to the start is left to the hour-before one.
SESSION_24H_LATEST = dt.timedelta(hours=2)
SESSION_1H_LATEST = dt.timedelta(minutes=10)
CLOSING_SOON_BEFORE = dt.timedelta(days=2)
CLOSING_LATEST = dt.timedelta(hours=1)


def participants_of(sessions: list[ScheduledSession]) -> dict[int, list[Enrollment]]:
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
    taking_part = participants_of(sessions)
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
                yield outbox_row(
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
                yield outbox_row(
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
            # Recently opened, or closing soon: a window staff extended or reopened long after
            # it first opened still gets its "closing soon" reminder.
            Q(opens_at__gt=now - LOOK_BACK - CLOSING_SOON_BEFORE)
            | Q(closes_at__lte=now + CLOSING_SOON_BEFORE),
            opens_at__lte=now,
            closes_at__gt=now + CLOSING_LATEST,
            completed_at__isnull=True,
            # A course marked completed still has its questionnaires after the course to come
            # (a follow-up months later); only leaving the course stops them.
            enrollment__status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED],
            enrollment__accepted_at__isnull=False,
        ).select_related("enrollment__user", "measurement_point")
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
                yield outbox_row(
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
            yield outbox_row(
                kind=NotificationKind.QUESTIONNAIRE_CLOSING,
                key=f"questionnaire_closing:{assessment.pk}:{assessment.closes_at:%Y%m%dT%H%MZ}",
                user=enrollment.user,
                due=max(closing_due, assessment.opens_at),
                preferences=p,
                latest=assessment.closes_at - CLOSING_LATEST,
                about_time=assessment.closes_at,
                **about,
            )


def _self_guided_spans(
    enrollments: list[Enrollment],
) -> dict[tuple[int, int | None], tuple[dt.datetime, dt.datetime]]:
    """A self-guided course has no sessions: its weeks as the calendar lays them out from the
    start date (week 1 opens that day), one query for all of them."""
    self_guided = [e for e in enrollments if e.cohort.program.is_self_guided]
    weeks = dict(
        ProgramSession.objects.filter(
            program_id__in={e.cohort.program_id for e in self_guided}, optional=False
        )
        .values("program_id")
        .annotate(count=Count("pk"))
        .values_list("program_id", "count")
        .order_by()
    )
    spans: dict[tuple[int, int | None], tuple[dt.datetime, dt.datetime]] = {}
    for enrollment in self_guided:
        cohort = enrollment.cohort
        count = weeks.get(cohort.program_id, 0)
        if not count:
            continue
        first = local_to_utc(
            enrollment.start_date or cohort.start_date, dt.time(0), cohort.zoneinfo
        )
        last = first + dt.timedelta(days=cohort.program.cadence_days * (count - 1))
        spans[(cohort.pk, enrollment.pk)] = (first, last)
    return spans


def _enrollments_in_course(now: dt.datetime, user_ids: set[int]) -> dict[int, Enrollment]:
    """Per person, the active intervention enrollment whose course runs now (first session
    held, last session less than a week ago; self-guided: from week 1 to a week after the
    last week's start, by the calendar)."""
    enrollments = list(
        Enrollment.objects.accepted()
        .filter(user_id__in=user_ids, status=EnrollmentStatus.ACTIVE, arm=Arm.INTERVENTION)
        .select_related("user", "cohort__program")
    )
    spans = _self_guided_spans(enrollments)
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


def practice_nudge_row(
    *, user: User, preferences: Preferences, day: dt.date, **about: object
) -> Notification:
    """The outbox row of a local day's practice reminder: at the chosen time, after quiet
    hours; skipped when quiet hours last past that day (a reminder about yesterday's practice
    helps nobody)."""
    zone = zone_of(user.timezone)
    return outbox_row(
        kind=NotificationKind.PRACTICE_NUDGE,
        key=f"practice_nudge:{user.pk}:{day.isoformat()}",
        user=user,
        due=local_to_utc(day, preferences.practice_nudge_time, zone),
        preferences=preferences,
        latest=local_to_utc(day + dt.timedelta(days=1), dt.time(0), zone),
        **about,
    )


def practice_nudge_arrival(
    *, user: User, preferences: Preferences, day: dt.date
) -> dt.datetime | None:
    """When the practice reminder of a local day really goes out, or None when it does not
    (see practice_nudge_row): what the reminder settings page tells the person."""
    row = practice_nudge_row(user=user, preferences=preferences, day=day)
    return None if row.status == NotificationStatus.SKIPPED else row.send_at


def plan_practice_nudges(*, now: dt.datetime) -> Iterator[Notification]:
    """The opt-in daily practice reminder at the person's chosen local time, unless they
    already logged practice that day."""
    prefs = {p.user_id: p for p in Preferences.objects.filter(practice_nudges=True)}
    if not prefs:
        return
    running = _enrollments_in_course(now, set(prefs))
    candidates: list[tuple[Enrollment, dt.date]] = []
    for user_id, enrollment in running.items():
        p = prefs[user_id]
        zone = zone_of(enrollment.user.timezone)
        today = local_date(now, zone)
        if local_to_utc(today, p.practice_nudge_time, zone) <= now:
            candidates.append((enrollment, today))
    logged = set(
        PracticeLog.objects.filter(
            enrollment_id__in={e.pk for e, _ in candidates},
            date__in={d for _, d in candidates},
        ).values_list("enrollment_id", "date")
    )
    for enrollment, today in candidates:
        if (enrollment.pk, today) in logged:
            continue
        yield practice_nudge_row(
            user=enrollment.user,
            preferences=prefs[enrollment.user_id],
            day=today,
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
        yield outbox_row(
            kind=NotificationKind.MISSED_SESSION,
            key=f"missed_session:{attendance.scheduled_session_id}:{enrollment.pk}",
            user=enrollment.user,
            due=max(attendance.recorded_at, attendance.scheduled_session.ends_at),
            preferences=p,
            enrollment=enrollment,
            scheduled_session=attendance.scheduled_session,
        )
