"""Reads of the facilitator's worklist: what to do today and this week in the cohorts they run.

Only cohorts the user facilitates are read: they come from programs.access (the cohorts the user
may see as staff), narrowed to those they are assigned to, so a coordinator's other cohorts stay
on the coordinator's own page. Each part is one query whatever the number of cohorts or
participants; what the page shows is built from those rows here, without further queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.dateformat import format as date_format

from accounts.contacts import ContactLine, contact_line_parse
from accounts.models import Organization, User
from accounts.selectors import membership_get_working, user_get_role
from programs.access import cohort_list_in_working_organization
from sessions.models import FollowUp, ScheduledSession
from sessions.questionnaires.models import Assessment, SafetyEvent
from sessions.questionnaires.selectors import (
    assessment_ids_started,
    assessment_list_to_chase_for_cohorts,
    safety_event_list_open_for_staff,
)
from sessions.questionnaires.services.safety import safety_event_answer_text
from sessions.selectors import (
    follow_up_list_open_for_cohorts,
    scheduled_session_list_for_facilitator,
)
from sessions.working_hours import safety_flag_escalates_at

__all__ = [
    "CHASE_CLOSED_DAYS",
    "CHASE_CLOSING_DAYS",
    "WEEK_DAYS",
    "WorklistPage",
    "safety_flag_is_overdue",
    "safety_items_build",
    "worklist_for_facilitator",
]

# "This week": the seven days after today, so a Friday still shows Monday's calls and a weekly
# group's next meeting is always on the list.
WEEK_DAYS = 7
# A questionnaire closing this soon and not started is worth a call now.
CHASE_CLOSING_DAYS = 2
# Missed questionnaires stay on the list this long after their window closed: long enough to
# reach the person, short enough that a finished course does not fill the page for ever.
CHASE_CLOSED_DAYS = 14


def safety_flag_is_overdue(
    *, raised_at: dt.datetime, now: dt.datetime, organization: Organization
) -> bool:
    """Whether an open safety flag has waited longer than its organization allows: the same
    working hours (Monday to Friday, 09:00-17:00 on the organization's clock; one working day
    unless the coordinators set another number) after which it is e-mailed to the coordinators."""
    return safety_flag_escalates_at(raised_at=raised_at, organization=organization) <= now


def safety_items_build(events: list[SafetyEvent], *, now: dt.datetime) -> list[dict[str, Any]]:
    """What a landing page shows of each open safety flag, oldest first (it is the most urgent)."""
    return [
        {
            "event": event,
            "answer_text": safety_event_answer_text(event),
            "is_overdue": safety_flag_is_overdue(
                raised_at=event.raised_at,
                now=now,
                organization=event.enrollment.cohort.organization,
            ),
            "url": reverse("questionnaires:safety_event_detail", args=[event.pk]),
        }
        for event in sorted(events, key=lambda e: (e.raised_at, e.pk))
    ]


@dataclass(frozen=True)
class WorklistPage:
    """Everything the worklist shows, under the names its template uses."""

    organization: Organization | None  # the one they are working in (accounts.switching)
    cohort_count: int
    today: list[dict[str, Any]]  # sessions and calls today, soonest first
    this_week: list[dict[str, Any]]  # the days after today, soonest first
    follow_ups: list[dict[str, Any]]
    safety_items: list[dict[str, Any]]
    closing_soon: list[dict[str, Any]]  # open, closing within CHASE_CLOSING_DAYS, not started
    missed: list[dict[str, Any]]  # window closed without completion
    week_end: dt.date
    now: dt.datetime
    chase_closing_days: int = CHASE_CLOSING_DAYS
    chase_closed_days: int = CHASE_CLOSED_DAYS

    def as_context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _session_item(session: ScheduledSession) -> dict[str, Any]:
    """A session or call: for a one-on-one phone session, the number to call and the time where
    the participant is."""
    item: dict[str, Any] = {
        "session": session,
        "url": reverse("program_sessions:session_detail", args=[session.pk]),
        "phone": None,
        "participant_time": "",
    }
    enrollment = session.enrollment
    if enrollment is not None and session.is_phone:
        person = enrollment.user
        phone: ContactLine | None = contact_line_parse(person.phone) if person.phone else None
        local = session.starts_at.astimezone(person.zoneinfo)
        item["phone"] = phone
        item["participant_time"] = (
            f"{date_format(local, 'H:i')} ({person.timezone.replace('_', ' ')} time)"
        )
    return item


def _follow_up_item(follow_up: FollowUp) -> dict[str, Any]:
    session = follow_up.scheduled_session
    return {
        "follow_up": follow_up,
        # Follow-ups are marked as handled on the cohort's follow-ups, beside the others of it.
        "url": reverse("reports:cohort_follow_ups", args=[session.cohort_id]),
        "session_url": reverse("program_sessions:session_detail", args=[session.pk]),
    }


def _chase_item(assessment: Assessment) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "url": reverse("questionnaires:questionnaire_entry", args=[assessment.pk]),
        "status_url": reverse(
            "questionnaires:questionnaire_status", args=[assessment.enrollment.cohort_id]
        ),
    }


def worklist_for_facilitator(*, user: User, now: dt.datetime) -> WorklistPage:
    """Today's and this week's sessions and calls, follow-ups due, open safety flags and
    questionnaires to chase, in the cohorts the user facilitates (participants get 404)."""
    if user_get_role(user=user) == "participant":
        raise Http404
    working = membership_get_working(user=user)
    cohort_ids = list(
        cohort_list_in_working_organization(user=user)
        .filter(facilitators=user)
        .values_list("pk", flat=True)
    )
    zone = user.zoneinfo
    today = now.astimezone(zone).date()
    day_start = dt.datetime.combine(today, dt.time(), tzinfo=zone)
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    week_end = dt.datetime.combine(today + dt.timedelta(days=WEEK_DAYS + 1), dt.time(), tzinfo=zone)
    sessions = list(
        scheduled_session_list_for_facilitator(user=user)
        .filter(cohort_id__in=cohort_ids, starts_at__gte=day_start, starts_at__lt=week_end)
        .select_related("enrollment__user")
    )
    facilitated = set(cohort_ids)
    events = [
        e
        for e in safety_event_list_open_for_staff(user=user)
        if e.enrollment.cohort_id in facilitated
    ]
    chase = assessment_list_to_chase_for_cohorts(
        cohort_ids=cohort_ids,
        closed_since=now - dt.timedelta(days=CHASE_CLOSED_DAYS),
        closing_before=now + dt.timedelta(days=CHASE_CLOSING_DAYS),
    )
    open_now = [a for a in chase if a.opens_at <= now < a.closes_at]
    started = assessment_ids_started(assessments=open_now) if open_now else set()
    return WorklistPage(
        organization=working.organization if working is not None else None,
        cohort_count=len(cohort_ids),
        today=[_session_item(s) for s in sessions if s.starts_at < tomorrow],
        this_week=[_session_item(s) for s in sessions if s.starts_at >= tomorrow],
        follow_ups=[
            _follow_up_item(f) for f in follow_up_list_open_for_cohorts(cohort_ids=cohort_ids)
        ],
        safety_items=safety_items_build(events, now=now),
        closing_soon=[_chase_item(a) for a in open_now if a.pk not in started],
        missed=[_chase_item(a) for a in chase if a.closes_at <= now],
        week_end=(week_end - dt.timedelta(days=1)).date(),
        now=now,
    )
