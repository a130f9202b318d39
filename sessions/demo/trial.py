"""The demo's randomized trial: IER against a waitlist control, stratified by sex.

About sixty people screened over half a year (some ineligible, some not consenting, one still
waiting and one with an offer out), 44 randomized in three intakes whose post questionnaires
are done and whose three-month follow-up is partly past: some never answered after the course,
some were lost by three months, two withdrew with their reasons. The facilitator rated each
held session against its checklist and the coordinator observed a few.

Screening, the study and its sealed sequence, randomization, withdrawals and the waitlist offer
go through the real services (with a `now` in the past where they take one). Enrollments are
built from the models like the rest of the demo (people.py): the invitation service rightly
refuses first sessions in the past and would e-mail everyone. Questionnaire answers
(trial_course.py) and fidelity ratings (trial_fidelity.py) are bulk-created as their services
save them, for speed. Everything is made once: when the study exists, nothing is added.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.demo import DemoPeople
from accounts.models import User
from programs.models import Arm, Cohort, Enrollment, Program
from programs.services import enrollment_withdraw
from sessions.demo.dates import ZONE
from sessions.demo.trial_accounts import sign_in_swap
from sessions.demo.trial_course import (
    INTAKES,
    TRIAL_EMAIL,
    first_session_at,
    trial_answers,
    trial_answers_create,
    trial_attendance_create,
    trial_cohort_ensure,
    trial_enrollments_create,
    trial_name,
    trial_rng,
    trial_sex,
    trial_start,
    trial_users_create,
)
from sessions.demo.trial_fidelity import trial_fidelity_rate
from sessions.models import ScheduledSession, SessionStatus
from sessions.notifications.models import Notification, NotificationKind, NotificationStatus
from sessions.questionnaires.models import Assessment
from sessions.scheduling import local_to_utc
from sessions.trials.models import OfferStatus, Screening, Study
from sessions.trials.services.allocation import randomize, study_create
from sessions.trials.services.offers import waitlist_offer
from sessions.trials.services.screening import screening_record

STUDY_NAME = "IER for people with MS: waitlist-controlled trial"
ARMS = [
    {
        "code": "intervention",
        "label": "Intervention",
        "ratio": 1,
        "enrollment_arm": Arm.INTERVENTION,
        "is_comparator": False,
        "what_happens_next": "You get the course now: six one-to-one sessions, the first and "
        "last in person and the others by phone.",
    },
    {
        "code": "waitlist",
        "label": "Waitlist control",
        "ratio": 1,
        "enrollment_arm": Arm.CONTROL,
        "is_comparator": True,
        "what_happens_next": "You will be offered the course after your three-month "
        "questionnaires.",
    },
]
RANDOMIZED = sum(intake.size for intake in INTAKES)
# Screened but not randomized, by what happened: each a rule (or rules) their answers did not
# meet, or the step they stopped at.
_INELIGIBLE: list[dict[str, Any]] = [
    {"age": 17},
    {"ms_confirmed": False},
    {"in_another_course": True},
    {"phone_sessions": False},
    {"phq9_high": True},
    {"ms_confirmed": False, "in_another_course": True},
    {"in_another_course": True},
    {"phq9_high": True},
]
_DECLINED = 4
WITHDRAWALS = {
    Arm.INTERVENTION: "Relapse: too unwell to carry on with the sessions for now",
    Arm.CONTROL: "Moved away from the area",
}
_SITES = ["main_clinic", "main_clinic", "satellite_clinic", "remote"]
_EDSS = ["edss_0_3_5", "edss_0_3_5", "edss_4_6_5", "not_known"]


@dataclass(frozen=True)
class TrialSummary:
    study: str
    screened: int
    randomized: int
    per_arm: list[tuple[str, int]]
    sign_in: list[tuple[str, str]]  # (address, arm label) of the trial people who can sign in


def _screening_answers(number: int, **unmet: object) -> dict[str, object]:
    """Answers to the IER screening form; eligible unless `unmet` says otherwise."""
    rng = trial_rng(number, "screening")
    distress = 0.88 if unmet.get("phq9_high") else trial_rng(number, "distress").uniform(0.28, 0.62)
    phq9 = trial_answers("phq9", distress, rng)
    phq9.pop("10", None)  # the difficulty item is not asked at screening
    while not unmet.get("phq9_high") and sum(phq9.values()) >= 20:
        high = max(phq9, key=lambda k: phq9[k])
        phq9[high] -= 1
    return {
        "age": unmet.get("age", rng.randint(24, 68)),
        "ms_confirmed": unmet.get("ms_confirmed", True),
        "in_another_course": unmet.get("in_another_course", False),
        "phone_sessions": unmet.get("phone_sessions", True),
        "sex": trial_sex(number),
        "site": _SITES[number % len(_SITES)],
        "edss_band": _EDSS[(number * 3) % len(_EDSS)],
        "phq9": phq9,
    }


def _screen(
    *,
    people: DemoPeople,
    program: Program,
    study: Study,
    number: int,
    at: dt.datetime,
    **kw: object,
) -> Screening:
    consented = bool(kw.pop("consented", True))
    return screening_record(
        organization=people.organization,
        program=program,
        study=study,
        by=people.coordinator,
        full_name=trial_name(number),
        email=TRIAL_EMAIL.format(number),
        phone=f"0100 555 {number:04d}",
        answers=_screening_answers(number, **kw),
        consented=consented,
        now=at,
    )


def _noon(day: dt.date) -> dt.datetime:
    return local_to_utc(day, dt.time(12), ZONE)


def _enroll_intakes(
    *, people: DemoPeople, program: Program, study: Study, cohorts: list[Cohort]
) -> list[Enrollment]:
    """Screen, consent and enrol each intake's people, waiting for randomization."""
    users = trial_users_create(
        list(range(1, RANDOMIZED + 1)), password_hash=people.coordinator.password
    )
    rows, screenings = [], []
    number = 0
    for cohort, intake in zip(cohorts, INTAKES, strict=True):
        for position in range(intake.size):
            number += 1
            first, _at = trial_start(cohort, position)
            # Screened about four weeks before their first session, enrolled two days later.
            screened_at = _noon(first - dt.timedelta(days=27 - position % 4))
            screenings.append(
                _screen(people=people, program=program, study=study, number=number, at=screened_at)
            )
            rows.append(
                (cohort, users[number], number, position, screened_at + dt.timedelta(days=2))
            )
    enrollments = trial_enrollments_create(
        rows, baseline=program.measurement_points.get(code="baseline")
    )
    # What screening_enroll leaves: the screening points at its enrollment, accepted.
    for screening, enrollment in zip(screenings, enrollments, strict=True):
        screening.enrollment = enrollment
        screening.offer_status = OfferStatus.ACCEPTED
    Screening.objects.bulk_update(screenings, ["enrollment", "offer_status"])
    return enrollments


def _screen_the_others(
    *, people: DemoPeople, program: Program, study: Study, today: dt.date, offer_to: Cohort
) -> None:
    """Screened, not randomized: ineligible, not consenting, waiting, and one with an offer."""
    number = RANDOMIZED
    span = (today - INTAKES[0].weeks_ago * dt.timedelta(weeks=1)) - dt.timedelta(weeks=4)
    for index, unmet in enumerate(_INELIGIBLE):
        number += 1
        at = _noon(span + dt.timedelta(days=17 * index + 3))
        _screen(people=people, program=program, study=study, number=number, at=at, **unmet)
    for index in range(_DECLINED):
        number += 1
        at = _noon(span + dt.timedelta(days=31 * index + 11))
        _screen(people=people, program=program, study=study, number=number, at=at, consented=False)
    number += 1
    _screen(
        people=people,
        program=program,
        study=study,
        number=number,
        at=_noon(today - dt.timedelta(days=9)),
    )
    number += 1
    offered = _screen(
        people=people,
        program=program,
        study=study,
        number=number,
        at=_noon(today - dt.timedelta(days=20)),
    )
    # A place came free after a withdrawal: the offer went out two days ago, open for a week.
    offered_at = timezone.now() - dt.timedelta(days=2)
    offered = waitlist_offer(
        screening=offered,
        cohort=offer_to,
        by=people.coordinator,
        expires_in_days=7,
        now=offered_at,
    )
    _sent_back_then(NotificationKind.WAITLIST_OFFER, [(offered.enrollment_id, offered_at)])


def _randomize_all(enrollments: list[Enrollment], by: User) -> dict[int, str]:
    """Randomize each person the day after their baseline, in the order they got there."""
    # Everyone enrolled completed their baseline (trial_answers_create), so none is None.
    completed = {
        enrollment_id: at
        for enrollment_id, at in Assessment.objects.filter(
            enrollment__in=enrollments, measurement_point__code="baseline"
        ).values_list("enrollment_id", "completed_at")
        if at is not None
    }
    arms, sent = {}, []
    for enrollment in sorted(enrollments, key=lambda e: completed[e.pk]):
        at = min(
            completed[enrollment.pk] + dt.timedelta(days=1),
            first_session_at(enrollment) - dt.timedelta(hours=3),
        )
        allocation = randomize(enrollment=enrollment, by=by, now=at)
        arms[enrollment.pk] = allocation.arm.enrollment_arm
        sent.append((allocation.enrollment_id, at))
    _sent_back_then(NotificationKind.ALLOCATION_MADE, sent)
    return arms


def _sent_back_then(kind: str, sent: Sequence[tuple[int | None, dt.datetime]]) -> None:
    """The e-mails the services wrote to the outbox went out at the time, months ago, not when
    the demo is made: marked sent then, so nobody's inbox fills on `make run`."""
    when: dict[int | None, dt.datetime] = dict(sent)
    rows = list(
        Notification.objects.filter(
            kind=kind, enrollment_id__in=list(when), status=NotificationStatus.PENDING
        )
    )
    for row in rows:
        at = when[row.enrollment_id]
        row.status = NotificationStatus.SENT
        row.send_at = row.created_at = row.updated_at = at
        row.sent_at = at + dt.timedelta(minutes=1)
    Notification.objects.bulk_update(
        rows, ["status", "send_at", "created_at", "updated_at", "sent_at"], batch_size=500
    )


def _withdraw_two(enrollments: list[Enrollment], arms: dict[int, str], by: User) -> None:
    """One intervention participant after session 3 (spring), one control (summer)."""
    for arm, intake in ((Arm.INTERVENTION, INTAKES[0]), (Arm.CONTROL, INTAKES[1])):
        enrollment = next(
            e for e in enrollments if e.cohort.name == intake.name and arms[e.pk] == arm
        )
        # Four days after their third session (trial enrollments always have a start date).
        on_date = (enrollment.start_date or enrollment.cohort.start_date) + dt.timedelta(
            weeks=2, days=3
        )
        enrollment_withdraw(enrollment=enrollment, on_date=on_date, reason=WITHDRAWALS[arm], by=by)
        # What the schedule would have done that day: the meetings after it are off.
        ScheduledSession.objects.filter(enrollment=enrollment, starts_at__gt=_noon(on_date)).update(
            status=SessionStatus.CANCELLED, cancel_reason="Participant withdrawn"
        )


def demo_trial_ensure(*, people: DemoPeople, today: dt.date | None = None) -> TrialSummary:
    """Create the demo trial once; return what exists."""
    today = today or timezone.localdate(timezone=ZONE)
    existing = Study.objects.filter(organization=people.organization, name=STUDY_NAME).first()
    if existing is not None:
        return _summary(existing)
    program = Program.objects.get(slug="ier-6")
    facilitator = people.facilitators[-1]
    reference = local_to_utc(today, dt.time(0), ZONE)
    with transaction.atomic():
        cohorts = [
            trial_cohort_ensure(
                organization_id=people.organization.pk,
                program=program,
                intake=intake,
                today=today,
                facilitator=facilitator,
            )
            for intake in INTAKES
        ]
        study = study_create(
            organization=people.organization,
            program=program,
            name=STUDY_NAME,
            arms=ARMS,
            strata=["sex"],
            cohorts=cohorts,
            by=people.coordinator,
        )
        enrollments = _enroll_intakes(people=people, program=program, study=study, cohorts=cohorts)
        trial_answers_create(enrollments, arms={}, reference=reference, point_codes={"baseline"})
        arms = _randomize_all(enrollments, people.coordinator)
        _withdraw_two(enrollments, arms, people.coordinator)
        held = []
        for enrollment in Enrollment.objects.filter(pk__in=arms, arm=Arm.INTERVENTION):
            sessions = list(
                ScheduledSession.objects.filter(enrollment=enrollment)
                .select_related("program_session", "cohort")
                .order_by("starts_at")
            )
            held += trial_attendance_create(
                enrollment, sessions, before=reference, facilitator=facilitator
            )
        current = list(Enrollment.objects.filter(pk__in=arms).select_related("user", "cohort"))
        trial_answers_create(current, arms=arms, reference=reference)
        trial_fidelity_rate(held, facilitator=facilitator, observer=people.coordinator)
        _screen_the_others(
            people=people, program=program, study=study, today=today, offer_to=cohorts[-1]
        )
        sign_in = sign_in_swap(current, arms)
    return _summary(study, sign_in)


def _summary(study: Study, sign_in: list[tuple[str, str]] | None = None) -> TrialSummary:
    per_arm = [(arm.label, arm.allocations.count()) for arm in study.arms.all()]
    if sign_in is None:
        sign_in = [
            (TRIAL_EMAIL.format(n), "Waitlist control" if n == 1 else "Intervention")
            for n in (1, 2)
        ]
    return TrialSummary(
        study=study.name,
        screened=Screening.objects.filter(study=study).count(),
        randomized=sum(n for _label, n in per_arm),
        per_arm=per_arm,
        sign_in=sign_in,
    )
