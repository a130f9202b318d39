"""Reads of the coordinator's landing page: what needs them across their organization.

The organization and its cohorts are those of sessions.reports.selectors.access (coordinators
only; anyone else gets 404), so this page covers the cohorts the overview and the exports cover.
Each part is one query whatever the number of cohorts or participants.

Two parts of the page belong to rooms reports may not import: messages that did not arrive
(notifications) and requests to erase (rights, which reads them through its own access rule).
The page's template asks those apps' own template tags for their counts, as every staff page
asks the questionnaires' tag for open safety flags, so Python imports still point only down.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from django.urls import reverse

from accounts.models import Organization, User
from accounts.selectors import invitation_list_pending
from sessions.models import ScheduledSession
from sessions.questionnaires.selectors import safety_event_list_open_for_staff
from sessions.reports.selectors.overview import report_access_for_coordinator
from sessions.reports.selectors.worklist import safety_items_build
from sessions.selectors import follow_up_list_open_for_cohorts, scheduled_session_list_unrecorded
from sessions.trials.models import Screening
from sessions.trials.screening_selectors import screening_safety_open

__all__ = [
    "ATTENDANCE_GRACE",
    "ATTENDANCE_LOOK_BACK",
    "LIST_LIMIT",
    "LandingPage",
    "landing_for_coordinator",
]

# Attendance is the facilitator's to record; a day after the session it is worth a word.
ATTENDANCE_GRACE = dt.timedelta(hours=24)
# Older gaps are for the cohort page's attendance grid, not for today's list.
ATTENDANCE_LOOK_BACK = dt.timedelta(days=28)
# A long list is shown in part, with the count and a link to where the rest are handled.
LIST_LIMIT = 20


@dataclass(frozen=True)
class LandingPage:
    """Everything the coordinator's landing page shows, under the names its template uses."""

    organization: Organization
    safety_items: list[dict[str, Any]]
    # Screened people (not enrolled) whose PHQ-9 item 9 flag nobody has followed up yet.
    screening_safety: list[Screening]
    follow_ups: list[dict[str, Any]]
    follow_up_count: int
    unrecorded: list[dict[str, Any]]
    unrecorded_count: int
    invitation_count: int
    list_limit: int
    now: dt.datetime

    @property
    def task_count(self) -> int:
        """Tasks this page knows of (requests to erase are counted by the template's tag)."""
        return self.follow_up_count + self.unrecorded_count + self.invitation_count

    def as_context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)} | {
            "task_count": self.task_count
        }


def _unrecorded_item(session: ScheduledSession) -> dict[str, Any]:
    return {
        "session": session,
        "url": reverse("program_sessions:session_detail", args=[session.pk]),
        "grid_url": reverse("program_sessions:attendance_grid", args=[session.cohort_id]),
    }


def landing_for_coordinator(*, user: User, now: dt.datetime) -> LandingPage:
    """The organization's open safety flags and tasks (follow-ups open, attendance not recorded
    a day after a session, invitations waiting), for its coordinators only (others get 404)."""
    access = report_access_for_coordinator(user=user)
    organization = access.organization
    cohort_ids = list(access.cohorts.values_list("pk", flat=True))
    ours = set(cohort_ids)
    events = [
        e for e in safety_event_list_open_for_staff(user=user) if e.enrollment.cohort_id in ours
    ]
    follow_ups = list(follow_up_list_open_for_cohorts(cohort_ids=cohort_ids))
    # A session is done when it ends; its attendance is due a day after that.
    unrecorded = [
        s
        for s in scheduled_session_list_unrecorded(
            cohort_ids=cohort_ids, since=now - ATTENDANCE_LOOK_BACK, until=now - ATTENDANCE_GRACE
        )
        if s.ends_at + ATTENDANCE_GRACE <= now
    ]
    return LandingPage(
        organization=organization,
        safety_items=safety_items_build(events, now=now),
        screening_safety=list(screening_safety_open(organization=organization)[:LIST_LIMIT]),
        follow_ups=[
            {
                "follow_up": f,
                "url": reverse("reports:cohort_follow_ups", args=[f.scheduled_session.cohort_id]),
            }
            for f in follow_ups[:LIST_LIMIT]
        ],
        follow_up_count=len(follow_ups),
        unrecorded=[_unrecorded_item(s) for s in unrecorded[:LIST_LIMIT]],
        unrecorded_count=len(unrecorded),
        invitation_count=invitation_list_pending(organization=organization).count(),
        list_limit=LIST_LIMIT,
        now=now,
    )
