"""Deterministic demo courses for local runs: MBSR groups and IER one-on-one participants mid-course.

`manage.py seed_demo` calls `demo_courses_ensure` after `accounts.demo.demo_people_ensure`.
Cohorts are found by name in the demo organization and participants keep the cohort they were
first placed in, so running the command again adds nothing, and a larger `--participants`
only places the new people.

Courses are built straight from the models, not through the services, on purpose: a demo needs
sessions that were held weeks ago and attendance already taken, which the services rightly
refuse for real data.

Who goes where is decided in people.py, what happened so far in activity.py (attendance, notes,
practice) and answers.py (questionnaires); dates.py holds the demo's time zone and dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.demo import DemoPeople
from programs.models import Cohort, Enrollment, Modality, Program
from sessions.demo.activity import (
    group_attendance_create,
    ier_attendance_create,
    ier_strategy_use_create,
    mbsr_practice_create,
)
from sessions.demo.answers import (
    OPEN_FOR_PARTICIPANT,
    demo_questionnaire_keep_open,
    demo_questionnaires_answer,
)
from sessions.demo.dates import ZONE, ZONE_NAME, first_date, sessions_held
from sessions.demo.people import demo_enrollment_create, participant_number, placement
from sessions.models import Attendance, PracticeLog, ScheduledSession, SessionStatus
from sessions.scheduling import local_to_utc
from sessions.services.schedule import schedule_sync_for_cohort, schedule_sync_for_enrollment

MBSR_SLUG = "mbsr-8-ms"
IER_SLUG = "ier-6"
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


@dataclass(frozen=True)
class DemoCohortSummary:
    name: str
    program: str
    participants: int
    sessions: int
    held: int
    attendance: int
    practice_logs: int


def _group_spec(index: int) -> _Group:
    if index < len(_GROUPS):
        return _GROUPS[index]
    base = _GROUPS[index % len(_GROUPS)]
    return _Group(f"MBSR group {index + 1}", base.weekday, base.at, base.held, base.modality)


def demo_group_ensure(
    *,
    people: DemoPeople,
    program: Program,
    index: int,
    numbers: list[int],
    enrolled: set[int],
    today: dt.date,
) -> None:
    """MBSR group `index` with participants `numbers` (those not in `enrolled` yet), its schedule
    built as before the course began, and what happened in the sessions held before `today`."""
    spec = _group_spec(index)
    first = first_date(today, spec.weekday, spec.held)
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
        demo_enrollment_create(cohort, by_number[n], f"MB-DEMO{n}", activated=cohort.start_date)
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
    held = sessions_held(sessions, day_start)
    group_attendance_create(held, new, facilitator, with_notes=created)
    mbsr_practice_create(program, held, new, today)
    for enrollment in new:
        demo_questionnaires_answer(
            enrollment,
            today,
            item9_positive=index == 0 and participant_number(enrollment.user) == 3,
        )


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
        first = first_date(today, plan.weekday, plan.held)
        enrollment = demo_enrollment_create(
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
        held = sessions_held(sorted(sessions, key=lambda s: s.starts_at), day_start)
        ier_attendance_create(enrollment, held, facilitator, position)
        ier_strategy_use_create(program, enrollment, held, today, position)
        demo_questionnaires_answer(enrollment, today, item9_positive=False)


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
            participants=c.n_participants,
            sessions=c.n_sessions,
            held=c.n_held,
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
    groups, one_on_one = placement(len(people.participants))
    with transaction.atomic():
        # Whoever is in a demo cohort already stays where they are.
        enrolled = set(
            Enrollment.objects.filter(cohort__organization=people.organization).values_list(
                "user_id", flat=True
            )
        )
        for index, numbers in sorted(groups.items()):
            demo_group_ensure(
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
        # On every run, not only the first: `make run` seeds at each start, so participant1 still
        # has an open questionnaire (in facilitator@demo.test's group) on a later day.
        kept_open = Enrollment.objects.filter(
            cohort__organization=people.organization,
            user=people.participants[OPEN_FOR_PARTICIPANT - 1],
        ).first()
        if kept_open is not None:
            demo_questionnaire_keep_open(kept_open, today)
    return _summaries(people.organization.pk, today)
