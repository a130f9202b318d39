"""Reads of the participant page: one enrollment summed up for the staff who run its cohort.

The enrollment is reached through programs.access.enrollment_get_for_staff (404 for anyone
else); everything else is read through the owning app's selectors, one query each, and
arranged here, so the page makes a fixed number of queries however long the course or the log.

Until the person accepted the invitation, signed in as themselves, the organization sees only
what its coordinator typed (name, address, phone): not the account's own name, phone or time
zone, and nothing the person wrote (they cannot have written anything for this course yet).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from django.utils.dateformat import format as date_format

from accounts.contacts import ContactLine, contact_line_parse
from accounts.models import User
from programs.access import enrollment_get_for_staff, user_is_cohort_coordinator
from programs.models import Cohort, Enrollment, LogKind, Program
from sessions.models import Attendance, FacilitatorNote, FollowUp, ScheduledSession
from sessions.pages.participant import log_summary
from sessions.questionnaires import pages as questionnaire_pages
from sessions.questionnaires.selectors import (
    assessment_ids_started,
    assessment_list_for_enrollment,
    enrollment_get_with_consent,
    measurement_point_list_asked,
    response_list_submitted_for_enrollment,
    safety_event_list_for_enrollment,
    window_change_latest_by_assessment,
)
from sessions.questionnaires.services.safety import safety_event_answer_text
from sessions.rosters import RosterRow, roster_build
from sessions.selectors import (
    attendance_list_for_enrollment,
    facilitator_note_list_for_enrollment,
    follow_up_list_for_enrollment,
    practice_log_list_for_enrollment,
    scheduled_session_list_for_enrollment,
    session_completion_list_for_enrollment,
)

__all__ = ["SECTIONS", "ParticipantPage", "participant_page_for_staff"]

T = TypeVar("T")

# Long lists show their most recent items first, this many of them, with a link to show all
# (?all=<section>): a long course must not make an endless page.
RECENT = {"attendance": 8, "notes": 5, "practice": 10, "reflections": 5, "follow-ups": 5}
SECTIONS = frozenset(RECENT)


@dataclass(frozen=True)
class Shown:
    """Some items of a long list: the most recent ones unless all were asked for."""

    items: list[Any]
    total: int
    name: str

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def _shown(name: str, items: Sequence[T], show_all: frozenset[str]) -> Shown:
    kept = list(items) if name in show_all else list(items[: RECENT[name]])
    return Shown(items=kept, total=len(items), name=name)


@dataclass(frozen=True)
class ParticipantPage:
    """Everything the participant page shows, under the names its template uses."""

    enrollment: Enrollment
    cohort: Cohort
    program: Program
    is_coordinator: bool
    is_accepted: bool
    name: str
    phone: ContactLine | None
    zone_name: str  # the person's own zone, once accepted
    local_time: str
    row: RosterRow
    practice_weeks: list[Any]  # weeks of the course begun so far
    attendance: Shown
    notes: Shown
    practice: Shown
    reflections: Shown
    follow_ups: Shown
    open_follow_ups: int
    safety_events: list[dict[str, Any]]
    points: list[Any]
    questionnaire_cells: list[tuple[Any, dict[str, Any] | None]]
    entry_refusal: Any
    results: list[dict[str, Any]]
    is_strategy_log: bool
    audit_details: dict[str, Any]

    def as_context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _attendance_rows(
    sessions: list[ScheduledSession], attendances: list[Attendance], now: dt.datetime
) -> list[dict[str, Any]]:
    """The participant's sessions that have started (or were cancelled), latest first."""
    by_session = {a.scheduled_session_id: a for a in attendances}
    return [
        {"session": s, "attendance": by_session.get(s.pk)}
        for s in reversed(sessions)
        if s.is_past(now) or s.is_cancelled or s.pk in by_session
    ]


def _practice_days(enrollment: Enrollment, logs: Sequence[Any]) -> list[dict[str, Any]]:
    """Per local day: the minutes logged (None when no entry had minutes), as roster_build reads
    them from the cohort's day totals."""
    minutes: dict[dt.date, int | None] = {}
    for log in logs:
        so_far = minutes.get(log.date)
        if log.minutes is None:
            minutes.setdefault(log.date, None)
        else:
            minutes[log.date] = (so_far or 0) + log.minutes
    return [
        {"enrollment_id": enrollment.pk, "date": day, "minutes": value}
        for day, value in minutes.items()
    ]


def participant_page_for_staff(
    *, user: User, pk: int, now: dt.datetime, show_all: frozenset[str] = frozenset()
) -> ParticipantPage:
    """One participant of a cohort the user runs or coordinates (404 for anyone else): contact
    details, attendance, notes, practice log with reflections, questionnaires, follow-ups and
    safety flags."""
    found = enrollment_get_for_staff(user=user, pk=pk)
    enrollment = enrollment_get_with_consent(enrollment=found)
    cohort = enrollment.cohort
    program = cohort.program
    accepted = enrollment.is_accepted
    sessions = list(scheduled_session_list_for_enrollment(enrollment=enrollment))
    attendances = list(attendance_list_for_enrollment(enrollment=enrollment))
    notes: list[FacilitatorNote] = list(facilitator_note_list_for_enrollment(enrollment=enrollment))
    follow_ups: list[FollowUp] = list(follow_up_list_for_enrollment(enrollment=enrollment))
    # What the person wrote or answered is read only once they accepted: before, nothing of
    # theirs reaches the organization.
    logs = list(practice_log_list_for_enrollment(enrollment=enrollment)) if accepted else []
    completions = (
        list(session_completion_list_for_enrollment(enrollment=enrollment)) if accepted else []
    )
    responses = (
        list(response_list_submitted_for_enrollment(enrollment=enrollment)) if accepted else []
    )
    events = safety_event_list_for_enrollment(enrollment=enrollment) if accepted else []
    assessments = list(assessment_list_for_enrollment(enrollment=enrollment))
    started = assessment_ids_started(assessments=assessments) if accepted else set()
    points = measurement_point_list_asked(cohort=cohort)

    (row,), _weeks = roster_build(
        cohort=cohort,
        enrollments=[enrollment],
        sessions=sessions,
        attendances=attendances,
        practice=_practice_days(enrollment, logs),
        now=now,
    )
    (status_row,) = questionnaire_pages.status_rows(
        enrollments=[enrollment],
        points=points,
        assessments=assessments,
        started=started,
        now=now,
        changes=window_change_latest_by_assessment(enrollments=[enrollment]),
    )
    results = questionnaire_pages.cohort_results(enrollments=[enrollment], responses=responses)
    reflections = [c for c in completions if c.reflection.strip() or c.completed_at]
    practice = [{"log": log, "summary": log_summary(log, program)} for log in logs]

    person: User = enrollment.user
    zone_name = local_time = ""
    if accepted:
        zone_name = person.timezone.replace("_", " ")
        local = now.astimezone(person.zoneinfo)
        local_time = f"{date_format(local, 'l j F, H:i')} ({zone_name} time)"
    phone = enrollment.person_phone.strip()
    return ParticipantPage(
        enrollment=enrollment,
        cohort=cohort,
        program=program,
        is_coordinator=user_is_cohort_coordinator(user=user, cohort=cohort),
        is_accepted=accepted,
        name=enrollment.person_full_name or enrollment.person_name,
        phone=contact_line_parse(phone) if phone else None,
        zone_name=zone_name,
        local_time=local_time,
        row=row,
        practice_weeks=[w for w in row.weeks if not w.is_future],
        attendance=_shown("attendance", _attendance_rows(sessions, attendances, now), show_all),
        notes=_shown("notes", notes, show_all),
        practice=_shown("practice", practice, show_all),
        reflections=_shown("reflections", reflections, show_all),
        follow_ups=_shown("follow-ups", follow_ups, show_all),
        open_follow_ups=sum(1 for f in follow_ups if f.is_open),
        safety_events=[
            {"event": event, "answer_text": safety_event_answer_text(event)} for event in events
        ],
        points=points,
        questionnaire_cells=status_row["cells"],
        entry_refusal=status_row["entry_refusal"],
        results=results.rows,
        is_strategy_log=program.log_kind == LogKind.STRATEGY,
        # What the audit event records: that these were shown, never what they say.
        audit_details={
            "page": "participant",
            "cohort": cohort.pk,
            "notes": len(notes),
            "practice_entries": len(logs),
            "reflections": sum(1 for c in completions if c.reflection.strip()),
            "instruments": results.instrument_codes,
            "safety_flags": len(events),
        },
    )
