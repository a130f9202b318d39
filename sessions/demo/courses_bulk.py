"""The demo courses' new participants, written in bulk: every group at once, then every
one-to-one participant at once, with the rows courses.py makes one by one through the services
(bulk.py says how, tests/demo/test_bulk_seed.py checks that they are the same)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from accounts.models import User
from programs.models import Cohort, Enrollment, MeasurementPoint, Program
from sessions.demo.activity import (
    ActivityRows,
    group_attendance_build,
    ier_attendance_build,
    ier_strategy_use_build,
    mbsr_practice_build,
)
from sessions.demo.answers import demo_answers_reference, demo_questionnaires_answer
from sessions.demo.bulk import (
    BATCH,
    answers_plan,
    assessments_build,
    enrollments_bulk_create,
    group_anchors,
    measurement_points,
    one_to_one_anchors,
    one_to_one_sessions_build,
    responses_bulk_create,
)
from sessions.demo.dates import ZONE, sessions_held
from sessions.demo.people import demo_enrollment_build, participant_number
from sessions.models import ScheduledSession
from sessions.questionnaires.models import Assessment, Response
from sessions.questionnaires.services.assessments import assessment_windows_sync
from sessions.scheduling import local_to_utc

ONE_TO_ONE_PER_BATCH = 1000


@dataclass(frozen=True)
class GroupJoining:
    """People joining one MBSR group, with what the group already has."""

    cohort: Cohort
    program: Program
    created: bool  # a new group: its session notes are written with its first people
    facilitator: User
    users: list[User]
    sessions: list[ScheduledSession]  # the group's sessions, by start
    # The one demo person who answers PHQ-9 item 9 positively, if in this group (answers.py).
    flagged_number: int | None = None


def group_code(user: User) -> str:
    return f"MB-DEMO{participant_number(user)}"


def groups_fill_bulk(groups: list[GroupJoining], today: dt.date) -> None:
    """Enroll everyone joining `groups`, with their attendance, practice, windows and answers.

    The flagged person's answers go through the services after the rest (one person: their
    safety event and its alert are the services' to write)."""
    new_per_group = [
        [
            demo_enrollment_build(
                group.cohort, user, group_code(user), activated=group.cohort.start_date
            )
            for user in group.users
        ]
        for group in groups
    ]
    enrollments_bulk_create([e for new in new_per_group for e in new])
    day_start = local_to_utc(today, dt.time(0), ZONE)
    reference = demo_answers_reference(today)
    points: dict[int, list[MeasurementPoint]] = {}
    rows = ActivityRows()
    assessments: list[Assessment] = []
    responses: list[Response] = []
    apart: list[Enrollment] = []
    for group, new in zip(groups, new_per_group, strict=True):
        held = sessions_held(group.sessions, day_start)
        group_attendance_build(held, new, group.facilitator, with_notes=group.created, rows=rows)
        rows.practice.extend(mbsr_practice_build(group.program, held, new, today))
        anchors = group_anchors(group.sessions)
        if anchors is None:  # pragma: no cover - every demo group has sessions
            for enrollment in new:
                assessment_windows_sync(enrollment=enrollment)
            continue
        if group.program.pk not in points:
            points[group.program.pk] = measurement_points(group.program)
        for enrollment in new:
            built = assessments_build(enrollment, anchors, points[group.program.pk])
            assessments.extend(built)
            if participant_number(enrollment.user) == group.flagged_number:
                apart.append(enrollment)
            else:
                responses.extend(answers_plan(built, reference))
    Assessment.objects.bulk_create(assessments, batch_size=BATCH)
    responses_bulk_create(responses)
    rows.save()
    for enrollment in apart:
        demo_questionnaires_answer(enrollment, today, item9_positive=True)


@dataclass(frozen=True)
class OneToOneJoining:
    """A person starting the one-to-one course: their place in the list, first date and time."""

    position: int
    user: User
    first: dt.date
    at: dt.time


def one_to_one_fill_bulk(
    cohort: Cohort, joining: list[OneToOneJoining], facilitator: User, today: dt.date
) -> None:
    """Enroll `joining` in the one-to-one cohort, each with their own schedule, attendance,
    notes, strategy use, windows and answers; the same rows as courses._ensure_ier makes one
    by one through the services. A thousand people at a time, to keep memory low."""
    for start in range(0, len(joining), ONE_TO_ONE_PER_BATCH):
        _one_to_one_fill(cohort, joining[start : start + ONE_TO_ONE_PER_BATCH], facilitator, today)


def _one_to_one_fill(
    cohort: Cohort, joining: list[OneToOneJoining], facilitator: User, today: dt.date
) -> None:
    if not joining:
        return
    program = cohort.program
    program_sessions = list(program.sessions.order_by("number"))
    points = measurement_points(program)
    reference = demo_answers_reference(today)
    day_start = local_to_utc(today, dt.time(0), ZONE)
    new = [
        demo_enrollment_build(
            cohort,
            person.user,
            f"IER-DEMO{participant_number(person.user)}",
            activated=person.first,
            start_date=person.first,
            session_time=person.at,
        )
        for person in joining
    ]
    enrollments_bulk_create(new)
    sessions: list[ScheduledSession] = []
    assessments: list[Assessment] = []
    responses: list[Response] = []
    own_sessions = []
    for enrollment in new:
        own = one_to_one_sessions_build(enrollment, program_sessions)
        sessions.extend(own)
        own_sessions.append(own)
        anchors = one_to_one_anchors(own)
        if anchors is None:  # pragma: no cover - IER always has weekly sessions
            continue
        built = assessments_build(enrollment, anchors, points)
        assessments.extend(built)
        responses.extend(answers_plan(built, reference))
    ScheduledSession.objects.bulk_create(sessions, batch_size=BATCH)
    Assessment.objects.bulk_create(assessments, batch_size=BATCH)
    responses_bulk_create(responses)
    rows = ActivityRows()
    for person, enrollment, own in zip(joining, new, own_sessions, strict=True):
        held = sessions_held(sorted(own, key=lambda s: s.starts_at), day_start)
        attendance, follow_ups, notes = ier_attendance_build(
            enrollment, held, facilitator, person.position
        )
        rows.attendance.extend(attendance)
        rows.follow_ups.extend(follow_ups)
        rows.notes.extend(notes)
        rows.practice.extend(
            ier_strategy_use_build(program, enrollment, held, today, person.position)
        )
    rows.save()
