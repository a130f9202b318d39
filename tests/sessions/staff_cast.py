"""The cohorts, schedules and people the staff page tests share.

A group cohort meets on Tuesdays at 18:00 London time from 1 September 2026 (17:00 UTC while
summer time lasts): sessions on 1, 8, 15 and 22 September. At NOW the first three were held.
"""

from __future__ import annotations

import datetime as dt

import time_machine

from accounts.models import Organization, User
from programs.models import Cohort, Enrollment, EnrollmentStatus
from sessions.models import PracticeLog, ScheduledSession
from sessions.services.schedule import schedule_sync_for_cohort, schedule_sync_for_enrollment
from tests.factories import (
    CohortFactory,
    EnrollmentFactory,
    ProgramFactory,
    UserFactory,
    shipped_program,
)

UTC = dt.UTC
START = dt.date(2026, 9, 1)
BEFORE = dt.datetime(2026, 8, 1, tzinfo=UTC)
NOW = dt.datetime(2026, 9, 16, 12, 0, tzinfo=UTC)


def group_cohort(
    organization: Organization, facilitators: list[User], *, sessions: int = 4, **kwargs: object
) -> Cohort:
    cohort = CohortFactory(
        organization=organization,
        program=ProgramFactory(sessions=sessions),
        facilitators=facilitators,
        start_date=START,
        **kwargs,
    )
    with time_machine.travel(BEFORE, tick=False):
        schedule_sync_for_cohort(cohort=cohort)
    return cohort


def ier_cohort(organization: Organization, facilitators: list[User]) -> Cohort:
    return CohortFactory(
        organization=organization,
        program=shipped_program("ier-6"),
        facilitators=facilitators,
        start_date=START,
        place="Lab 1",
        phone_instructions="We ring you on the number you gave us.",
    )


def enroll(cohort: Cohort, *, user: User | None = None, **kwargs: object) -> Enrollment:
    enrollment = EnrollmentFactory(cohort=cohort, user=user or UserFactory(), **kwargs)
    if cohort.program.is_individual:
        enrollment.start_date = enrollment.start_date or START
        enrollment.session_time = enrollment.session_time or dt.time(10)
        enrollment.save()
        with time_machine.travel(BEFORE, tick=False):
            schedule_sync_for_enrollment(enrollment=enrollment)
    return enrollment


def sessions_of(cohort: Cohort, enrollment: Enrollment | None = None) -> list[ScheduledSession]:
    return list(
        ScheduledSession.objects.filter(cohort=cohort, enrollment=enrollment)
        .select_related("program_session", "cohort")
        .order_by("starts_at")
    )


def withdraw(enrollment: Enrollment) -> None:
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.withdrawn_at = dt.date(2026, 9, 10)
    enrollment.save()


def log_practice(enrollment: Enrollment, day: dt.date, minutes: int | None = 20) -> PracticeLog:
    return PracticeLog.objects.create(
        enrollment=enrollment, date=day, practice="body_scan", minutes=minutes
    )
