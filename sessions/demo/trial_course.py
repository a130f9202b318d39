"""The demo trial's people and what happened to them: accounts, intakes, enrollments, the
intervention arm's sessions and attendance, withdrawals, and questionnaire answers at baseline,
post and the three-month follow-up with realistic gaps.

Everything here is decided by the person's number alone (a seeded generator per person), so the
demo is the same on every machine. trial.py puts it together with screening and allocation.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db.models import F
from simple_history.utils import bulk_create_with_history

from accounts.demo import demo_consent_ensure
from accounts.models import User
from programs.instrument_library import instrument_get
from programs.models import (
    Arm,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    MeasurementPoint,
    Modality,
    Program,
)
from sessions.demo.dates import ZONE, ZONE_NAME
from sessions.models import (
    Attendance,
    AttendanceStatus,
    CallOutcome,
    ScheduledSession,
    SessionStatus,
)
from sessions.questionnaires.models import Assessment, Response, ResponseMode
from sessions.scheduling import local_to_utc

TRIAL_EMAIL = "trial{:02d}@demo.test"
# The two trial participants who can sign in with the demo password (README, "Demo logins"):
# hashing a password is slow, so everyone else gets an unusable one.
TRIAL_SIGN_IN = {1: Arm.CONTROL, 2: Arm.INTERVENTION}
TRIAL_PLACE = "Quiet room, Riverside Health Centre, 12 Mill Lane, Demo Town"
TRIAL_PHONE = (
    "Hana will ring the phone number on your profile at the session time. "
    "If you miss the call, ring 0100 000 0002 to find another time."
)
_TIMES = [dt.time(9, 30), dt.time(10), dt.time(11), dt.time(13), dt.time(14, 30), dt.time(16)]
_FIRST = ["Abby", "Bilal", "Carmen", "Dara", "Eve", "Femi", "Gita", "Hal", "Iris", "Jon", "Kemi"]
_LAST = ["Ashdown", "Brook", "Carrow", "Dunmore", "Ellery", "Fenwick", "Garside", "Holt"]


@dataclass(frozen=True)
class Intake:
    name: str
    weeks_ago: int  # the intake's first one-to-one sessions began this many weeks before today
    size: int  # people randomized in it


# Each intake's follow-up falls at a different point: long closed, open now, months away.
INTAKES = [
    Intake("IER trial: spring intake", 26, 15),
    Intake("IER trial: summer intake", 20, 15),
    Intake("IER trial: autumn intake", 12, 14),
]


def trial_rng(number: int, what: str) -> random.Random:
    # Demo data, not a secret: a fixed seed per person keeps every run the same.
    return random.Random(f"stillwater-demo-trial-{number}-{what}")  # noqa: S311


def trial_name(number: int) -> str:
    return f"{_FIRST[number % len(_FIRST)]} {_LAST[(number * 5) % len(_LAST)]}"


def trial_sex(number: int) -> str:
    # MS is two to three times as common in women; about two in three trial people are women.
    return "male" if number % 3 == 0 else "female"


def trial_code(number: int) -> str:
    # Pseudonymous like every participant code: not the number of their address.
    return f"IER-T{number + 100}"


def trial_number(enrollment: Enrollment) -> int:
    """The person's number in the demo trial (what their answers and attendance follow)."""
    return int(enrollment.participant_code.removeprefix("IER-T")) - 100


def trial_users_create(numbers: list[int], *, password_hash: str) -> dict[int, User]:
    """Accounts for the people who were enrolled; two can sign in with the demo password
    (`password_hash`, the demo staff's, so nothing is hashed again)."""
    users = []
    for number in numbers:
        user = User(
            email=TRIAL_EMAIL.format(number),
            full_name=trial_name(number),
            timezone=ZONE_NAME,
            is_active=True,
        )
        if number in TRIAL_SIGN_IN:
            user.password = password_hash
        else:
            user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    by_email = {u.email: u for u in User.objects.filter(email__in=[u.email for u in users])}
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in by_email.values()
    )
    demo_consent_ensure(list(by_email.values()))
    return {number: by_email[TRIAL_EMAIL.format(number)] for number in numbers}


def trial_cohort_ensure(
    *, organization_id: int, program: Program, intake: Intake, today: dt.date, facilitator: User
) -> Cohort:
    start = today - dt.timedelta(weeks=intake.weeks_ago)
    cohort, created = Cohort.objects.get_or_create(
        organization_id=organization_id,
        name=intake.name,
        defaults={
            "program": program,
            "start_date": start,
            "meeting_weekday": start.weekday(),
            "meeting_time": dt.time(10),
            "timezone": ZONE_NAME,
            "default_modality": Modality.IN_PERSON,
            "place": TRIAL_PLACE,
            "phone_instructions": TRIAL_PHONE,
        },
    )
    if created:
        cohort.facilitators.set([facilitator])
    return cohort


def trial_start(cohort: Cohort, position: int) -> tuple[dt.date, dt.time]:
    """A person's own first session: spread over the intake's first three weeks."""
    return (
        cohort.start_date + dt.timedelta(days=(position * 5) % 19),
        _TIMES[position % len(_TIMES)],
    )


def trial_enrollments_create(
    rows: list[tuple[Cohort, User, int, int, dt.datetime]], *, baseline: MeasurementPoint
) -> list[Enrollment]:
    """Accepted enrollments waiting for randomization, from (cohort, user, number, position,
    enrolled at), each with its baseline questionnaire window.

    Only the baseline window is made here, where assessment_windows_sync would put it (from two
    weeks before their own first session until it starts): randomizing them moments later syncs
    every window again, so making the others twice would only slow the seed.
    """
    enrollments = []
    for cohort, user, number, position, enrolled_at in rows:
        start_date, session_time = trial_start(cohort, position)
        enrollments.append(
            Enrollment(
                cohort=cohort,
                user=user,
                participant_code=trial_code(number),
                arm=Arm.PENDING,
                status=EnrollmentStatus.ACTIVE,
                start_date=start_date,
                session_time=session_time,
                activated_at=enrolled_at,
                accepted_at=enrolled_at,
                invited_name=user.full_name,
            )
        )
    bulk_create_with_history(enrollments, Enrollment)
    saved = {
        e.participant_code: e
        for e in Enrollment.objects.filter(
            participant_code__in=[e.participant_code for e in enrollments]
        ).select_related("cohort", "user")
    }
    enrollments = [saved[e.participant_code] for e in enrollments]
    for enrollment, (*_rest, enrolled_at) in zip(enrollments, rows, strict=True):
        # Invited when they were enrolled, not when the demo was made (a withdrawal checks it).
        enrollment.invited_at = enrolled_at
    Enrollment.objects.bulk_update(enrollments, ["invited_at"])
    Assessment.objects.bulk_create(
        Assessment(
            enrollment=enrollment,
            measurement_point=baseline,
            instruments=list(baseline.instruments),
            opens_at=first_session_at(enrollment) + dt.timedelta(days=baseline.opens_days),
            closes_at=first_session_at(enrollment) + dt.timedelta(days=baseline.closes_days),
        )
        for enrollment in enrollments
    )
    return enrollments


def first_session_at(enrollment: Enrollment) -> dt.datetime:
    """Their own first session (trial enrollments always have a start date and time)."""
    return local_to_utc(
        enrollment.start_date or enrollment.cohort.start_date,
        enrollment.session_time or enrollment.cohort.meeting_time,
        ZONE,
    )


# --- sessions held ------------------------------------------------------------------------


def trial_attendance_create(
    enrollment: Enrollment,
    sessions: list[ScheduledSession],
    *,
    before: dt.datetime,
    facilitator: User,
) -> list[ScheduledSession]:
    """Attendance for the sessions held before `before`; returns the sessions attended.

    Most people come to every session; now and then a phone call goes unanswered.
    """
    rng = trial_rng(trial_number(enrollment), "attendance")
    rows, attended = [], []
    for session in sessions:
        if session.starts_at >= before or session.status != SessionStatus.SCHEDULED:
            continue
        missed = session.is_phone and rng.random() < 0.1
        rows.append(
            Attendance(
                scheduled_session=session,
                enrollment=enrollment,
                status=AttendanceStatus.ABSENT if missed else AttendanceStatus.ATTENDED,
                call_outcome=(CallOutcome.NO_ANSWER if missed else CallOutcome.REACHED)
                if session.is_phone
                else "",
                call_minutes=None if missed or not session.is_phone else rng.randint(30, 48),
                recorded_by=facilitator,
            )
        )
        if not missed:
            attended.append(session)
    Attendance.objects.bulk_create(rows)
    return attended


# --- questionnaires -----------------------------------------------------------------------

# How much lower each arm's distress is than at baseline (0 to 1 of the scale), at each point:
# the intervention improves a little more, and keeps most of it at three months.
RELIEF: dict[str, dict[str, float]] = {
    Arm.INTERVENTION.value: {"post": 0.12, "follow_up_3m": 0.1},
    Arm.CONTROL.value: {"post": 0.02, "follow_up_3m": 0.03},
}
# Interpersonal emotion regulation moves about half as far as mood over a short course.
_MOVES = {"ierq": 0.5}
_HIGHER_IS_BETTER = {"who5", "maia2", "ffmq15", "ierq"}


def trial_answers(code: str, distress: float, rng: random.Random) -> dict[str, int]:
    """Raw answers around one level for the whole instrument, item by item a little apart."""
    instrument = instrument_get(code)
    answers: dict[str, int] = {}
    for item in instrument.items:
        values = sorted(option.value for option in item.response_options)
        level = 1 - distress if code in _HIGHER_IS_BETTER else distress
        if item.number in instrument.reverse_items:
            level = 1 - level
        index = round(level * (len(values) - 1) + rng.gauss(0, 0.55))
        answers[str(item.number)] = values[min(len(values) - 1, max(0, index))]
    if code == "phq9":
        # Item 9 (thoughts of self-harm) stays 0: the demo's one safety flag is elsewhere.
        answers["9"] = 0
    return answers


@dataclass(frozen=True)
class Plan:
    """Which questionnaires a person answered at a point: all, the first only, or none."""

    answered: int  # how many of the point's instruments
    at: dt.datetime


def trial_answer_plan(
    assessment: Assessment, number: int, rank: int, *, reference: dt.datetime, withdrawn: bool
) -> Plan | None:
    """Who answered what. `rank` is the person's place among their intake's people in the same
    arm (by number): the gaps follow it, so every arm has them however the draw fell."""
    code = assessment.measurement_point.code
    if assessment.opens_at >= reference:
        return None
    rng = trial_rng(number, f"plan-{code}")
    end = min(assessment.closes_at, reference)
    at = assessment.opens_at + (end - assessment.opens_at) * rng.uniform(0.1, 0.8)
    count = len(assessment.instruments)
    if code == "baseline":
        # Randomization needs a completed baseline: everyone enrolled answered it.
        return Plan(count, at)
    if withdrawn:
        return None
    if code == "post":
        # About one in seven never answered after the course; a few sent only the first one.
        if rank % 7 == 3:
            return None
        return Plan(1 if rank == 6 else count, at)
    # Follow-up: more are lost by three months; an open window is still being answered.
    if assessment.closes_at > reference:
        return Plan(count, at) if rank % 2 == 0 else None
    if rank % 4 == 1:
        return None
    return Plan(1 if rank == 6 else count, at)


def _by_intake_and_arm(
    enrollments: list[Enrollment], arms: dict[int, str]
) -> dict[tuple[int, str], list[Enrollment]]:
    groups: dict[tuple[int, str], list[Enrollment]] = {}
    for enrollment in enrollments:
        groups.setdefault((enrollment.cohort_id, arms.get(enrollment.pk, "")), []).append(
            enrollment
        )
    return groups


def trial_answers_create(
    enrollments: list[Enrollment],
    *,
    arms: dict[int, str],
    reference: dt.datetime,
    point_codes: set[str] | None = None,
) -> None:
    """Submitted responses at every point whose window opened before `reference`.

    Built in bulk, as `answers_save` and `response_submit` would leave them (raw answers, the
    instrument version, submitted inside the window, the assessment completed once every
    instrument is in): a few hundred responses through the services one by one would slow every
    `make run`.
    """
    assessments = list(
        Assessment.objects.filter(enrollment__in=enrollments)
        .select_related("measurement_point", "enrollment__user")
        .prefetch_related("responses")
        .order_by("enrollment_id", "opens_at")
    )
    ranks: dict[int, int] = {}
    for group in _by_intake_and_arm(enrollments, arms).values():
        ranks.update({e.pk: rank for rank, e in enumerate(sorted(group, key=trial_number))})
    responses, completed = [], []
    for assessment in assessments:
        enrollment = assessment.enrollment
        code = assessment.measurement_point.code
        if assessment.responses.all() or (point_codes is not None and code not in point_codes):
            continue
        number = trial_number(enrollment)
        plan = trial_answer_plan(
            assessment,
            number,
            ranks[enrollment.pk],
            reference=reference,
            withdrawn=enrollment.status == EnrollmentStatus.WITHDRAWN
            and enrollment.withdrawn_at is not None
            and local_to_utc(enrollment.withdrawn_at, dt.time(12), ZONE) < assessment.opens_at,
        )
        if plan is None:
            continue
        baseline = trial_rng(number, "distress").uniform(0.28, 0.62)
        arm = arms.get(enrollment.pk, Arm.CONTROL)
        relief = RELIEF.get(arm, RELIEF[Arm.CONTROL.value]).get(code, 0.0)
        drift = trial_rng(number, f"drift-{code}").gauss(0, 0.035)
        # The same item-by-item leanings at every point: a person answers each question much as
        # they did before, so the change is their level moving, not noise.
        rng = trial_rng(number, "answers")
        at = plan.at
        for position, instrument in enumerate(assessment.instruments[: plan.answered]):
            at = plan.at + dt.timedelta(minutes=5 * position)
            responses.append(
                Response(
                    assessment=assessment,
                    instrument=instrument,
                    instrument_version=instrument_get(instrument).version,
                    answers=trial_answers(
                        instrument,
                        max(0.0, baseline - relief * _MOVES.get(instrument, 1.0) + drift),
                        rng,
                    ),
                    mode=ResponseMode.SELF,
                    entered_by=enrollment.user,
                    version=1,
                    submitted_at=at,
                )
            )
        if plan.answered == len(assessment.instruments):
            assessment.completed_at = at
            completed.append(assessment)
    created = bulk_create_with_history(responses, Response, default_user=None)
    # auto_now fields are stamped with the real clock; a demo answer given weeks ago says so.
    Response.objects.filter(pk__in=[r.pk for r in created]).update(
        started_at=F("submitted_at"), updated_at=F("submitted_at")
    )
    Assessment.objects.bulk_update(completed, ["completed_at"], batch_size=500)
