"""Deterministic demo courses for local runs: MBSR groups and IER one-on-one participants mid-course.

`manage.py seed_demo` calls `demo_courses_ensure` after `accounts.demo.demo_people_ensure`.
Cohorts are found by name in the demo organization and participants keep the cohort they were
first placed in, so running the command again adds nothing, and a larger `--participants`
only places the new people.

Courses are built straight from the models, not through the services, on purpose: a demo needs
sessions that were held weeks ago and attendance already taken, which the services rightly
refuse for real data.

New participants' rows are written many at a time (courses_bulk.py, bulk.py), so that
`--participants 10000` takes minutes, not half an hour; `bulk=False` makes them one person at
a time, through the services where the demo uses them, and tests/demo/test_bulk_seed.py checks
that both make the same rows.

Who goes where is decided in people.py, what happened so far in activity.py (attendance, notes,
practice) and answers.py (questionnaires); dates.py holds the demo's time zone and dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, QuerySet
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
from sessions.demo.courses_bulk import (
    GroupJoining,
    OneToOneJoining,
    group_code,
    groups_fill_bulk,
    one_to_one_fill_bulk,
)
from sessions.demo.dates import ZONE, ZONE_NAME, first_date, sessions_held
from sessions.demo.people import demo_enrollment_create, participant_number, placement
from sessions.models import Attendance, PracticeLog, ScheduledSession, SessionStatus
from sessions.scheduling import local_to_utc
from sessions.services.schedule import schedule_sync_for_cohort, schedule_sync_for_enrollment

MBSR_SLUG = "mbsr-8-ms"
IER_SLUG = "ier-6"
IER_COHORT_NAME = "IER one-to-one"
# Groups written together in bulk: few enough rows held at once to keep memory low.
GROUPS_PER_BATCH = 100
# The participant in the first group who answers PHQ-9 item 9 positively (answers.py).
_FLAGGED_NUMBER = 3
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
    bulk: bool = True,
) -> None:
    """MBSR group `index` with participants `numbers` (those not in `enrolled` yet), its schedule
    built as before the course began, and what happened in the sessions held before `today`.

    `bulk`: the new people's rows written together (courses_bulk.py); otherwise one by one
    through the services, the path the bulk one is checked against."""
    group = _group_prepare(
        people=people,
        program=program,
        index=index,
        numbers=numbers,
        enrolled=enrolled,
        today=today,
    )
    if group is None:
        return
    if bulk:
        groups_fill_bulk([group], today)
    else:
        _group_fill(group, today)


def _group_prepare(
    *,
    people: DemoPeople,
    program: Program,
    index: int,
    numbers: list[int],
    enrolled: set[int],
    today: dt.date,
) -> GroupJoining | None:
    """The group, made with its schedule if new, and who joins it now (None: nobody)."""
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
    joining = [by_number[n] for n in numbers if by_number[n].pk not in enrolled]
    if not joining:
        return None
    sessions = list(
        ScheduledSession.objects.filter(cohort=cohort, enrollment__isnull=True)
        .select_related("program_session")
        .order_by("starts_at")
    )
    return GroupJoining(
        cohort=cohort,
        program=program,
        created=created,
        facilitator=facilitator,
        users=joining,
        sessions=sessions,
        # Exactly one demo person answers PHQ-9 item 9 positively (answers.py).
        flagged_number=_FLAGGED_NUMBER if index == 0 else None,
    )


def _group_fill(group: GroupJoining, today: dt.date) -> None:
    """The people joining a group, one by one through the services."""
    new = [
        demo_enrollment_create(
            group.cohort, user, group_code(user), activated=group.cohort.start_date
        )
        for user in group.users
    ]
    day_start = local_to_utc(today, dt.time(0), ZONE)
    held = sessions_held(group.sessions, day_start)
    group_attendance_create(held, new, group.facilitator, with_notes=group.created)
    mbsr_practice_create(group.program, held, new, today)
    for enrollment in new:
        demo_questionnaires_answer(
            enrollment,
            today,
            item9_positive=participant_number(enrollment.user) == group.flagged_number,
        )


def _ensure_ier(
    *,
    people: DemoPeople,
    program: Program,
    numbers: list[int],
    enrolled: set[int],
    today: dt.date,
    bulk: bool = True,
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
    joining = []
    for position, number in enumerate(numbers):
        user = by_number[number]
        if user.pk in enrolled:
            continue
        start = _IER_STARTS[position % len(_IER_STARTS)]
        first = first_date(today, start.weekday, start.held)
        joining.append(OneToOneJoining(position=position, user=user, first=first, at=start.at))
    if bulk:
        one_to_one_fill_bulk(cohort, joining, facilitator, today)
        return
    day_start = local_to_utc(today, dt.time(0), ZONE)
    for person in joining:
        enrollment = demo_enrollment_create(
            cohort,
            person.user,
            f"IER-DEMO{participant_number(person.user)}",
            activated=person.first,
            start_date=person.first,
            session_time=person.at,
        )
        first_start = local_to_utc(person.first, person.at, ZONE)
        sessions = schedule_sync_for_enrollment(
            enrollment=enrollment, now=first_start - dt.timedelta(days=1)
        )
        held = sessions_held(sorted(sessions, key=lambda s: s.starts_at), day_start)
        ier_attendance_create(enrollment, held, facilitator, person.position)
        ier_strategy_use_create(program, enrollment, held, today, person.position)
        demo_questionnaires_answer(enrollment, today, item9_positive=False)


def _per_cohort(rows: QuerySet, cohort_field: str, **counted: object) -> dict[int, int]:
    return dict(
        rows.filter(**counted)
        .values(cohort_field)
        .annotate(n=Count("pk"))
        .values_list(cohort_field, "n")
    )


def _summaries(organization_id: int, today: dt.date) -> list[DemoCohortSummary]:
    day_start = local_to_utc(today, dt.time(0), ZONE)
    cohorts = (
        Cohort.objects.filter(organization_id=organization_id)
        .select_related("program")
        .order_by("pk")
    )
    # One count per table, grouped by cohort: counting enrollments and sessions in one query
    # joins them (every participant times every session), which in the one-to-one cohort of
    # a 10,000-person demo is tens of millions of rows.
    in_org = {"cohort__organization_id": organization_id}
    participants = _per_cohort(Enrollment.objects.filter(**in_org), "cohort_id")
    sessions = _per_cohort(ScheduledSession.objects.filter(**in_org), "cohort_id")
    held = _per_cohort(
        ScheduledSession.objects.filter(**in_org),
        "cohort_id",
        starts_at__lt=day_start,
        status=SessionStatus.SCHEDULED,
    )
    by_enrollment = {"enrollment__cohort__organization_id": organization_id}
    attendance = _per_cohort(Attendance.objects.filter(**by_enrollment), "enrollment__cohort_id")
    practice = _per_cohort(PracticeLog.objects.filter(**by_enrollment), "enrollment__cohort_id")
    return [
        DemoCohortSummary(
            name=c.name,
            program=c.program.name,
            participants=participants.get(c.pk, 0),
            sessions=sessions.get(c.pk, 0),
            held=held.get(c.pk, 0),
            attendance=attendance.get(c.pk, 0),
            practice_logs=practice.get(c.pk, 0),
        )
        for c in cohorts
    ]


def demo_courses_ensure(
    *, people: DemoPeople, today: dt.date | None = None, bulk: bool = True
) -> list[DemoCohortSummary]:
    """Create the demo cohorts, schedules, attendance, notes and practice once; return what exists.

    `bulk` (the default) writes new participants' rows many at a time (bulk.py); False makes
    them one by one through the services, as the bulk path is checked against."""
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
        ordered = sorted(groups.items())
        step = GROUPS_PER_BATCH if bulk else 1
        for start in range(0, len(ordered), step):
            joining = [
                group
                for index, numbers in ordered[start : start + step]
                if (
                    group := _group_prepare(
                        people=people,
                        program=mbsr,
                        index=index,
                        numbers=numbers,
                        enrolled=enrolled,
                        today=today,
                    )
                )
                is not None
            ]
            if bulk:
                groups_fill_bulk(joining, today)
            else:
                for group in joining:
                    _group_fill(group, today)
        if one_on_one:
            _ensure_ier(
                people=people,
                program=ier,
                numbers=one_on_one,
                enrolled=enrolled,
                today=today,
                bulk=bulk,
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
