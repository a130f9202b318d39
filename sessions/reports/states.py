"""A cohort's state (not started, running, finished) and its first and last day: one rule for
the overview's status column and filter, and for the exports' cohort columns.

The state comes from the cohort's live (not cancelled) sessions, read with the cohorts as two
subqueries (`with_session_span`), so a list of cohorts costs no extra query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from programs.models import Cohort
from sessions.models import ScheduledSession, SessionStatus

__all__ = ["EXPORT_STATES", "CohortState", "cohort_end_date", "cohort_state", "with_session_span"]


class CohortState:
    UPCOMING = "upcoming"
    RUNNING = "running"
    FINISHED = "finished"
    CHOICES = [
        (UPCOMING, "Not started yet"),
        (RUNNING, "Running"),
        (FINISHED, "Finished"),
    ]
    LABELS = dict(CHOICES)


# How the exports write each state (the overview's URLs keep "upcoming").
EXPORT_STATES = {
    CohortState.UPCOMING: "not_started",
    CohortState.RUNNING: "running",
    CohortState.FINISHED: "finished",
}


def with_session_span(cohorts: QuerySet[Cohort]) -> QuerySet[Cohort]:
    """The cohorts with the start of their first and last live session (`first_session_at`,
    `last_session_at`), as subqueries: no join, so other annotations still count right."""
    live = ScheduledSession.objects.filter(
        cohort_id=OuterRef("pk"), status=SessionStatus.SCHEDULED
    ).values("starts_at")
    return cohorts.annotate(
        first_session_at=Subquery(live.order_by("starts_at")[:1]),
        last_session_at=Subquery(live.order_by("-starts_at")[:1]),
    )


def cohort_state(cohort: Any, now: dt.datetime) -> str:
    """Not started until its first session begins, finished once its last one has begun."""
    first: dt.datetime | None = getattr(cohort, "first_session_at", None)
    last: dt.datetime | None = getattr(cohort, "last_session_at", None)
    if first is None or last is None:
        # No sessions (yet): one-on-one courses before anyone is scheduled, self-guided courses.
        today = timezone.localdate(now, timezone=cohort.zoneinfo)
        return CohortState.UPCOMING if cohort.start_date > today else CohortState.RUNNING
    if first > now:
        return CohortState.UPCOMING
    if last < now:
        return CohortState.FINISHED
    return CohortState.RUNNING


def cohort_end_date(cohort: Any) -> dt.date | None:
    """The day (in the cohort's time zone) of its last live session; None without sessions."""
    last: dt.datetime | None = getattr(cohort, "last_session_at", None)
    return None if last is None else timezone.localdate(last, timezone=cohort.zoneinfo)
