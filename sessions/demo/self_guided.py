"""The demo's self-guided course: the demo organization's own published version of the shipped
self-guided MBSR-8 for MS (with the generated body scan recording), and a cohort running it
with no facilitator, its participants at different weeks.

`manage.py seed_demo` calls `demo_self_guided_ensure` after the other courses. The version,
cohort and people are found by name and address, so running it again (every `make run`) adds
nothing. Like the other demo courses, the past (baseline answers, completed weeks, practice) is
written straight to the models or through the services with a `now` in the past.

selfguided@demo.test answered the questionnaires before the course and completed week 1, so
week 2 is open; selfguided2 is further on, selfguided3 has not begun (their questionnaires
before the course are still open).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, DemoPeople, demo_consent_ensure
from accounts.models import User
from programs.authoring.models import ProgramLine
from programs.authoring.services.versions import (
    draft_get,
    draft_publish,
    line_copy_from_shipped,
    version_latest,
)
from programs.instrument_library import instrument_get
from programs.models import Cohort, Enrollment, MeasurementKind, Modality, Program
from sessions.demo.dates import ZONE, ZONE_NAME
from sessions.demo.people import demo_enrollment_create
from sessions.demo.recordings import demo_recording_add
from sessions.models import PracticeLog, SessionCompletion
from sessions.questionnaires.models import Assessment, Response
from sessions.questionnaires.services.responses import answers_save, response_submit
from sessions.scheduling import local_to_utc

SHIPPED_SLUG = "mbsr-self-8-ms"
PROGRAM_NAME = "Mindfulness on your own (MS)"
COHORT_NAME = "Self-guided mindfulness"
RECORDING_TITLE = "Body scan (short sample)"
RECORDING_PRACTICE = "body_scan"
SIGN_IN = "selfguided@demo.test"
# The course began this many days before the first seed: everyone's week 1 is open, and the
# questionnaires before the course (open until a week after the start) are still open.
STARTED_DAYS_AGO = 5


@dataclass(frozen=True)
class _Person:
    email: str
    full_name: str
    code: str
    weeks_completed: int
    answered_baseline: bool


_PEOPLE = [
    _Person(SIGN_IN, "Sam Demo-self", "SG-DEMO1", 1, True),
    _Person("selfguided2@demo.test", "Noor Demo-self", "SG-DEMO2", 3, True),
    _Person("selfguided3@demo.test", "Eli Demo-self", "SG-DEMO3", 0, False),
]
_REFLECTIONS = [
    "I noticed I ate lunch without tasting it. Slowing down with my tea helped.",
    "The thoughts about my tingling hand were louder than the tingling itself.",
    "Chair movements were fine; I stopped when I felt warm.",
]


@dataclass(frozen=True)
class DemoSelfGuided:
    cohort: Cohort
    program: Program
    sign_in: str
    participants: int


def _program_ensure(people: DemoPeople) -> Program:
    """The organization's own published version of the shipped self-guided course."""
    organization, coordinator = people.organization, people.coordinator
    line = ProgramLine.objects.filter(organization=organization, name=PROGRAM_NAME).first()
    if line is None:
        line = line_copy_from_shipped(
            user=coordinator,
            organization=organization,
            source=Program.objects.get(slug=SHIPPED_SLUG),
            name=PROGRAM_NAME,
        )
    latest = version_latest(line=line)
    if latest is not None:
        return latest.program
    draft = draft_get(line=line)
    if draft is None:  # pragma: no cover - a line always starts with a draft
        raise RuntimeError(f"The demo program “{PROGRAM_NAME}” has neither draft nor version.")
    demo_recording_add(
        program=draft.program,
        practice_code=RECORDING_PRACTICE,
        title=RECORDING_TITLE,
        uploaded_by=coordinator,
    )
    return draft_publish(user=coordinator, line=line).program


def _person_ensure(person: _Person, password_hash: str) -> User:
    user, _ = User.objects.update_or_create(
        email=person.email,
        defaults={"full_name": person.full_name, "timezone": ZONE_NAME, "is_active": True},
    )
    user.password = password_hash
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=person.email, defaults={"verified": True, "primary": True}
    )
    return user


def _baseline_answer(enrollment: Enrollment, at: dt.datetime) -> None:
    """Every questionnaire before the course, answered through the real services at `at`:
    a middle answer to each item, and 0 (never) to PHQ-9 item 9."""
    assessment = Assessment.objects.get(
        enrollment=enrollment, measurement_point__kind=MeasurementKind.BASELINE
    )
    submitted = []
    for position, code in enumerate(assessment.instruments):
        instrument = instrument_get(code)
        answers: dict[int, int | None] = {}
        for item in instrument.items:
            values = sorted(option.value for option in item.response_options)
            answers[item.number] = values[(len(values) - 1) // 2]
        if code == "phq9":
            answers[9] = 0
        moment = at + dt.timedelta(minutes=4 * position)
        response = answers_save(
            assessment=assessment,
            instrument=code,
            answers=answers,
            entered_by=enrollment.user,
            now=moment,
        )
        response_submit(response=response, now=moment)
        submitted.append(response.pk)
    # The services stamp these with the real clock; answers given days ago say so.
    Response.objects.filter(pk__in=submitted).update(started_at=at, updated_at=at)


def _progress_create(enrollment: Enrollment, person: _Person, start: dt.date) -> None:
    """The weeks this person completed, a day or two apart, with a body scan or two each."""
    weeks = list(enrollment.cohort.program.sessions.order_by("number")[: person.weeks_completed])
    logs = []
    for index, week in enumerate(weeks):
        day = start + dt.timedelta(days=2 * index + 1)
        SessionCompletion.objects.create(
            enrollment=enrollment,
            program_session=week,
            reflection=_REFLECTIONS[index % len(_REFLECTIONS)],
            completed_at=local_to_utc(day, dt.time(19, 30), ZONE),
        )
        logs += [
            PracticeLog(
                enrollment=enrollment,
                date=day - dt.timedelta(days=offset),
                practice=week.practices[0],
                minutes=minutes,
            )
            for offset, minutes in ((0, 10), (1, 20))
            if day - dt.timedelta(days=offset) >= start
        ]
    PracticeLog.objects.bulk_create(logs)


def demo_self_guided_ensure(*, people: DemoPeople, today: dt.date | None = None) -> DemoSelfGuided:
    """Create the demo's self-guided course once; return what exists."""
    today = today or timezone.localdate(timezone=ZONE)
    hasher = User()
    hasher.set_password(DEMO_PASSWORD)
    with transaction.atomic():
        program = _program_ensure(people)
        cohort, _ = Cohort.objects.get_or_create(
            organization=people.organization,
            name=COHORT_NAME,
            defaults={
                "program": program,
                "start_date": today - dt.timedelta(days=STARTED_DAYS_AGO),
                # Nobody meets: week 1 opens on the start date (see programs.forms.CohortForm).
                "meeting_weekday": (today - dt.timedelta(days=STARTED_DAYS_AGO)).weekday(),
                "meeting_time": dt.time(0, 0),
                "timezone": ZONE_NAME,
                "default_modality": Modality.IN_PERSON,
            },
        )
        users = [_person_ensure(person, hasher.password) for person in _PEOPLE]
        demo_consent_ensure(users)
        enrolled = set(cohort.enrollments.values_list("user_id", flat=True))
        for person, user in zip(_PEOPLE, users, strict=True):
            if user.pk in enrolled:
                continue
            enrollment = demo_enrollment_create(
                cohort, user, person.code, activated=cohort.start_date
            )
            if person.answered_baseline:
                _baseline_answer(enrollment, local_to_utc(cohort.start_date, dt.time(10, 15), ZONE))
            _progress_create(enrollment, person, cohort.start_date)
    return DemoSelfGuided(
        cohort=cohort,
        program=cohort.program,
        sign_in=SIGN_IN,
        participants=cohort.enrollments.count(),
    )
