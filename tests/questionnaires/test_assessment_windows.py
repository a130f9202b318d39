"""Questionnaire windows follow each participant's schedule (BRIEF §4, issue: measurement plan)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from programs.models import Arm
from programs.services import enrollment_invite
from sessions.models import ScheduledSession
from sessions.questionnaires.models import Assessment, AssessmentStatus
from sessions.questionnaires.selectors import assessment_list_due_for_enrollment
from sessions.questionnaires.services.assessments import assessment_windows_sync
from sessions.services.schedule import (
    schedule_sync_for_cohort,
    schedule_sync_for_enrollment,
    session_reschedule,
)
from tests.factories import CohortFactory, EnrollmentFactory, shipped_program

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
BEFORE = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)


def _mbsr_cohort():
    cohort = CohortFactory(program=shipped_program("mbsr-8-ms"), start_date=dt.date(2026, 10, 6))
    with time_machine.travel(BEFORE):
        schedule_sync_for_cohort(cohort=cohort)
    return cohort


def test_mbsr_participant_gets_baseline_and_post_with_the_eight_instruments():
    cohort = _mbsr_cohort()
    enrollment = EnrollmentFactory(cohort=cohort)
    baseline, post, *follow_ups = assessment_windows_sync(enrollment=enrollment)
    assert [a.measurement_point.code for a in follow_ups] == ["follow_up_3m", "follow_up_6m"]
    first_session = dt.datetime(2026, 10, 6, 18, tzinfo=LONDON)
    last_session = dt.datetime(2026, 11, 24, 18, tzinfo=LONDON)
    assert (baseline.opens_at, baseline.closes_at) == (
        first_session - dt.timedelta(days=14),
        first_session,
    )
    assert (post.opens_at, post.closes_at) == (last_session, last_session + dt.timedelta(days=21))
    assert baseline.instruments == [
        "pss10",
        "gad7",
        "phq9",
        "mfis21",
        "ucla3",
        "who5",
        "maia2",
        "ffmq15",
    ]


def test_ier_control_arm_gets_the_same_windows_as_if_they_had_sessions():
    cohort = CohortFactory(program=shipped_program("ier-6"), start_date=dt.date(2026, 10, 1))
    start = {"start_date": dt.date(2026, 10, 7), "session_time": dt.time(10)}
    treated = EnrollmentFactory(cohort=cohort, **start)
    control = EnrollmentFactory(cohort=cohort, arm=Arm.CONTROL, **start)
    with time_machine.travel(BEFORE):
        schedule_sync_for_enrollment(enrollment=treated)
        schedule_sync_for_enrollment(enrollment=control)
    assert not control.scheduled_sessions.exists()
    windows = [
        [
            (a.measurement_point.kind, a.opens_at, a.closes_at, a.instruments)
            for a in assessment_windows_sync(enrollment=e)
        ]
        for e in (treated, control)
    ]
    assert windows[0] == windows[1]
    assert windows[0][0][3] == ["phq9", "ierq"]


def test_moving_the_first_session_moves_the_baseline_window():
    cohort = _mbsr_cohort()
    enrollment = EnrollmentFactory(cohort=cohort)
    assessment_windows_sync(enrollment=enrollment)
    first = ScheduledSession.objects.filter(cohort=cohort).first()
    with time_machine.travel(BEFORE):
        session_reschedule(session=first, new_date=dt.date(2026, 10, 5), new_time=dt.time(18))
    baseline = Assessment.objects.get(enrollment=enrollment, measurement_point__kind="baseline")
    assert baseline.closes_at == dt.datetime(2026, 10, 5, 18, tzinfo=LONDON)


def test_completed_assessment_keeps_its_window():
    cohort = _mbsr_cohort()
    enrollment = EnrollmentFactory(cohort=cohort)
    baseline, *_later = assessment_windows_sync(enrollment=enrollment)
    baseline.completed_at = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    baseline.save()
    cohort.meeting_time = dt.time(10)
    with time_machine.travel(BEFORE):
        schedule_sync_for_cohort(cohort=cohort)
    assessment_windows_sync(enrollment=enrollment)
    baseline.refresh_from_db()
    assert baseline.closes_at == dt.datetime(2026, 10, 6, 18, tzinfo=LONDON)


def test_status_runs_from_upcoming_to_open_to_missed_unless_completed():
    cohort = _mbsr_cohort()
    enrollment = EnrollmentFactory(cohort=cohort)
    baseline, *_later = assessment_windows_sync(enrollment=enrollment)
    assert (
        baseline.status(now=baseline.opens_at - dt.timedelta(seconds=1))
        == AssessmentStatus.UPCOMING
    )
    assert baseline.status(now=baseline.opens_at) == AssessmentStatus.OPEN
    assert baseline.status(now=baseline.opens_at, started=True) == AssessmentStatus.IN_PROGRESS
    assert baseline.status(now=baseline.closes_at) == AssessmentStatus.MISSED
    baseline.completed_at = baseline.opens_at
    assert baseline.status(now=baseline.closes_at) == AssessmentStatus.COMPLETED


def test_due_list_shows_open_questionnaires_and_ones_opening_within_a_week():
    cohort = _mbsr_cohort()
    enrollment = EnrollmentFactory(cohort=cohort)
    baseline, *_later = assessment_windows_sync(enrollment=enrollment)
    assert (
        assessment_list_due_for_enrollment(
            enrollment=enrollment, now=baseline.opens_at - dt.timedelta(days=8)
        )
        == []
    )
    assert assessment_list_due_for_enrollment(
        enrollment=enrollment, now=baseline.opens_at - dt.timedelta(days=6)
    ) == [baseline]
    assert assessment_list_due_for_enrollment(enrollment=enrollment, now=baseline.closes_at) == []


def test_a_new_enrollment_through_the_coordinators_service_gets_its_windows(coordinator_user):
    cohort = _mbsr_cohort()
    with time_machine.travel(BEFORE):
        enrollment = enrollment_invite(
            cohort=cohort,
            email="new@example.org",
            full_name="New Person",
            invited_by=coordinator_user,
        )
    # Baseline, post and the follow-ups at three and six months.
    assert enrollment.assessments.count() == 4
