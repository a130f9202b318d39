"""Writes for randomized studies: set-up with the sealed sequence, randomizing, corrections.

The sequence is drawn when the study is set up (sealing.py) and each slot is opened only by
the randomization that uses it. An allocation is final: `allocation_correct` adds a record with
a reason and moves the enrollment's arm, and the allocation row itself never changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditAction, Organization, User
from programs.models import Arm, Cohort, Enrollment, EnrollmentStatus, MeasurementKind, Program
from programs.signals import ScheduleRejected, enrollment_schedule_changed
from sessions.questionnaires.models import Assessment
from sessions.trials.models import (
    Allocation,
    AllocationCorrection,
    AllocationSlot,
    Screening,
    Study,
    StudyArm,
)
from sessions.trials.sealing import SLOTS_PER_STRATUM, SlotContent, seal, sequence_draw, unseal
from sessions.trials.signals import allocation_made
from sessions.trials.strata import (
    MAX_STRATA,
    StratumQuestion,
    strata_questions,
    stratum_cells,
    stratum_count,
    stratum_of,
)

MIN_ARMS, MAX_ARMS = 2, 4
MAX_RATIO = 10
MAX_BLOCK = 24
MAX_REASON = 500


class StudyError(Exception):
    """A study cannot be set up as asked; the message says why, in plain words."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class RandomizationError(Exception):
    """A person cannot be randomized (or an allocation corrected); the message says why."""


def _arm_problems(arms: Sequence[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if not MIN_ARMS <= len(arms) <= MAX_ARMS:
        problems.append(
            f"A study has from {MIN_ARMS} to {MAX_ARMS} arms; this one has {len(arms)}."
        )
        return problems
    labels = [str(a.get("label") or "").strip() for a in arms]
    codes = [str(a.get("code") or "").strip() for a in arms]
    if not all(labels):
        problems.append("Give every arm a name.")
    elif len({label.casefold() for label in labels}) != len(labels):
        problems.append("Two arms have the same name; give each arm its own.")
    if all(labels) and (not all(codes) or len(set(codes)) != len(codes)):
        problems.append("Two arms have names that read the same; make them more different.")
    for arm in arms:
        ratio = arm.get("ratio")
        if isinstance(ratio, bool) or not isinstance(ratio, int) or not 1 <= ratio <= MAX_RATIO:
            problems.append(
                f"The ratio of “{arm.get('label') or 'an arm'}” must be a whole number from 1 "
                f"to {MAX_RATIO}."
            )
        if arm.get("enrollment_arm") not in (Arm.INTERVENTION, Arm.CONTROL):
            problems.append(f"Say whether “{arm.get('label') or 'an arm'}” gets the course now.")
    comparators = sum(1 for a in arms if a.get("is_comparator"))
    if comparators != 1:
        problems.append(
            "Exactly one arm is the comparison arm (a waitlist or active control); "
            f"this study has {comparators}."
        )
    if not any(a.get("enrollment_arm") == Arm.INTERVENTION for a in arms):
        problems.append("At least one arm gets the course now.")
    return problems


def _cohort_problems(
    cohorts: Iterable[Cohort], *, organization: Organization, program: Program, study: Study | None
) -> list[str]:
    problems: list[str] = []
    for cohort in cohorts:
        if cohort.organization_id != organization.pk or cohort.program_id != program.pk:
            problems.append(f"The cohort “{cohort.name}” is not a cohort of this program here.")
            continue
        others = cohort.studies.exclude(pk=study.pk) if study else cohort.studies.all()
        if others.exists():
            problems.append(f"The cohort “{cohort.name}” is already part of another study.")
        # Someone whose group was typed in by hand would be compared as if randomized.
        if cohort.enrollments.exclude(arm=Arm.PENDING).exists():
            problems.append(
                f"The cohort “{cohort.name}” already has participants whose group was set by "
                "hand. A study can only take cohorts whose participants wait for randomization."
            )
    return problems


def _block_sizes(ratio_sum: int, multiples: Iterable[int]) -> list[int]:
    found = sorted({int(m) for m in multiples})
    if not found or any(m < 1 for m in found):
        raise StudyError("Choose at least one block size.", field="block_multiples")
    sizes = [m * ratio_sum for m in found]
    if max(sizes) > MAX_BLOCK:
        raise StudyError(
            f"With this ratio the largest block would hold {max(sizes)} people; keep blocks to "
            f"{MAX_BLOCK} or fewer (choose smaller block sizes or a smaller ratio).",
            field="block_multiples",
        )
    return sizes


def _slots(
    study: Study, stratum_key: str, contents: Sequence[SlotContent], start: int
) -> list[AllocationSlot]:
    return [
        AllocationSlot(
            study=study,
            stratum_key=stratum_key,
            position=start + offset,
            sealed=seal(
                study_id=study.pk, stratum_key=stratum_key, position=start + offset, content=content
            ),
        )
        for offset, content in enumerate(contents)
    ]


def _ratio(study: Study) -> list[tuple[str, int]]:
    return [(arm.code, arm.ratio) for arm in study.arms.all()]


def study_create(
    *,
    organization: Organization,
    program: Program,
    name: str,
    arms: list[dict[str, Any]],
    strata: list[str],
    block_multiples: Sequence[int] = (1, 2, 3),
    cohorts: Iterable[Cohort] = (),
    by: User,
) -> Study:
    """Set up a study and draw its sealed allocation sequence; all or nothing."""
    name = name.strip()
    if not name:
        raise StudyError("Give the study a name.", field="name")
    if len(name) > 160:
        raise StudyError("Keep the study's name to 160 characters.", field="name")
    problems = _arm_problems(arms)
    if problems:
        raise StudyError(" ".join(problems), field="arms")
    questions = strata_questions(program)
    unknown = [code for code in strata if code not in questions]
    if unknown:
        raise StudyError(
            "A study can only be stratified by choice questions of the program's screening form; "
            f"“{unknown[0]}” is not one.",
            field="strata",
        )
    if len(set(strata)) != len(strata):
        raise StudyError("Each stratifying question can be chosen once.", field="strata")
    chosen = [questions[code] for code in strata]
    if stratum_count(chosen) > MAX_STRATA:
        raise StudyError(
            f"These questions make {stratum_count(chosen)} strata; keep to {MAX_STRATA} or fewer, "
            "or small strata will be unbalanced.",
            field="strata",
        )
    ratio_sum = sum(int(a["ratio"]) for a in arms)
    sizes = _block_sizes(ratio_sum, block_multiples)
    cohorts = list(cohorts)
    problems = _cohort_problems(cohorts, organization=organization, program=program, study=None)
    if problems:
        raise StudyError(" ".join(problems), field="cohorts")
    with transaction.atomic():
        if Study.objects.filter(organization=organization, name__iexact=name).exists():
            raise StudyError("There is already a study with this name here.", field="name")
        try:
            with transaction.atomic():
                study = Study.objects.create(
                    organization=organization,
                    program=program,
                    name=name,
                    strata=list(strata),
                    block_sizes=sizes,
                    created_by=by,
                )
        except IntegrityError:
            raise StudyError(
                "There is already a study with this name here.", field="name"
            ) from None
        for position, arm in enumerate(arms):
            StudyArm.objects.create(
                study=study,
                code=arm["code"],
                label=str(arm["label"]).strip(),
                ratio=int(arm["ratio"]),
                enrollment_arm=arm["enrollment_arm"],
                is_comparator=bool(arm.get("is_comparator")),
                what_happens_next=str(arm.get("what_happens_next") or "").strip(),
                position=position,
            )
        study.cohorts.set(cohorts)
        ratio = [(str(a["code"]), int(a["ratio"])) for a in arms]
        slots: list[AllocationSlot] = []
        for key, _label in stratum_cells(chosen):
            slots += _slots(study, key, sequence_draw(ratio, sizes, at_least=SLOTS_PER_STRATUM), 1)
        AllocationSlot.objects.bulk_create(slots)
    return study


def study_cohort_add(*, study: Study, cohort: Cohort, by: User) -> None:
    """A later intake joins the running study: its participants wait for "Randomize" like the
    others, drawing from the same strata's sealed sequences (no new slots are needed)."""
    with transaction.atomic():
        # Locked so an enrollment with a hand-set group cannot slip in while it joins.
        cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
        if study.cohorts.filter(pk=cohort.pk).exists():
            raise StudyError(
                f"The cohort “{cohort.name}” is already in this study.", field="cohort"
            )
        problems = _cohort_problems(
            [cohort], organization=study.organization, program=study.program, study=study
        )
        if problems:
            raise StudyError(" ".join(problems), field="cohort")
        study.cohorts.add(cohort)
        audit_record(
            request=None,
            actor=by,
            action=AuditAction.ORGANIZATION_CHANGED,
            obj=study,
            organization=study.organization,
            details={"change": "study_cohort_added", "study": study.pk, "cohort": cohort.pk},
        )


def study_questions(study: Study) -> list[StratumQuestion]:
    """The study's stratifying questions, in its order."""
    questions = strata_questions(study.program)
    return [questions[code] for code in study.strata if code in questions]


def _baseline_done(enrollment: Enrollment) -> bool:
    return Assessment.objects.filter(
        enrollment=enrollment,
        measurement_point__kind=MeasurementKind.BASELINE,
        completed_at__isnull=False,
    ).exists()


def _screening_of(enrollment: Enrollment) -> Screening | None:
    return Screening.objects.filter(enrollment=enrollment).first()


def randomize_problem(enrollment: Enrollment, study: Study | None) -> str | None:
    """Why this person cannot be randomized now, in plain words, or None when they can."""
    if study is None:
        return "This person's cohort is not part of a study, so there is nothing to randomize."
    if Allocation.objects.filter(enrollment=enrollment).exists():
        return (
            "This person has already been randomized, and an allocation is final. "
            "If it was a mistake, record a correction with the reason."
        )
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        return "This person has withdrawn, so they cannot be randomized."
    screening = _screening_of(enrollment)
    if screening is None:
        return "There is no screening for this person, so we cannot tell whether they are eligible."
    if not screening.eligible:
        return "This person is not eligible according to their screening."
    if not screening.consented:
        return "This person has not consented to the study."
    if not _baseline_done(enrollment):
        return "This person has not completed their baseline questionnaires yet."
    return None


def _more_slots(study: Study, stratum_key: str) -> None:
    # Drawn the same way, still sealed, before anyone is allocated from them.
    last = (
        AllocationSlot.objects.filter(study=study, stratum_key=stratum_key)
        .order_by("-position")
        .first()
    )
    start = last.position + 1 if last else 1
    first_block = 1
    if last is not None:
        first_block = (
            unseal(
                study_id=study.pk,
                stratum_key=stratum_key,
                position=last.position,
                sealed=last.sealed,
            ).block
            + 1
        )
    contents = sequence_draw(
        _ratio(study), study.block_sizes, at_least=SLOTS_PER_STRATUM, first_block=first_block
    )
    AllocationSlot.objects.bulk_create(_slots(study, stratum_key, contents, start))


def _tell(allocation: Allocation, dedupe_key: str) -> None:
    allocation_made.send(sender=Allocation, allocation=allocation, dedupe_key=dedupe_key)


def _follow(enrollment: Enrollment, arm: str) -> None:
    enrollment.arm = arm
    enrollment.save(update_fields=["arm"])
    try:
        # Sessions (intervention only) and questionnaire windows follow the new arm.
        enrollment_schedule_changed.send(sender=Enrollment, enrollment=enrollment)
    except ScheduleRejected as exc:
        raise RandomizationError(str(exc)) from exc


def randomize(*, enrollment: Enrollment, by: User, now: dt.datetime | None = None) -> Allocation:
    """Allocate a person once, from the next sealed slot of their stratum, after the checks."""
    now = now or timezone.now()
    with transaction.atomic():
        # The enrollment's row first (two clicks at once: the second waits, then finds the
        # allocation), then the study's (one randomization at a time per study).
        enrollment = (
            Enrollment.objects.select_for_update()
            .select_related("cohort__organization", "user")
            .get(pk=enrollment.pk)
        )
        study = Study.objects.filter(cohorts=enrollment.cohort_id).first()
        problem = randomize_problem(enrollment, study)
        if problem or study is None:
            raise RandomizationError(problem or "")
        study = Study.objects.select_for_update().get(pk=study.pk)
        screening = _screening_of(enrollment)
        place = stratum_of(study_questions(study), screening.answers if screening else {})
        if isinstance(place, str):
            raise RandomizationError(place)
        key, label = place
        slot = _next_slot(study, key)
        content = unseal(
            study_id=study.pk, stratum_key=key, position=slot.position, sealed=slot.sealed
        )
        arm = study.arms.get(code=content.arm)
        slot.used_at = now
        slot.save(update_fields=["used_at"])
        allocation = Allocation.objects.create(
            study=study,
            enrollment=enrollment,
            slot=slot,
            stratum_key=key,
            stratum_label=label,
            block=content.block,
            arm=arm,
            allocated_at=now,
            allocated_by=by,
        )
        _follow(enrollment, arm.enrollment_arm)
        audit_record(
            request=None,
            actor=by,
            action=AuditAction.ENROLLMENT_CHANGED,
            obj=enrollment,
            organization=enrollment.cohort.organization,
            details={
                "change": "randomized",
                "study": study.pk,
                "allocation": allocation.pk,
                "arm": arm.code,
                "stratum": key,
            },
        )
        _tell(allocation, f"allocation:{allocation.pk}")
    return allocation


def _next_slot(study: Study, key: str) -> AllocationSlot:
    unused = AllocationSlot.objects.filter(study=study, stratum_key=key, used_at__isnull=True)
    slot = unused.order_by("position").first()
    if slot is None:
        _more_slots(study, key)
        slot = unused.order_by("position").first()
    if slot is None:  # pragma: no cover - _more_slots always draws at least one block
        raise RandomizationError("The study's sequence could not be extended. Please try again.")
    return slot


def current_arm(allocation: Allocation) -> StudyArm:
    """The arm after corrections (the latest correction's, else the allocated one)."""
    corrections = sorted(allocation.corrections.all(), key=lambda c: (c.corrected_at, c.pk))
    return corrections[-1].arm_after if corrections else allocation.arm


def allocation_correct(
    *, allocation: Allocation, arm: StudyArm, reason: str, by: User
) -> AllocationCorrection:
    """Record a correction of an allocation made in error; the allocation row itself stays."""
    reason = reason.strip()
    if not reason:
        raise RandomizationError("Give the reason for the correction.")
    if len(reason) > MAX_REASON:
        raise RandomizationError(f"Keep the reason to {MAX_REASON} characters.")
    if arm.study_id != allocation.study_id:
        raise RandomizationError("Choose one of this study's arms.")
    with transaction.atomic():
        allocation = (
            Allocation.objects.select_for_update()
            .select_related("enrollment__cohort__organization", "arm")
            .get(pk=allocation.pk)
        )
        before = current_arm(allocation)
        if before.pk == arm.pk:
            raise RandomizationError(f"This person is already in “{arm.label}”.")
        correction = AllocationCorrection.objects.create(
            allocation=allocation, arm_before=before, arm_after=arm, reason=reason, corrected_by=by
        )
        enrollment = allocation.enrollment
        _follow(enrollment, arm.enrollment_arm)
        audit_record(
            request=None,
            actor=by,
            action=AuditAction.ENROLLMENT_CHANGED,
            obj=enrollment,
            organization=enrollment.cohort.organization,
            # The reason stays with the correction; the log says what changed.
            details={
                "change": "allocation_corrected",
                "allocation": allocation.pk,
                "correction": correction.pk,
                "arm": [before.code, arm.code],
            },
        )
        _tell(allocation, f"allocation:{allocation.pk}:correction:{correction.pk}")
    return correction
