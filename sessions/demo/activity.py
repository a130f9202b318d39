"""What happened in the demo courses so far: attendance, follow-ups, facilitator notes and the
participants' practice, the same for every run."""

from __future__ import annotations

import datetime as dt

from accounts.models import User
from programs.models import Enrollment, Program
from sessions.demo.dates import ZONE
from sessions.demo.people import participant_number
from sessions.models import (
    Attendance,
    AttendanceStatus,
    CallOutcome,
    FacilitatorNote,
    FollowUp,
    PracticeLog,
    ScheduledSession,
)

_SESSION_NOTES = [
    "Settled group. Three people did the movement practice seated; one lay down for the body scan.",
    "Good discussion of noticing fatigue early. The room was warm: ask for the fan next week.",
    "Quieter week. Several found daily practice hard; we talked about the 10-minute options.",
    "Walking practice done along the corridor with chairs placed for rests.",
    "The group shared what helps on high-fatigue days; lots of mutual encouragement.",
]
_PARTICIPANT_NOTES = [
    "Finds the 45-minute body scan too long on work days; agreed to try the 20-minute version.",
    "Mentioned heat makes symptoms worse; sat near the window. Check in next week.",
]
_COPING_PLANS = [
    "Difficulty: feeling cut off since reducing work hours. "
    "Plan: message her sister on Sunday evenings; join the Thursday walking group.",
    "Difficulty: low mood after a cancelled trip. "
    "Plan: tell a close friend how it felt; plan a small outing together.",
    "Difficulty: worrying alone at night. "
    "Plan: recall a good evening with friends; write down one thing to share the next day.",
]
_PRACTICE_NOTES = [
    "Did the lying-down version; tired after work.",
    "Shorter practice today, but it helped.",
    "Noticed my shoulders were tense.",
    "Practised in the garden before it got hot.",
]
_SITUATIONS = [
    "Felt low after a tiring day at work",
    "Cancelled plans because of fatigue",
    "Good news from my daughter",
    "Sunday afternoon on my own",
    "Worried before a hospital appointment",
    "A nice walk with a neighbour",
]


def group_attendance_create(
    held: list[ScheduledSession],
    enrollments: list[Enrollment],
    facilitator: User,
    *,
    with_notes: bool,
) -> None:
    if not held:
        return
    # Mostly present. In the latest session the last person was absent (an open follow-up) and
    # the one before had sent apologies; earlier, someone missed a week and was followed up.
    statuses: dict[tuple[int, int], str] = {}
    if len(enrollments) >= 3:
        statuses[(held[-1].pk, enrollments[-1].pk)] = AttendanceStatus.ABSENT
        statuses[(held[-1].pk, enrollments[-2].pk)] = AttendanceStatus.EXCUSED
    if len(enrollments) >= 4 and len(held) >= 2:
        statuses[(held[0].pk, enrollments[-3].pk)] = AttendanceStatus.ABSENT
    Attendance.objects.bulk_create(
        Attendance(
            scheduled_session=session,
            enrollment=enrollment,
            status=statuses.get((session.pk, enrollment.pk), AttendanceStatus.ATTENDED),
            recorded_by=facilitator,
        )
        for session in held
        for enrollment in enrollments
    )
    follow_ups = []
    for (session_pk, enrollment_pk), status in statuses.items():
        if status != AttendanceStatus.ABSENT:
            continue
        earlier = session_pk != held[-1].pk
        follow_ups.append(
            FollowUp(
                scheduled_session_id=session_pk,
                enrollment_id=enrollment_pk,
                resolved_at=held[0].starts_at + dt.timedelta(days=2) if earlier else None,
                resolved_by=facilitator if earlier else None,
                resolution="Spoke on the phone; sent the week's material." if earlier else "",
            )
        )
    FollowUp.objects.bulk_create(follow_ups)
    if not with_notes:
        return
    FacilitatorNote.objects.bulk_create(
        FacilitatorNote(
            scheduled_session=session,
            text=_SESSION_NOTES[i % len(_SESSION_NOTES)],
            author=facilitator,
            updated_by=facilitator,
        )
        for i, session in enumerate(held)
    )
    # A note is about what someone did in the session, so only about people who were there.
    present = [e for e in enrollments[1:] if (held[-1].pk, e.pk) not in statuses]
    FacilitatorNote.objects.bulk_create(
        FacilitatorNote(
            scheduled_session=held[-1],
            enrollment=enrollment,
            text=text,
            author=facilitator,
            updated_by=facilitator,
        )
        for enrollment, text in zip(present, _PARTICIPANT_NOTES, strict=False)
    )


def mbsr_practice_create(
    program: Program, held: list[ScheduledSession], enrollments: list[Enrollment], today: dt.date
) -> None:
    if not held:
        return
    durations = {p["code"]: p.get("durations") or [10] for p in program.practices}
    weeks = [(s.starts_at.astimezone(ZONE).date(), s.program_session.practices) for s in held]
    logs = []
    for position, enrollment in enumerate(enrollments):
        number = participant_number(enrollment.user)
        day = weeks[0][0]
        while day < today:
            offset = (day - weeks[0][0]).days
            # Most practise five days in seven; every fourth person only now and then.
            if number % 4 == 3:
                practised = (offset + number) % 3 == 0
            else:
                practised = (offset * 3 + number) % 7 not in (0, 4)
            if practised:
                practices = [codes for start, codes in weeks if start <= day][-1] or list(durations)
                code = practices[(offset + position) % len(practices)]
                options = durations.get(code, [10])
                logs.append(
                    PracticeLog(
                        enrollment=enrollment,
                        date=day,
                        practice=code,
                        minutes=options[(offset + 2 * number) % len(options)],
                        note=_PRACTICE_NOTES[(offset + number) % len(_PRACTICE_NOTES)]
                        if (offset + number) % 5 == 0
                        else "",
                    )
                )
            day += dt.timedelta(days=1)
    PracticeLog.objects.bulk_create(logs)


def ier_attendance_create(
    enrollment: Enrollment, held: list[ScheduledSession], facilitator: User, position: int
) -> None:
    attendance = []
    for session in held:
        # One missed phone call among the longer-running participants: the call went unanswered.
        missed = session.is_phone and session.program_session.number == 3 and position % 2 == 0
        attendance.append(
            Attendance(
                scheduled_session=session,
                enrollment=enrollment,
                status=AttendanceStatus.ABSENT if missed else AttendanceStatus.ATTENDED,
                call_outcome=(CallOutcome.NO_ANSWER if missed else CallOutcome.REACHED)
                if session.is_phone
                else "",
                call_minutes=None
                if missed or not session.is_phone
                else 35 + (session.program_session.number * 4 + position) % 12,
                recorded_by=facilitator,
            )
        )
        if missed:
            FollowUp.objects.create(scheduled_session=session, enrollment=enrollment)
    Attendance.objects.bulk_create(attendance)
    FacilitatorNote.objects.bulk_create(
        FacilitatorNote(
            scheduled_session=session,
            text=_COPING_PLANS[(position + i) % len(_COPING_PLANS)],
            author=facilitator,
            updated_by=facilitator,
        )
        for i, session in enumerate(held)
        if session.program_session.number in (1, 2)
    )


def ier_strategy_use_create(
    program: Program,
    enrollment: Enrollment,
    held: list[ScheduledSession],
    today: dt.date,
    position: int,
) -> None:
    if not held:
        return
    strategies = [s["code"] for s in program.strategies]
    start = held[0].starts_at.astimezone(ZONE).date()
    logs = []
    day = start + dt.timedelta(days=1)
    while day < today:
        offset = (day - start).days
        if (offset + position) % 3 == 0:
            before = 3 + (offset + position) % 4
            logs.append(
                PracticeLog(
                    enrollment=enrollment,
                    date=day,
                    practice=strategies[(offset // 3 + position) % len(strategies)],
                    situation=_SITUATIONS[(offset + position) % len(_SITUATIONS)],
                    mood_before=before,
                    mood_after=min(10, before + (offset % 3)),
                )
            )
        day += dt.timedelta(days=1)
    PracticeLog.objects.bulk_create(logs)
