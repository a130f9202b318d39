"""The facilitator's weekly summary: each of their cohorts over the past week, in counts only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from programs.models import Cohort, EnrollmentStatus
from sessions.models import ScheduledSession, SessionStatus
from sessions.notifications.services.links import absolute_url, cohort_label


@dataclass(frozen=True)
class DigestLine:
    label: str
    url: str
    sessions_held: int
    attendance_missing: int
    open_follow_ups: int
    questionnaires_due: int


def digest_lines(*, user_id: int, now: dt.datetime) -> list[DigestLine]:
    """Each of a facilitator's cohorts over the past week, in counts only (fixed queries)."""
    week_ago = now - dt.timedelta(days=7)
    cohorts = list(
        Cohort.objects.filter(facilitators=user_id)
        .annotate(
            follow_ups=Count(
                "enrollments__follow_ups",
                filter=Q(enrollments__follow_ups__resolved_at__isnull=True),
                distinct=True,
            ),
            due=Count(
                "enrollments__assessments",
                filter=Q(
                    enrollments__status=EnrollmentStatus.ACTIVE,
                    enrollments__assessments__opens_at__lte=now,
                    enrollments__assessments__closes_at__gt=now,
                    enrollments__assessments__completed_at__isnull=True,
                ),
                distinct=True,
            ),
        )
        .order_by("start_date", "pk")
    )
    held = list(
        ScheduledSession.objects.filter(
            cohort__in=cohorts,
            status=SessionStatus.SCHEDULED,
            starts_at__gte=week_ago,
            starts_at__lt=now,
        ).annotate(recorded=Count("attendances"))
    )
    expected = dict(
        Cohort.objects.filter(pk__in=[c.pk for c in cohorts])
        .annotate(
            n=Count(
                "enrollments",
                filter=Q(
                    enrollments__status=EnrollmentStatus.ACTIVE, enrollments__arm="intervention"
                ),
            )
        )
        .values_list("pk", "n")
    )
    lines = []
    for cohort in cohorts:
        mine = [s for s in held if s.cohort_id == cohort.pk]
        missing = sum(
            max(0, (1 if s.enrollment_id else expected.get(cohort.pk, 0)) - s.recorded)  # type: ignore[attr-defined]
            for s in mine
        )
        lines.append(
            DigestLine(
                label=cohort_label(cohort),
                url=absolute_url("reports:cohort_detail", cohort.pk),
                sessions_held=len(mine),
                attendance_missing=missing,
                open_follow_ups=cohort.follow_ups,
                questionnaires_due=cohort.due,
            )
        )
    return lines
