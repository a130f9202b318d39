"""The demo's bulk path: what the services make for a new enrollment, written many rows at a time.

`seed_demo --participants 10000` through the services makes about a hundred queries per
participant (an enrollment, its person code, its questionnaire windows, then every answer saved
and submitted one by one) and took half an hour. Here the same rows are worked out in Python
and written with a few bulk INSERTs per cohort (per batch of one-to-one participants), with the
change-history rows and person codes that the services' saves and receivers would have added.

What the services would make, field by field, is pinned by tests/demo/test_bulk_seed.py, which
seeds the same people both ways and compares every row. Each function below names the service it
stands in for; a change there must be followed here, and that test says so when it is not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.utils import timezone

from programs.instrument_library import instrument_get
from programs.models import (
    Enrollment,
    MeasurementPoint,
    Modality,
    PersonCode,
    Program,
    ProgramSession,
    WindowAnchor,
)
from programs.person_codes import person_code_generate
from sessions.demo.answers import OPEN_FOR_PARTICIPANT, PlannedResponse, demo_answers_plan
from sessions.demo.people import participant_number
from sessions.models import ScheduledSession, SessionStatus
from sessions.questionnaires.models import Assessment, Response, ResponseMode
from sessions.services.schedule import plan_for_cohort

# Rows per INSERT: large enough to save round trips, small enough for SQLite's variable limit.
BATCH = 2000


def _history(
    model: type[models.Model],
    instances: Iterable[models.Model],
    history_type: str,
    when: dt.datetime,
    **state: Any,
) -> list[models.Model]:
    """Change-history rows (django-simple-history) as a save without a request writes them:
    no user, no reason, the instance's fields as they are (or as `state` says they were)."""
    historical = model.history.model  # type: ignore[attr-defined]
    return [
        historical(
            history_date=when,
            history_type=history_type,
            history_user=None,
            history_change_reason=None,
            **{
                field.attname: state.get(field.attname, getattr(instance, field.attname))
                for field in historical.tracked_fields
            },
        )
        for instance in instances
    ]


def enrollments_bulk_create(enrollments: list[Enrollment]) -> None:
    """Save new enrollments as Enrollment.save() would: each with its change-history row ("+")
    and a person code for anyone who has none in the organization yet (the post_save receiver
    programs.person_codes.person_code_on_enrollment_created)."""
    if not enrollments:
        return
    Enrollment.objects.bulk_create(enrollments, batch_size=BATCH)
    history = _history(Enrollment, enrollments, "+", timezone.now())
    Enrollment.history.model.objects.bulk_create(history, batch_size=BATCH)
    _person_codes_ensure(enrollments)


def _person_codes_ensure(enrollments: list[Enrollment]) -> None:
    wanted = {(e.cohort.organization_id, e.user_id) for e in enrollments}
    have = set(
        PersonCode.objects.filter(
            organization_id__in={org for org, _user in wanted},
            user_id__in={user for _org, user in wanted},
        ).values_list("organization_id", "user_id")
    )
    missing = sorted(wanted - have)
    codes: dict[tuple[int, int], str] = {}
    taken: set[str] = set()
    while len(codes) < len(missing):
        # Drawn as person_code_ensure draws them; a code already taken is drawn again.
        drawn = {key: person_code_generate() for key in missing if key not in codes}
        clash = set(
            PersonCode.objects.filter(code__in=list(drawn.values())).values_list("code", flat=True)
        )
        for key, code in drawn.items():
            if code not in clash and code not in taken:
                codes[key] = code
                taken.add(code)
    PersonCode.objects.bulk_create(
        [
            PersonCode(organization_id=org, user_id=user, code=code)
            for (org, user), code in codes.items()
        ],
        batch_size=BATCH,
    )


def measurement_points(program: Program) -> list[MeasurementPoint]:
    """The points that ask something, as assessment_windows_sync takes them."""
    return [p for p in program.measurement_points.all() if p.instruments]


def assessments_build(
    enrollment: Enrollment, anchors: tuple[dt.datetime, dt.datetime], points: list[MeasurementPoint]
) -> list[Assessment]:
    """A new enrollment's assessments, unsaved, as assessment_windows_sync creates them."""
    first, last = anchors
    built = []
    for point in points:
        base = first if point.anchor == WindowAnchor.FIRST_SESSION else last
        built.append(
            Assessment(
                enrollment=enrollment,
                measurement_point=point,
                instruments=list(point.instruments),
                opens_at=base + dt.timedelta(days=point.opens_days),
                closes_at=base + dt.timedelta(days=point.closes_days),
            )
        )
    return built


def group_anchors(sessions: Sequence[ScheduledSession]) -> tuple[dt.datetime, dt.datetime] | None:
    """First and last weekly session of a group (assessments._anchor_times), from its sessions."""
    starts = sorted(
        s.starts_at
        for s in sessions
        if s.enrollment_id is None
        and s.status == SessionStatus.SCHEDULED
        and not s.is_makeup
        and not s.program_session.optional
    )
    return (starts[0], starts[-1]) if starts else None


def one_to_one_sessions_build(
    enrollment: Enrollment, program_sessions: list[ProgramSession]
) -> list[ScheduledSession]:
    """A new one-on-one participant's sessions, unsaved, in the order of the plan, as
    services.schedule.schedule_sync_for_enrollment creates them when none exist yet."""
    cohort = enrollment.cohort
    start = enrollment.start_date or cohort.start_date
    planned = plan_for_cohort(
        cohort=cohort,
        program_sessions=program_sessions,
        start=start,
        weekday=start.weekday() if enrollment.start_date else cohort.meeting_weekday,
        at=enrollment.session_time or cohort.meeting_time,
    )
    by_number = {ps.number: ps for ps in program_sessions}
    built = []
    for item in planned:
        program_session = by_number[item.number]
        # One-on-one courses meet the way the program says (IER: first and last in person).
        modality = program_session.default_modality
        built.append(
            ScheduledSession(
                cohort=cohort,
                enrollment=enrollment,
                program_session=program_session,
                starts_at=item.starts_at,
                duration_minutes=program_session.default_minutes,
                modality=modality,
                place=cohort.place if modality == Modality.IN_PERSON else "",
                video_link=cohort.video_link if modality == Modality.VIDEO else "",
                phone_instructions=cohort.phone_instructions if modality == Modality.PHONE else "",
            )
        )
    return built


def one_to_one_anchors(
    sessions: Sequence[ScheduledSession],
) -> tuple[dt.datetime, dt.datetime] | None:
    """First and last weekly session of a one-on-one plan: the windows are set when the
    enrollment is made, before its sessions exist, from the same plan
    (assessments._planned_anchor_times)."""
    starts = sorted(s.starts_at for s in sessions if not s.program_session.optional)
    return (starts[0], starts[-1]) if starts else None


def answers_plan(
    assessments: list[Assessment], reference: dt.datetime, *, item9_positive: bool = False
) -> list[Response]:
    """Responses for new, unsaved assessments, as demo_questionnaires_answer sends them through
    answers_save and response_submit; an assessment whose every questionnaire is sent gets its
    completed_at. Call before the assessments are saved, and save the responses after.

    What response_submit does besides writing rows needs nothing here: a completed assessment
    stops its waiting reminders (assessment_completed), and a new one has none yet; a safety
    event is raised only by the one flagged demo person, whose answers go through the
    services. The answers are the demo's own, valid by construction (answers._demo_answers
    picks each from the item's options), so they are not scored again one by one."""
    answered: list[Response] = []
    for assessment in assessments:
        if assessment.opens_at >= reference:
            continue
        user = assessment.enrollment.user
        number = participant_number(user)
        if number == OPEN_FOR_PARTICIPANT:
            continue
        planned = demo_answers_plan(assessment, number, reference, item9_positive=item9_positive)
        sent: set[str] = set()
        for item in planned:
            _check_open(assessment, item)
            instrument = instrument_get(item.instrument)
            answered.append(
                Response(
                    assessment=assessment,
                    instrument=item.instrument,
                    instrument_version=instrument.version,
                    answers={str(n): v for n, v in item.answers.items()},
                    mode=ResponseMode.SELF,
                    entered_by=user,
                    version=1,
                    submitted_at=item.at,
                )
            )
            sent.add(item.instrument)
            if assessment.completed_at is None and set(assessment.instruments) <= sent:
                assessment.completed_at = item.at
    return answered


def _check_open(assessment: Assessment, item: PlannedResponse) -> None:
    # The services refuse an answer outside its window; so does the bulk path, rather than
    # writing a row they never would.
    if not assessment.opens_at <= item.at < assessment.closes_at:
        raise ValueError(
            f"Demo answer to {item.instrument} at {item.at} is outside its window "
            f"({assessment.opens_at} to {assessment.closes_at})."
        )


def responses_bulk_create(responses: list[Response]) -> None:
    """Save planned responses with the three change-history rows each that answers_save and
    response_submit leave (created empty, answers saved, submitted), then date them as
    demo_questionnaires_answer does: started and last changed when they were sent."""
    if not responses:
        return
    Response.objects.bulk_create(responses, batch_size=BATCH)
    now = timezone.now()
    history = [
        *_history(Response, responses, "+", now, answers={}, submitted_at=None),
        *_history(Response, responses, "~", now, submitted_at=None),
        *_history(Response, responses, "~", now),
    ]
    Response.history.model.objects.bulk_create(history, batch_size=BATCH)
    ids = [r.pk for r in responses]
    for start in range(0, len(ids), BATCH):
        Response.objects.filter(pk__in=ids[start : start + BATCH]).update(
            started_at=models.F("submitted_at"), updated_at=models.F("submitted_at")
        )
