"""Rows of a small randomized study for the results tests: a program with baseline, post and a
3-month follow-up (PHQ-9 at each), a study with a course arm and a waitlist comparator, and
helpers to screen, allocate, answer, attend and withdraw people, written as plain rows."""

from __future__ import annotations

import datetime as dt
import itertools

from programs.models import (
    Cohort,
    Enrollment,
    EnrollmentStatus,
    MeasurementKind,
    MeasurementPoint,
    Modality,
    Program,
    WindowAnchor,
)
from sessions.models import Attendance, AttendanceStatus, ScheduledSession
from sessions.questionnaires.models import Assessment, Response
from sessions.trials.models import (
    Allocation,
    AllocationCorrection,
    AllocationSlot,
    Screening,
    Study,
    StudyArm,
)
from tests.factories import CohortFactory, EnrollmentFactory, ProgramFactory

UTC = dt.UTC
NOW = dt.datetime(2027, 3, 1, 12, tzinfo=UTC)
# Windows as a participant's schedule would give them: baseline and post are closed by NOW, the
# 3-month follow-up has closed for the early cohort and is still open for a late one.
WINDOWS = {
    "baseline": (dt.datetime(2026, 8, 18, tzinfo=UTC), dt.datetime(2026, 9, 1, tzinfo=UTC)),
    "post": (dt.datetime(2026, 10, 20, tzinfo=UTC), dt.datetime(2026, 11, 10, tzinfo=UTC)),
    "follow_up_3m": (dt.datetime(2027, 1, 19, tzinfo=UTC), dt.datetime(2027, 2, 16, tzinfo=UTC)),
}
OPEN_FOLLOW_UP = (dt.datetime(2027, 2, 20, tzinfo=UTC), dt.datetime(2027, 3, 20, tzinfo=UTC))

_codes = itertools.count(1)


def trial_program() -> Program:
    """A 4-session program asking PHQ-9 at baseline, post and three months after."""
    program = ProgramFactory(name="IER trial program")
    plan = [
        (
            "baseline",
            MeasurementKind.BASELINE,
            "Before the course",
            WindowAnchor.FIRST_SESSION,
            -14,
            0,
        ),
        ("post", MeasurementKind.POST, "After the course", WindowAnchor.LAST_SESSION, 0, 21),
        (
            "follow_up_3m",
            MeasurementKind.FOLLOW_UP,
            "Three months after",
            WindowAnchor.LAST_SESSION,
            91,
            119,
        ),
    ]
    for code, kind, label, anchor, opens, closes in plan:
        MeasurementPoint.objects.create(
            program=program,
            code=code,
            kind=kind,
            label=label,
            instruments=["phq9"],
            anchor=anchor,
            opens_days=opens,
            closes_days=closes,
        )
    return program


def trial_study(*, organization, program: Program, by, cohorts=()) -> Study:
    study = Study.objects.create(
        organization=organization,
        program=program,
        name=f"IER against waitlist {next(_codes)}",
        block_sizes=[2, 4],
        created_by=by,
    )
    study.cohorts.set(cohorts)
    StudyArm.objects.create(
        study=study, code="intervention", label="IER course", enrollment_arm="intervention"
    )
    StudyArm.objects.create(
        study=study,
        code="waitlist",
        label="Waitlist",
        enrollment_arm="control",
        is_comparator=True,
        position=1,
    )
    return study


def arm(study: Study, code: str) -> StudyArm:
    return study.arms.get(code=code)


def study_cohort(study: Study, **kwargs) -> Cohort:
    cohort = CohortFactory(organization=study.organization, program=study.program, **kwargs)
    study.cohorts.add(cohort)
    return cohort


def allocate(study: Study, enrollment: Enrollment, arm_code: str, *, by) -> Allocation:
    number = next(_codes)
    slot = AllocationSlot.objects.create(
        study=study, stratum_key="all", position=number, sealed=b"sealed", used_at=NOW
    )
    return Allocation.objects.create(
        study=study,
        enrollment=enrollment,
        slot=slot,
        stratum_key="all",
        stratum_label="all",
        block=1,
        arm=arm(study, arm_code),
        allocated_at=WINDOWS["baseline"][1],
        allocated_by=by,
    )


def correct(allocation: Allocation, arm_code: str, *, by) -> AllocationCorrection:
    return AllocationCorrection.objects.create(
        allocation=allocation,
        arm_before=allocation.arm,
        arm_after=arm(allocation.study, arm_code),
        reason="Allocated in the wrong cohort's study",
        corrected_by=by,
    )


def screen(
    study: Study,
    *,
    by,
    eligible: bool = True,
    consented: bool = True,
    reasons: list[dict[str, str]] | None = None,
    enrollment: Enrollment | None = None,
) -> Screening:
    number = next(_codes)
    return Screening.objects.create(
        organization=study.organization,
        program=study.program,
        study=study,
        screening_code=f"S-{number:05d}",
        full_name=f"Screened person {number}",
        email=f"screened{number}@example.org",
        form_version="1",
        eligible=eligible,
        reasons=reasons or [],
        screened_at=WINDOWS["baseline"][0],
        screened_by=by,
        consented=consented,
        consented_at=WINDOWS["baseline"][0] if consented else None,
        enrollment=enrollment,
    )


def phq9(total: int) -> dict[str, int]:
    """PHQ-9 answers adding up to `total` (item 9 always 0: no safety path here)."""
    answers, left = {}, total
    for item in range(1, 9):
        answers[str(item)] = min(3, left)
        left -= answers[str(item)]
    answers["9"] = 0
    return answers


def window(enrollment: Enrollment, code: str, span=None) -> Assessment:
    point = MeasurementPoint.objects.get(program=enrollment.cohort.program, code=code)
    opens, closes = span or WINDOWS[code]
    assessment, _ = Assessment.objects.update_or_create(
        enrollment=enrollment,
        measurement_point=point,
        defaults={"instruments": ["phq9"], "opens_at": opens, "closes_at": closes},
    )
    return assessment


def answer(
    enrollment: Enrollment, code: str, total: int, *, version: int = 1, span=None
) -> Response:
    assessment = window(enrollment, code, span)
    return Response.objects.create(
        assessment=assessment,
        instrument="phq9",
        instrument_version="1",
        answers=phq9(total),
        version=version,
        submitted_at=assessment.opens_at + dt.timedelta(days=1, hours=version),
    )


def attend(enrollment: Enrollment, status: str = AttendanceStatus.ATTENDED) -> Attendance:
    """The participant's attendance at their cohort's first session (made if need be)."""
    cohort = enrollment.cohort
    session, _ = ScheduledSession.objects.get_or_create(
        cohort=cohort,
        enrollment=None,
        starts_at=dt.datetime(2026, 9, 1, 17, tzinfo=UTC),
        defaults={
            "program_session": cohort.program.sessions.order_by("number")[0],
            "duration_minutes": 90,
            "modality": Modality.IN_PERSON,
        },
    )
    return Attendance.objects.create(
        scheduled_session=session, enrollment=enrollment, status=status
    )


def withdraw(enrollment: Enrollment, reason: str) -> None:
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.withdrawn_at = dt.date(2026, 10, 1)
    enrollment.withdrawal_reason = reason
    enrollment.save()


def randomized_person(
    study: Study,
    cohort: Cohort,
    arm_code: str,
    *,
    by,
    scores: dict[str, int] | None = None,
    attended: bool = False,
) -> Enrollment:
    """A screened, consented person enrolled in `cohort`, allocated to `arm_code`, with PHQ-9
    totals at the points named in `scores` and a window at every other point."""
    enrollment = EnrollmentFactory(cohort=cohort)
    screen(study, by=by, enrollment=enrollment)
    allocate(study, enrollment, arm_code, by=by)
    for code in WINDOWS:
        window(enrollment, code)
    for code, total in (scores or {}).items():
        answer(enrollment, code, total)
    if attended:
        attend(enrollment)
    return enrollment
