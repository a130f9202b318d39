"""Studies ready to randomize: a program with a baseline point, its screening form's strata, and
people who are eligible, consented and done with their baseline (each check can be left out)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from accounts.models import Organization, User
from programs.models import Arm, Cohort, Enrollment, MeasurementKind, MeasurementPoint, Program
from sessions.questionnaires.models import Assessment
from sessions.trials.models import Screening, Study
from sessions.trials.services.allocation import study_create
from tests.factories import CohortFactory, EnrollmentFactory, OrganizationFactory, ProgramFactory
from tests.factories import coordinator as make_coordinator

_codes = itertools.count(1)

WAITLIST_NEXT = (
    "You will fill in the same questionnaires at the same times as everyone else. "
    "After the last of them, in about four months, we will offer you the course."
)


def study_program(slug: str = "ier-6") -> Program:
    """A light group program under the slug of a shipped screening form (its strata), with a baseline."""
    program = Program.objects.filter(slug=slug).first() or ProgramFactory(slug=slug)
    if not program.measurement_points.filter(kind=MeasurementKind.BASELINE).exists():
        MeasurementPoint.objects.create(
            program=program,
            kind=MeasurementKind.BASELINE,
            label="Before the course",
            instruments=["phq9"],
        )
    return program


def two_arms(ratio: tuple[int, int] = (1, 1)) -> list[dict[str, Any]]:
    return [
        {
            "code": "course-now",
            "label": "Course now",
            "ratio": ratio[0],
            "enrollment_arm": Arm.INTERVENTION.value,
            "is_comparator": False,
            "what_happens_next": "Your first session is in the next weeks.",
        },
        {
            "code": "waitlist",
            "label": "Course later (waitlist)",
            "ratio": ratio[1],
            "enrollment_arm": Arm.CONTROL.value,
            "is_comparator": True,
            "what_happens_next": WAITLIST_NEXT,
        },
    ]


def make_study(
    *,
    organization: Organization | None = None,
    program: Program | None = None,
    strata: tuple[str, ...] = ("sex",),
    ratio: tuple[int, int] = (1, 1),
    block_multiples: tuple[int, ...] = (1, 2, 3),
    by: User | None = None,
    cohorts: int = 1,
) -> Study:
    organization = organization or OrganizationFactory()
    program = program or study_program()
    by = by or make_coordinator(organization)
    made: list[Cohort] = [
        CohortFactory(organization=organization, program=program) for _ in range(cohorts)
    ]
    return study_create(
        organization=organization,
        program=program,
        name=f"Study {next(_codes)}",
        arms=two_arms(ratio),
        strata=list(strata),
        block_multiples=block_multiples,
        cohorts=made,
        by=by,
    )


def ready_enrollment(
    cohort: Cohort,
    *,
    answers: dict[str, Any] | None = None,
    eligible: bool = True,
    consented: bool = True,
    baseline: bool = True,
    screened: bool = True,
    **kwargs: Any,
) -> Enrollment:
    """A pending participant of a study cohort with their screening and (completed) baseline."""
    enrollment = EnrollmentFactory(cohort=cohort, arm=Arm.PENDING, **kwargs)
    now = timezone.now()
    if screened:
        Screening.objects.create(
            organization=cohort.organization,
            program=cohort.program,
            screening_code=f"SC-{next(_codes):05d}",
            full_name=enrollment.user.full_name,
            email=enrollment.user.email,
            form_version="1",
            answers=answers if answers is not None else {"sex": "female", "site": "remote"},
            eligible=eligible,
            consented=consented,
            consented_at=now if consented else None,
            screened_at=now,
            screened_by=cohort.organization.memberships.first().user
            if cohort.organization.memberships.exists()
            else make_coordinator(cohort.organization),
            enrollment=enrollment,
        )
    point = cohort.program.measurement_points.get(kind=MeasurementKind.BASELINE)
    Assessment.objects.create(
        enrollment=enrollment,
        measurement_point=point,
        instruments=list(point.instruments),
        opens_at=now - dt.timedelta(days=10),
        closes_at=now + dt.timedelta(days=10),
        completed_at=now - dt.timedelta(days=1) if baseline else None,
    )
    return enrollment
