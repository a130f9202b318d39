"""Deterministic demo courses for local runs: MBSR groups and IER one-on-one participants mid-course.

`manage.py seed_demo` calls `demo_courses_ensure` after `accounts.demo.demo_people_ensure`.
Cohorts are found by name in the demo organization and participants keep the cohort they were
first placed in, so running the command again adds nothing, and a larger `--participants`
only places the new people.

Courses are built straight from the models, not through the services, on purpose: a demo needs
sessions that were held weeks ago and attendance already taken, which the services rightly
refuse for real data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.demo import DemoPeople
from accounts.models import User
from programs.instrument_library import Instrument, instrument_get
from programs.models import (
    Cohort,
    Enrollment,
    EnrollmentStatus,
    MeasurementKind,
    Modality,
    Program,
)
from sessions.models import (
    Attendance,
    AttendanceStatus,
    CallOutcome,
    FacilitatorNote,
    FollowUp,
    PracticeLog,
    ScheduledSession,
    SessionStatus,
)
from sessions.questionnaires.models import Assessment, Response, SafetyEvent
from sessions.questionnaires.services.assessments import assessment_windows_sync
from sessions.questionnaires.services.responses import answers_save, response_submit
from sessions.scheduling import local_to_utc
from sessions.services.schedule import schedule_sync_for_cohort, schedule_sync_for_enrollment

ZONE_NAME = "Europe/London"
ZONE = ZoneInfo(ZONE_NAME)
MBSR_SLUG = "mbsr-8-ms"
IER_SLUG = "ier-6"
# Groups of ten: a realistic MBSR group (the brief's cap is twelve), with room for late joiners.
MBSR_GROUP_SIZE = 10
IER_COHORT_NAME = "IER one-to-one"
PLACE = "Room 2, Riverside Health Centre, 12 Mill Lane, Demo Town"
IER_PLACE = "Quiet room, Riverside Health Centre, 12 Mill Lane, Demo Town"
IER_PHONE = (
    "Hana will ring the phone number on your profile at the session time. "
    "If you miss the call, ring 0100 000 0002 to find another time."
)


@dataclass(frozen=True)
class _Group:
    name: str
    weekday: int  # Monday = 0
    at: dt.time
    held: int  # weekly sessions held before today
    modality: str


# Each group at a different point of its course, so every page has something to show.
_GROUPS = [
    _Group("MBSR Tuesday evenings", 1, dt.time(18), 3, Modality.IN_PERSON),
    _Group("MBSR Thursday mornings", 3, dt.time(10, 30), 5, Modality.VIDEO),
    _Group("MBSR Monday afternoons", 0, dt.time(14), 0, Modality.IN_PERSON),
    _Group("MBSR Wednesday evenings", 2, dt.time(18, 30), 2, Modality.IN_PERSON),
    _Group("MBSR Saturday mornings", 5, dt.time(10), 1, Modality.VIDEO),
]


@dataclass(frozen=True)
class _OneOnOne:
    weekday: int
    at: dt.time
    held: int  # 0: starts in the coming week


# Some one-on-one participants started weeks ago, some start in the coming week.
_IER_STARTS = [
    _OneOnOne(0, dt.time(10), 4),
    _OneOnOne(2, dt.time(14), 0),
    _OneOnOne(3, dt.time(16, 30), 2),
    _OneOnOne(4, dt.time(11), 0),
    _OneOnOne(1, dt.time(13), 5),
    _OneOnOne(0, dt.time(15), 1),
]

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


@dataclass(frozen=True)
class DemoCohortSummary:
    name: str
    program: str
    participants: int
    sessions: int
    held: int
    attendance: int
    practice_logs: int


def _last_before(today: dt.date, weekday: int) -> dt.date:
    """The most recent `weekday` strictly before today (1 to 7 days ago)."""
    return today - dt.timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)


def _next_after(today: dt.date, weekday: int) -> dt.date:
    """The first `weekday` strictly after today (1 to 7 days ahead)."""
    return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _first_date(today: dt.date, weekday: int, held: int) -> dt.date:
    # `held` weekly meetings fall on dates before today; the next one is today or later.
    if held == 0:
        return _next_after(today, weekday)
    return _last_before(today, weekday) - dt.timedelta(weeks=held - 1)


def _group_spec(index: int) -> _Group:
    if index < len(_GROUPS):
        return _GROUPS[index]
    base = _GROUPS[index % len(_GROUPS)]
    return _Group(f"MBSR group {index + 1}", base.weekday, base.at, base.held, base.modality)


def _placement(count: int) -> tuple[dict[int, list[int]], list[int]]:
    """Participant numbers per MBSR group index, and the IER participants.

    Decided by the participant's number alone, so a larger `--participants` never moves anyone:
    every fourth person (2, 6, 10, …) is one-on-one, the rest fill groups of ten in order.
    """
    groups: dict[int, list[int]] = {}
    ier: list[int] = []
    placed_in_groups = 0
    for number in range(1, count + 1):
        if number % 4 == 2:
            ier.append(number)
        else:
            groups.setdefault(placed_in_groups // MBSR_GROUP_SIZE, []).append(number)
            placed_in_groups += 1
    return groups, ier


def _number(user: User) -> int:
    return int(user.email.removeprefix("participant").split("@")[0])


def _held(sessions: list[ScheduledSession], day_start: dt.datetime) -> list[ScheduledSession]:
    return [s for s in sessions if s.starts_at < day_start and s.status == SessionStatus.SCHEDULED]


def _ensure_group(
    *,
    people: DemoPeople,
    program: Program,
    index: int,
    numbers: list[int],
    enrolled: set[int],
    today: dt.date,
) -> None:
    spec = _group_spec(index)
    first = _first_date(today, spec.weekday, spec.held)
    facilitator = people.facilitators[index % len(people.facilitators)]
    cohort, created = Cohort.objects.get_or_create(
        organization=people.organization,
        name=spec.name,
        defaults={
            "program": program,
            "start_date": first,
            "meeting_weekday": spec.weekday,
            "meeting_time": spec.at,
            "timezone": ZONE_NAME,
            "default_modality": spec.modality,
            "place": PLACE if spec.modality == Modality.IN_PERSON else "",
            "video_link": f"https://video.demo.test/stillwater-{index + 1}"
            if spec.modality == Modality.VIDEO
            else "",
        },
    )
    if created:
        cohort.facilitators.set([facilitator])
        # Built as it would have been before the course began, so the early sessions exist as held.
        first_start = local_to_utc(first, spec.at, ZONE)
        schedule_sync_for_cohort(cohort=cohort, now=first_start - dt.timedelta(days=1))
    by_number = dict(enumerate(people.participants, start=1))
    new = [
        _enroll(cohort, by_number[n], f"MB-DEMO{n}", activated=cohort.start_date)
        for n in numbers
        if by_number[n].pk not in enrolled
    ]
    if not new:
        return
    day_start = local_to_utc(today, dt.time(0), ZONE)
    sessions = list(
        ScheduledSession.objects.filter(cohort=cohort, enrollment__isnull=True)
        .select_related("program_session")
        .order_by("starts_at")
    )
    held = _held(sessions, day_start)
    _group_attendance(held, new, facilitator, with_notes=created)
    _mbsr_practice(program, held, new, today)
    for enrollment in new:
        _questionnaires(
            enrollment, today, item9_positive=index == 0 and _number(enrollment.user) == 3
        )


def _enroll(
    cohort: Cohort, user: User, code: str, *, activated: dt.date, **extra: object
) -> Enrollment:
    started = local_to_utc(activated - dt.timedelta(days=10), dt.time(12), ZONE)
    enrollment = Enrollment.objects.create(
        cohort=cohort,
        user=user,
        participant_code=code,
        status=EnrollmentStatus.ACTIVE,
        activated_at=started,
        # Demo participants accepted their invitations, as real ones have before taking part.
        accepted_at=started,
        invited_name=user.full_name,
        invited_phone=user.phone,
        **extra,
    )
    assessment_windows_sync(enrollment=enrollment)
    return enrollment


def _group_attendance(
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


def _mbsr_practice(
    program: Program, held: list[ScheduledSession], enrollments: list[Enrollment], today: dt.date
) -> None:
    if not held:
        return
    durations = {p["code"]: p.get("durations") or [10] for p in program.practices}
    weeks = [(s.starts_at.astimezone(ZONE).date(), s.program_session.practices) for s in held]
    logs = []
    for position, enrollment in enumerate(enrollments):
        number = _number(enrollment.user)
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


def _ensure_ier(
    *, people: DemoPeople, program: Program, numbers: list[int], enrolled: set[int], today: dt.date
) -> None:
    facilitator = people.facilitators[-1]
    cohort, created = Cohort.objects.get_or_create(
        organization=people.organization,
        name=IER_COHORT_NAME,
        defaults={
            "program": program,
            "start_date": today - dt.timedelta(weeks=6),
            "meeting_weekday": 0,
            "meeting_time": dt.time(10),
            "timezone": ZONE_NAME,
            "default_modality": Modality.IN_PERSON,
            "place": IER_PLACE,
            "phone_instructions": IER_PHONE,
        },
    )
    if created:
        cohort.facilitators.set([facilitator])
    by_number = dict(enumerate(people.participants, start=1))
    day_start = local_to_utc(today, dt.time(0), ZONE)
    for position, number in enumerate(numbers):
        user = by_number[number]
        if user.pk in enrolled:
            continue
        plan = _IER_STARTS[position % len(_IER_STARTS)]
        first = _first_date(today, plan.weekday, plan.held)
        enrollment = _enroll(
            cohort,
            user,
            f"IER-DEMO{number}",
            activated=first,
            start_date=first,
            session_time=plan.at,
        )
        first_start = local_to_utc(first, plan.at, ZONE)
        sessions = schedule_sync_for_enrollment(
            enrollment=enrollment, now=first_start - dt.timedelta(days=1)
        )
        held = _held(sorted(sessions, key=lambda s: s.starts_at), day_start)
        _ier_attendance(enrollment, held, facilitator, position)
        _ier_strategy_use(program, enrollment, held, today, position)
        _questionnaires(enrollment, today, item9_positive=False)


def _ier_attendance(
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


def _ier_strategy_use(
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


# Instruments where a higher answer means feeling better, so a more distressed person answers
# lower; the rest (and IERQ, which is neither) are answered higher with more distress.
_HIGHER_IS_BETTER = {"who5", "maia2", "ffmq15", "ierq"}
# How distressed each demo person is before the course (0 to 1), by participant number; the
# course helps a little, so post answers come from a lower level.
_DISTRESS = [0.25, 0.45, 0.35, 0.6, 0.3, 0.5, 0.4, 0.2, 0.55, 0.35, 0.45, 0.3]
_POST_RELIEF = 0.15


def _demo_answers(
    instrument: Instrument, number: int, distress: float, *, item9_positive: bool
) -> dict[int, int | None]:
    """Plausible raw answers: one consistent level per person, a little spread item by item."""
    answers: dict[int, int | None] = {}
    for item in instrument.items:
        values = sorted(option.value for option in item.response_options)
        level = 1 - distress if instrument.code in _HIGHER_IS_BETTER else distress
        if item.number in instrument.reverse_items:
            level = 1 - level
        jitter = (item.number * 7 + number * 3) % 3 - 1
        index = min(len(values) - 1, max(0, round(level * (len(values) - 1)) + jitter))
        answers[item.number] = values[index]
    if instrument.code == "phq9":
        # Item 9 (thoughts of self-harm) raises a safety event unless answered 0: exactly one
        # demo person answers it positively so the facilitator's pages show a flag.
        answers[9] = 1 if item9_positive else 0
    return answers


def _questionnaires(enrollment: Enrollment, today: dt.date, *, item9_positive: bool) -> None:
    """Answer a new demo participant's questionnaires whose window has opened by today.

    Through the real services with a `now` inside the window, so responses are validated,
    scored, dated and completed (and the safety event raised) exactly as a participant's would
    be. Most people complete their baseline; every fifth person answered only the first
    questionnaire (missed if the window has closed), and whoever's window is still open has
    left the last questionnaire for later, so the demo has something to carry on with.

    Posts: the MBSR Tuesday group started three weeks ago and even the earliest one-to-one
    participants have not reached session 6, so with the default demo no post window has
    opened yet and no post answers exist; the same rule fills a post once its window is open.
    """
    number = _number(enrollment.user)
    reference = local_to_utc(today, dt.time(12), ZONE)
    assessments = Assessment.objects.filter(
        enrollment=enrollment, opens_at__lt=reference
    ).select_related("measurement_point")
    submitted: list[int] = []
    for assessment in assessments:
        is_post = assessment.measurement_point.kind != MeasurementKind.BASELINE
        distress = _DISTRESS[number % len(_DISTRESS)] - (_POST_RELIEF if is_post else 0)
        end = min(assessment.closes_at, reference)
        # Somewhere in the window, a different day and hour for each person.
        answered_at = assessment.opens_at + (end - assessment.opens_at) * (
            0.2 + 0.12 * (number % 5)
        )
        codes = list(assessment.instruments)
        if number % 5 == 0:
            codes = codes[:1]
        elif assessment.closes_at > reference:
            codes = codes[:-1]
        for position, code in enumerate(codes):
            at = answered_at + dt.timedelta(minutes=4 * position)
            response = answers_save(
                assessment=assessment,
                instrument=code,
                answers=_demo_answers(
                    instrument_get(code),
                    number,
                    distress,
                    item9_positive=item9_positive and not is_post,
                ),
                entered_by=enrollment.user,
                now=at,
            )
            response_submit(response=response, now=at)
            submitted.append(response.pk)
    # The services stamp these with the real clock; a demo answer given weeks ago says so.
    Response.objects.filter(pk__in=submitted).update(
        started_at=F("submitted_at"), updated_at=F("submitted_at")
    )
    SafetyEvent.objects.filter(response_id__in=submitted).update(
        raised_at=Subquery(
            Response.objects.filter(pk=OuterRef("response_id")).values("submitted_at")[:1]
        )
    )


def _summaries(organization_id: int, today: dt.date) -> list[DemoCohortSummary]:
    day_start = local_to_utc(today, dt.time(0), ZONE)
    cohorts = (
        Cohort.objects.filter(organization_id=organization_id)
        .select_related("program")
        .annotate(
            n_participants=Count("enrollments", distinct=True),
            n_sessions=Count("scheduled_sessions", distinct=True),
            n_held=Count(
                "scheduled_sessions",
                filter=Q(
                    scheduled_sessions__starts_at__lt=day_start,
                    scheduled_sessions__status=SessionStatus.SCHEDULED,
                ),
                distinct=True,
            ),
        )
        .order_by("pk")
    )
    attendance = dict(
        Attendance.objects.filter(enrollment__cohort__organization_id=organization_id)
        .values("enrollment__cohort_id")
        .annotate(n=Count("pk"))
        .values_list("enrollment__cohort_id", "n")
    )
    practice = dict(
        PracticeLog.objects.filter(enrollment__cohort__organization_id=organization_id)
        .values("enrollment__cohort_id")
        .annotate(n=Count("pk"))
        .values_list("enrollment__cohort_id", "n")
    )
    return [
        DemoCohortSummary(
            name=c.name,
            program=c.program.name,
            participants=c.n_participants,  # type: ignore[attr-defined]
            sessions=c.n_sessions,  # type: ignore[attr-defined]
            held=c.n_held,  # type: ignore[attr-defined]
            attendance=attendance.get(c.pk, 0),
            practice_logs=practice.get(c.pk, 0),
        )
        for c in cohorts
    ]


def demo_courses_ensure(
    *, people: DemoPeople, today: dt.date | None = None
) -> list[DemoCohortSummary]:
    """Create the demo cohorts, schedules, attendance, notes and practice once; return what exists."""
    today = today or timezone.localdate(timezone=ZONE)
    mbsr = Program.objects.get(slug=MBSR_SLUG)
    ier = Program.objects.get(slug=IER_SLUG)
    groups, one_on_one = _placement(len(people.participants))
    with transaction.atomic():
        # Whoever is in a demo cohort already stays where they are.
        enrolled = set(
            Enrollment.objects.filter(cohort__organization=people.organization).values_list(
                "user_id", flat=True
            )
        )
        for index, numbers in sorted(groups.items()):
            _ensure_group(
                people=people,
                program=mbsr,
                index=index,
                numbers=numbers,
                enrolled=enrolled,
                today=today,
            )
        if one_on_one:
            _ensure_ier(
                people=people, program=ier, numbers=one_on_one, enrolled=enrolled, today=today
            )
    return _summaries(people.organization.pk, today)
