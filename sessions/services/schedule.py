"""Building and changing schedules: group sessions per cohort, one-on-one sessions per enrollment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from programs.models import (
    Cohort,
    Delivery,
    Enrollment,
    EnrollmentStatus,
    Modality,
    Program,
    ProgramSession,
)
from programs.signals import ScheduleRejected
from sessions.models import ScheduledSession, SessionStatus
from sessions.scheduling import PlannedSession, local_to_utc, plan
from sessions.signals import schedule_changed


class ScheduleError(ScheduleRejected):
    """A schedule change that cannot be made; the message says why, for the person who tried."""


def _program_sessions(program: Program) -> list[ProgramSession]:
    return list(program.sessions.order_by("number"))


def _location(cohort: Cohort, modality: str) -> dict[str, str]:
    return {
        "place": cohort.place if modality == Modality.IN_PERSON else "",
        "video_link": cohort.video_link if modality == Modality.VIDEO else "",
        "phone_instructions": cohort.phone_instructions if modality == Modality.PHONE else "",
    }


def plan_for_cohort(
    *,
    cohort: Cohort,
    program_sessions: list[ProgramSession],
    start: dt.date,
    weekday: int,
    at: dt.time,
) -> list[PlannedSession]:
    """`plan` for a cohort's program: its weekly and optional sessions, cadence and skipped
    dates, in the cohort's time zone (the schedule service and the demo's bulk seeding alike)."""
    return plan(
        numbers=[ps.number for ps in program_sessions if not ps.optional],
        optional_after={
            ps.number: ps.schedule_after
            for ps in program_sessions
            if ps.optional and ps.schedule_after
        },
        start=start,
        weekday=weekday,
        at=at,
        zone=cohort.zoneinfo,
        cadence_days=cohort.program.cadence_days,
        skip_dates=cohort.skip_date_set,
    )


def _modality(cohort: Cohort, program_session: ProgramSession) -> str:
    # Group courses meet the way the cohort was set up (a room, or online); one-on-one courses
    # follow the program (IER: first and last in person, the others by phone).
    if cohort.program.delivery == Delivery.GROUP:
        return cohort.default_modality
    return program_session.default_modality


def _sync(
    *,
    cohort: Cohort,
    enrollment: Enrollment | None,
    start: dt.date,
    weekday: int,
    at: dt.time,
    now: dt.datetime,
) -> list[ScheduledSession]:
    program_sessions = _program_sessions(cohort.program)
    by_number = {ps.number: ps for ps in program_sessions}
    planned = plan_for_cohort(
        cohort=cohort, program_sessions=program_sessions, start=start, weekday=weekday, at=at
    )
    existing = {
        s.program_session.number: s
        for s in ScheduledSession.objects.filter(
            cohort=cohort, enrollment=enrollment, is_makeup=False
        ).select_related("program_session")
    }
    # Held, cancelled and hand-moved sessions keep their time; only the future follows the pattern.
    keep = {n for n, s in existing.items() if s.is_moved or s.is_cancelled or s.starts_at <= now}
    moves: list[tuple[ScheduledSession, dt.datetime | None]] = []
    for item in planned:
        if item.number in keep:
            continue
        program_session = by_number[item.number]
        modality = _modality(cohort, program_session)
        fields: dict[str, Any] = {
            "starts_at": item.starts_at,
            "duration_minutes": program_session.default_minutes,
            "modality": modality,
            **_location(cohort, modality),
        }
        session = existing.get(item.number)
        old = session.starts_at if session else None
        if session is None:
            session = ScheduledSession(
                cohort=cohort, enrollment=enrollment, program_session=program_session, **fields
            )
        else:
            for name, value in fields.items():
                setattr(session, name, value)
        moves.append((session, old))
    # Sessions keep their order when a pattern changes, so saving the ones that move later
    # from the last backwards, then the ones that move earlier from the first forwards, never
    # puts two on the same start at once (the one-session-per-start constraint).
    later = sorted(
        (m for m in moves if m[1] is None or m[0].starts_at >= m[1]),
        key=lambda m: m[0].starts_at,
        reverse=True,
    )
    earlier = sorted(
        (m for m in moves if m[1] is not None and m[0].starts_at < m[1]),
        key=lambda m: m[0].starts_at,
    )
    try:
        with transaction.atomic():
            for session, _old in [*later, *earlier]:
                session.save()
    except IntegrityError:
        raise ScheduleError(
            "The new pattern puts a session on the same time as one that was moved by hand. "
            "Move that session first, then change the pattern."
        ) from None
    return [session for session, _old in moves]


def schedule_sync_for_cohort(
    *, cohort: Cohort, now: dt.datetime | None = None
) -> list[ScheduledSession]:
    """Create or update a group cohort's sessions from its meeting pattern; the past stays as it was."""
    if cohort.program.delivery != Delivery.GROUP:
        return []
    return _sync(
        cohort=cohort,
        enrollment=None,
        start=cohort.start_date,
        weekday=cohort.meeting_weekday,
        at=cohort.meeting_time,
        now=now or timezone.now(),
    )


def schedule_sync_for_enrollment(
    *, enrollment: Enrollment, now: dt.datetime | None = None
) -> list[ScheduledSession]:
    """Create or update a one-on-one participant's own sessions from their start date and time."""
    cohort = enrollment.cohort
    if cohort.program.delivery != Delivery.INDIVIDUAL:
        return []
    if not enrollment.gets_sessions:
        # Withdrawn, or moved to the control arm: their future meetings are off, the past stays.
        future = ScheduledSession.objects.active().filter(
            enrollment=enrollment, starts_at__gt=now or timezone.now()
        )
        cancelled = list(future)
        future.update(
            status=SessionStatus.CANCELLED,
            cancel_reason="Participant withdrawn"
            if enrollment.status == EnrollmentStatus.WITHDRAWN
            else "Control arm",
            updated_at=timezone.now(),
        )
        return cancelled
    start = enrollment.start_date or cohort.start_date
    return _sync(
        cohort=cohort,
        enrollment=enrollment,
        start=start,
        weekday=start.weekday() if enrollment.start_date else cohort.meeting_weekday,
        at=enrollment.session_time or cohort.meeting_time,
        now=now or timezone.now(),
    )


def _local(session: ScheduledSession) -> dt.datetime:
    return session.starts_at.astimezone(session.cohort.zoneinfo)


def session_reschedule(
    *,
    session: ScheduledSession,
    new_date: dt.date,
    new_time: dt.time,
    shift_later: bool = False,
    now: dt.datetime | None = None,
) -> list[ScheduledSession]:
    """Move one session to a new local date and time (the cohort's zone); optionally move every
    later session of the same schedule by the same number of days, each at its own local time."""
    now = now or timezone.now()
    if session.is_cancelled:
        raise ScheduleError("This session was cancelled; add a make-up session instead.")
    zone = session.cohort.zoneinfo
    new_start = local_to_utc(new_date, new_time, zone)
    if new_start <= now:
        raise ScheduleError("The new time has already passed. Choose a time in the future.")
    day_shift = new_date - _local(session).date()

    later: list[ScheduledSession] = []
    if shift_later:
        later = list(
            ScheduledSession.objects.active()
            .filter(
                cohort=session.cohort,
                enrollment=session.enrollment,
                starts_at__gt=session.starts_at,
                is_makeup=False,
            )
            .exclude(pk=session.pk)
            .select_related("cohort")
        )
    moves = [(session, new_start)]
    for other in later:
        local = _local(other)
        moves.append((other, local_to_utc(local.date() + day_shift, local.time(), zone)))
    # Same ordering argument as _sync: a shift moves everything the same way.
    moves.sort(key=lambda m: m[1], reverse=day_shift >= dt.timedelta(0))
    try:
        with transaction.atomic():
            for item, start in moves:
                item.starts_at = start
                item.is_moved = True
                item.save(update_fields=["starts_at", "is_moved", "updated_at"])
    except IntegrityError:
        raise ScheduleError(
            "Another session of this group is already at that time. Choose a different time, "
            "or move the other session first."
        ) from None
    _follow_windows(session)
    return [item for item, _start in moves]


def session_cancel(*, session: ScheduledSession, reason: str = "") -> ScheduledSession:
    """Cancel one session; it no longer counts as held, and its attendance cannot be recorded."""
    if session.is_cancelled:
        raise ScheduleError("This session is already cancelled.")
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason.strip()
    session.save(update_fields=["status", "cancel_reason", "updated_at"])
    _follow_windows(session)
    return session


def session_add_makeup(
    *,
    cohort: Cohort,
    program_session: ProgramSession,
    on_date: dt.date,
    at: dt.time,
    modality: str,
    enrollment: Enrollment | None = None,
    place: str = "",
    video_link: str = "",
    phone_instructions: str = "",
    now: dt.datetime | None = None,
) -> ScheduledSession:
    """Add an extra meeting that repeats a program session, for the group or for one participant."""
    if program_session.program_id != cohort.program_id:
        raise ScheduleError("That session is not part of this cohort's program.")
    if enrollment is not None and enrollment.cohort_id != cohort.pk:
        raise ScheduleError("That participant is not in this cohort.")
    if enrollment is not None and enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise ScheduleError("That participant has withdrawn from the course.")
    starts_at = local_to_utc(on_date, at, cohort.zoneinfo)
    if starts_at <= (now or timezone.now()):
        raise ScheduleError("The make-up time has already passed. Choose a time in the future.")
    try:
        with transaction.atomic():
            return ScheduledSession.objects.create(
                cohort=cohort,
                enrollment=enrollment,
                program_session=program_session,
                is_makeup=True,
                starts_at=starts_at,
                duration_minutes=program_session.default_minutes,
                modality=modality,
                place=place or (cohort.place if modality == Modality.IN_PERSON else ""),
                video_link=video_link or (cohort.video_link if modality == Modality.VIDEO else ""),
                phone_instructions=phone_instructions
                or (cohort.phone_instructions if modality == Modality.PHONE else ""),
            )
    except IntegrityError:
        raise ScheduleError(
            "Another session is already at that time. Choose a different time."
        ) from None


def _follow_windows(session: ScheduledSession) -> None:
    # Questionnaire windows hang off the first and last session, so moving or cancelling one
    # moves them too (questionnaires listens; sessions/signals.py).
    if session.enrollment is not None:
        schedule_changed.send(sender=ScheduledSession, enrollment=session.enrollment)
    else:
        schedule_changed.send(sender=ScheduledSession, cohort=session.cohort)
