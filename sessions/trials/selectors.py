"""Reads of studies with their access rules: coordinators of the study's organization; 404 for
everyone else. What the study page shows is built here from rows fetched in a fixed number of
queries. Nothing here opens a sealed slot: the page shows allocations already made, never what
comes next in the sequence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from accounts.models import Organization, Role, User
from accounts.selectors import organization_id_working
from programs.access import (
    enrollment_list_for_participant,
    organization_ids_coordinated,
    program_list_offered,
)
from programs.models import Arm, Cohort, Enrollment, EnrollmentStatus, MeasurementKind, Program
from sessions.questionnaires.models import Assessment
from sessions.trials.models import Allocation, AllocationCorrection, Screening, Study, StudyArm
from sessions.trials.strata import strata_questions


def _studies() -> QuerySet[Study]:
    return Study.objects.select_related("program", "organization")


def study_list_for_coordinator(*, user: User) -> QuerySet[Study]:
    """The studies of the organization the coordinator is working in, by name."""
    organization_id = organization_id_working(user=user)
    if organization_id is None:
        return Study.objects.none()
    return (
        _studies()
        .filter(organization_id=organization_id)
        .filter(organization_id__in=organization_ids_coordinated(user))
        .prefetch_related("arms")
        .order_by("name", "pk")
    )


def study_get_for_coordinator(*, user: User, pk: int) -> Study:
    """A study of an organization the user coordinates, or 404 (facilitators and outsiders too)."""
    study = _studies().filter(organization_id__in=organization_ids_coordinated(user), pk=pk).first()
    if study is None:
        raise Http404
    return study


def allocation_get_for_coordinator(*, user: User, pk: int) -> Allocation:
    """An allocation in a study the user coordinates, or 404."""
    allocation = (
        Allocation.objects.select_related("study", "arm", "enrollment__cohort", "enrollment__user")
        .prefetch_related("corrections__arm_after", "corrections__arm_before", "study__arms")
        .filter(study__organization_id__in=organization_ids_coordinated(user), pk=pk)
        .first()
    )
    if allocation is None:
        raise Http404
    return allocation


def enrollment_get_for_randomizing(*, user: User, study: Study, pk: int) -> Enrollment:
    """A participant of one of the study's cohorts (the study already checked), or 404."""
    enrollment = (
        Enrollment.objects.select_related("cohort", "user")
        .filter(cohort__studies=study, pk=pk)
        .first()
    )
    if enrollment is None:
        raise Http404
    return enrollment


def study_new_organization(*, user: User) -> Organization:
    """The organization a coordinator is working in (where a new study is set up), or 404."""
    organization_id = organization_id_working(user=user)
    if organization_id is None:
        raise Http404
    organization = Organization.objects.filter(
        pk=organization_id, memberships__user=user, memberships__role=Role.COORDINATOR
    ).first()
    if organization is None:
        raise Http404
    return organization


def programs_for_new_study(*, user: User) -> QuerySet[Program]:
    """Programs a study in the working organization may run: shipped ones and its own newest."""
    return program_list_offered(organization_id=organization_id_working(user=user)).order_by("name")


def cohorts_for_study_form(*, user: User, program: Program) -> QuerySet[Cohort]:
    """Cohorts of the program in the working organization a new study may take (not in a study)."""
    organization_id = organization_id_working(user=user)
    if organization_id is None:
        return Cohort.objects.none()
    return (
        Cohort.objects.filter(
            organization_id=organization_id, program=program, studies__isnull=True
        )
        .filter(organization_id__in=organization_ids_coordinated(user))
        .select_related("program")
        .order_by("-start_date", "name")
    )


def _latest_arm(allocation: Allocation) -> StudyArm:
    corrections = sorted(allocation.corrections.all(), key=lambda c: (c.corrected_at, c.pk))
    return corrections[-1].arm_after if corrections else allocation.arm


@dataclass
class WaitingRow:
    enrollment: Enrollment
    checks: list[str]
    missing: list[str]

    @property
    def ready(self) -> bool:
        return not self.missing


@dataclass
class AllocatedRow:
    enrollment: Enrollment
    allocation: Allocation
    arm: StudyArm
    corrected: bool


@dataclass
class CohortPart:
    cohort: Cohort
    waiting: list[WaitingRow] = field(default_factory=list)
    allocated: list[AllocatedRow] = field(default_factory=list)


def _checks(
    enrollment: Enrollment, screening: Screening | None, baseline: bool
) -> tuple[list[str], list[str]]:
    done: list[str] = []
    missing: list[str] = []
    if screening is None:
        missing.append("Not screened")
    else:
        (done if screening.eligible else missing).append(
            "Eligible" if screening.eligible else "Not eligible"
        )
        (done if screening.consented else missing).append(
            "Consented" if screening.consented else "No consent"
        )
    (done if baseline else missing).append("Baseline done" if baseline else "Baseline not done")
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        missing.append("Withdrawn")
    return done, missing


def study_page(*, study: Study) -> dict[str, Any]:
    """Everything the study page shows, in a fixed number of queries whatever its size."""
    arms = list(study.arms.all())
    questions = strata_questions(study.program)
    strata = [questions[code].text if code in questions else code for code in study.strata]
    cohorts = list(study.cohorts.order_by("start_date", "name", "pk"))
    baseline_done = Assessment.objects.filter(
        enrollment=OuterRef("pk"),
        measurement_point__kind=MeasurementKind.BASELINE,
        completed_at__isnull=False,
    )
    enrollments = list(
        Enrollment.objects.filter(cohort__in=cohorts)
        .select_related("user", "allocation__arm")
        .prefetch_related(
            Prefetch(
                "allocation__corrections",
                queryset=AllocationCorrection.objects.select_related("arm_after"),
            )
        )
        .annotate(baseline_done=Exists(baseline_done))
        .order_by("participant_code")
    )
    screenings = {
        s.enrollment_id: s
        for s in Screening.objects.filter(enrollment__in=[e.pk for e in enrollments])
    }
    parts = {cohort.pk: CohortPart(cohort=cohort) for cohort in cohorts}
    for enrollment in enrollments:
        part = parts[enrollment.cohort_id]
        allocation = (
            getattr(enrollment, "allocation", None) if _has_allocation(enrollment) else None
        )
        if allocation is not None:
            part.allocated.append(
                AllocatedRow(
                    enrollment=enrollment,
                    allocation=allocation,
                    arm=_latest_arm(allocation),
                    corrected=bool(allocation.corrections.all()),
                )
            )
        else:
            done, missing = _checks(
                enrollment,
                screenings.get(enrollment.pk),
                bool(getattr(enrollment, "baseline_done", False)),
            )
            part.waiting.append(WaitingRow(enrollment=enrollment, checks=done, missing=missing))
    for part in parts.values():
        part.allocated.sort(key=lambda row: (row.allocation.allocated_at, row.allocation.pk))
    return {
        "study": study,
        "arms": arms,
        "ratio": ":".join(str(arm.ratio) for arm in arms),
        "strata": strata,
        "parts": list(parts.values()),
    }


def _has_allocation(enrollment: Enrollment) -> bool:
    try:
        enrollment.allocation  # noqa: B018 -- a reverse one-to-one raises when there is none
    except Allocation.DoesNotExist:
        return False
    return True


@dataclass
class StudyStatus:
    enrollment: Enrollment
    arm: StudyArm | None

    @property
    def is_pending(self) -> bool:
        return self.arm is None


def study_status_for_participant(*, user: User) -> list[StudyStatus]:
    """The participant's places in studies: waiting for their group, or their group and what
    happens next (after corrections). Two queries."""
    enrollments = (
        enrollment_list_for_participant(user=user)
        .filter(cohort__studies__isnull=False)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("cohort__program", "allocation__arm")
        .prefetch_related(
            Prefetch(
                "allocation__corrections",
                queryset=AllocationCorrection.objects.select_related("arm_after"),
            )
        )
        .distinct()
        .order_by("cohort__start_date", "pk")
    )
    found = []
    for enrollment in enrollments:
        if _has_allocation(enrollment):
            found.append(StudyStatus(enrollment=enrollment, arm=_latest_arm(enrollment.allocation)))
        elif enrollment.arm == Arm.PENDING:
            found.append(StudyStatus(enrollment=enrollment, arm=None))
    return found
