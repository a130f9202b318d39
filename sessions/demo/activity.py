"""What happened in the demo courses so far: attendance, follow-ups, facilitator notes and the
participants' practice, the same for every run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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

# Rows per INSERT (as bulk.BATCH): few round trips, within SQLite's limit on variables.
_BATCH = 2000

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


@dataclass
class ActivityRows:
    """Unsaved rows of what happened in the courses, gathered to be written together."""

    attendance: list[Attendance] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    notes: list[FacilitatorNote] = field(default_factory=list)
    practice: list[PracticeLog] = field(default_factory=list)

    def save(self) -> None:
        FollowUp.objects.bulk_create(self.follow_ups, batch_size=_BATCH)
        Attendance.objects.bulk_create(self.attendance, batch_size=_BATCH)
        FacilitatorNote.objects.bulk_create(self.notes, batch_size=_BATCH)
        PracticeLog.objects.bulk_create(self.practice, batch_size=_BATCH)


def group_attendance_create(
    held: list[ScheduledSession],
    enrollments: list[Enrollment],
    facilitator: User,
    *,
    with_notes: bool,
) -> None:
    rows = ActivityRows()
    group_attendance_build(held, enrollments, facilitator, with_notes=with_notes, rows=rows)
    rows.save()


def group_attendance_build(
    held: list[ScheduledSession],
    enrollments: list[Enrollment],
    facilitator: User,
    *,
    with_notes: bool,
    rows: ActivityRows,
) -> None:
    """A group's attendance, follow-ups and notes (saved enrollments), added to `rows`."""
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
    rows.attendance.extend(
        Attendance(
            scheduled_session=session,
            enrollment=enrollment,
            status=statuses.get((session.pk, enrollment.pk), AttendanceStatus.ATTENDED),
            recorded_by=facilitator,
        )
        for session in held
        for enrollment in enrollments
    )
    for (session_pk, enrollment_pk), status in statuses.items():
        if status != AttendanceStatus.ABSENT:
            continue
        earlier = session_pk != held[-1].pk
        rows.follow_ups.append(
            FollowUp(
                scheduled_session_id=session_pk,
                enrollment_id=enrollment_pk,
                resolved_at=held[0].starts_at + dt.timedelta(days=2) if earlier else None,
                resolved_by=facilitator if earlier else None,
                resolution="Spoke on the phone; sent the week's material." if earlier else "",
            )
        )
    if not with_notes:
        return
    rows.notes.extend(
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
    rows.notes.extend(
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
    PracticeLog.objects.bulk_create(mbsr_practice_build(program, held, enrollments, today))


def mbsr_practice_build(
    program: Program, held: list[ScheduledSession], enrollments: list[Enrollment], today: dt.date
) -> list[PracticeLog]:
    """A group's practice logs from its first session to yesterday, unsaved."""
    if not held:
        return []
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
    return logs


def ier_attendance_build(
    enrollment: Enrollment, held: list[ScheduledSession], facilitator: User, position: int
) -> tuple[list[Attendance], list[FollowUp], list[FacilitatorNote]]:
    """A one-on-one participant's attendance, follow-ups and coping-plan notes, unsaved."""
    attendance = []
    follow_ups = []
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
            follow_ups.append(FollowUp(scheduled_session=session, enrollment=enrollment))
    notes = [
        FacilitatorNote(
            scheduled_session=session,
            text=_COPING_PLANS[(position + i) % len(_COPING_PLANS)],
            author=facilitator,
            updated_by=facilitator,
        )
        for i, session in enumerate(held)
        if session.program_session.number in (1, 2)
    ]
    return attendance, follow_ups, notes


def ier_attendance_create(
    enrollment: Enrollment, held: list[ScheduledSession], facilitator: User, position: int
) -> None:
    attendance, follow_ups, notes = ier_attendance_build(enrollment, held, facilitator, position)
    FollowUp.objects.bulk_create(follow_ups)
    Attendance.objects.bulk_create(attendance)
    FacilitatorNote.objects.bulk_create(notes)


def ier_strategy_use_build(
    program: Program,
    enrollment: Enrollment,
    held: list[ScheduledSession],
    today: dt.date,
    position: int,
) -> list[PracticeLog]:
    """A one-on-one participant's strategy use since their first session, unsaved."""
    if not held:
        return []
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
    return logs


def ier_strategy_use_create(
    program: Program,
    enrollment: Enrollment,
    held: list[ScheduledSession],
    today: dt.date,
    position: int,
) -> None:
    PracticeLog.objects.bulk_create(
        ier_strategy_use_build(program, enrollment, held, today, position)
    )
