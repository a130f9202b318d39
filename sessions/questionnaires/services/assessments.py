"""Questionnaire windows: each enrollment's assessments follow its schedule."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from programs.models import Cohort, Delivery, Enrollment, EnrollmentStatus, WindowAnchor
from sessions.models import ScheduledSession
from sessions.questionnaires.models import Assessment
from sessions.scheduling import plan


def _planned_anchor_times(enrollment: Enrollment) -> tuple[dt.datetime, dt.datetime] | None:
    """First and last weekly session as the pattern lays them out (for people with no sessions)."""
    cohort = enrollment.cohort
    numbers = list(
        cohort.program.sessions.filter(optional=False)
        .order_by("number")
        .values_list("number", flat=True)
    )
    if not numbers:
        return None
    individual = (
        cohort.program.delivery == Delivery.INDIVIDUAL and enrollment.start_date is not None
    )
    # A self-guided course never meets: its week 1 opens on the start date itself (the day the
    # participant's weeks count from), whatever meeting day and time the cohort row holds.
    self_guided = cohort.program.delivery == Delivery.SELF_GUIDED
    start = (
        enrollment.start_date
        if (individual or self_guided) and enrollment.start_date
        else cohort.start_date
    )
    at = enrollment.session_time if individual and enrollment.session_time else cohort.meeting_time
    planned = plan(
        numbers=numbers,
        optional_after={},
        start=start,
        weekday=start.weekday() if individual or self_guided else cohort.meeting_weekday,
        at=dt.time(0, 0) if self_guided else at,
        zone=cohort.zoneinfo,
        cadence_days=cohort.program.cadence_days,
        skip_dates=set() if self_guided else cohort.skip_date_set,
    )
    return planned[0].starts_at, planned[-1].starts_at


def _anchor_times(enrollment: Enrollment) -> tuple[dt.datetime, dt.datetime] | None:
    """First and last weekly session the participant has (or, in the control arm, would have had)."""
    starts = list(
        ScheduledSession.objects.for_enrollment(enrollment)
        .active()
        .filter(is_makeup=False, program_session__optional=False)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    if starts:
        return starts[0], starts[-1]
    return _planned_anchor_times(enrollment)


def assessment_windows_sync(*, enrollment: Enrollment) -> list[Assessment]:
    """Create or move an enrollment's assessments to follow its schedule; completed ones, and
    windows staff extended or reopened, stay put."""
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        return []
    anchors = _anchor_times(enrollment)
    if anchors is None:
        return []
    first, last = anchors
    points = [p for p in enrollment.cohort.program.measurement_points.all() if p.instruments]
    existing = {a.measurement_point_id: a for a in enrollment.assessments.all()}
    result = []
    with transaction.atomic():
        for point in points:
            base = first if point.anchor == WindowAnchor.FIRST_SESSION else last
            opens_at = base + dt.timedelta(days=point.opens_days)
            closes_at = base + dt.timedelta(days=point.closes_days)
            assessment = existing.get(point.pk)
            if assessment is None:
                assessment = Assessment.objects.create(
                    enrollment=enrollment,
                    measurement_point=point,
                    instruments=list(point.instruments),
                    opens_at=opens_at,
                    closes_at=closes_at,
                )
            elif (
                assessment.completed_at is None
                and not assessment.window_set_by_staff
                and (
                    assessment.opens_at,
                    assessment.closes_at,
                )
                != (opens_at, closes_at)
            ):
                assessment.opens_at, assessment.closes_at = opens_at, closes_at
                assessment.save(update_fields=["opens_at", "closes_at"])
            result.append(assessment)
    return result


def assessment_windows_sync_for_cohort(*, cohort: Cohort) -> None:
    """Follow a cohort's schedule change in every current participant's questionnaire windows."""
    for enrollment in cohort.enrollments.exclude(status=EnrollmentStatus.WITHDRAWN).select_related(
        "cohort__program"
    ):
        assessment_windows_sync(enrollment=enrollment)
