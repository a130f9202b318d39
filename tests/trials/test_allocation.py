"""Randomizing: the checks first, one allocation per person, the enrollment's arm follows, the
participant is told; corrections are new audited records; bad study set-ups change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.models import AuditEvent
from programs.models import Arm
from sessions.notifications.models import Notification, NotificationKind
from sessions.trials.models import (
    Allocation,
    AllocationCorrection,
    AllocationFinal,
    AllocationSlot,
    Study,
)
from sessions.trials.services.allocation import (
    RandomizationError,
    StudyError,
    allocation_correct,
    current_arm,
    randomize,
    study_create,
)
from tests.factories import CohortFactory, OrganizationFactory, coordinator
from tests.trials.allocation_helpers import make_study, ready_enrollment, study_program, two_arms

pytestmark = pytest.mark.django_db


def _by(study):
    return study.created_by


def test_randomize_allocates_once_and_the_enrollment_arm_follows():
    study = make_study()
    enrollment = ready_enrollment(study.cohorts.get())
    allocation = randomize(enrollment=enrollment, by=_by(study))
    enrollment.refresh_from_db()
    assert enrollment.arm == allocation.arm.enrollment_arm
    assert allocation.stratum_label == "Female"
    slot = AllocationSlot.objects.get(pk=allocation.slot_id)
    assert slot.used_at is not None
    event = AuditEvent.objects.filter(details__change="randomized").get()
    assert event.participant_codes == enrollment.participant_code


# Mid-morning where the participant lives: outside quiet hours the e-mail leaves at once (at
# night it would wait for the morning, which is right, but is not what this test is about).
@time_machine.travel(dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC), tick=True)
def test_the_participant_is_told_their_group_without_health_words_in_the_subject(
    mailoutbox, django_capture_on_commit_callbacks
):
    study = make_study()
    enrollment = ready_enrollment(study.cohorts.get())
    with django_capture_on_commit_callbacks(execute=True):
        allocation = randomize(enrollment=enrollment, by=_by(study))
    row = Notification.objects.get(kind=NotificationKind.ALLOCATION_MADE)
    assert row.recipient == enrollment.user
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == "Your group in the study"
    assert allocation.arm.label in message.body
    assert allocation.arm.what_happens_next in message.body


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"eligible": False}, "not eligible"),
        ({"consented": False}, "has not consented"),
        ({"baseline": False}, "not completed their baseline"),
        ({"screened": False}, "no screening"),
        ({"answers": {"site": "remote"}}, "no usable answer to"),
    ],
)
def test_randomizing_someone_not_ready_is_refused_and_changes_nothing(kwargs, message):
    study = make_study()
    enrollment = ready_enrollment(study.cohorts.get(), **kwargs)
    with pytest.raises(RandomizationError, match=message):
        randomize(enrollment=enrollment, by=_by(study))
    enrollment.refresh_from_db()
    assert enrollment.arm == Arm.PENDING
    assert not Allocation.objects.exists()
    assert not AllocationSlot.objects.filter(used_at__isnull=False).exists()
    assert not Notification.objects.exists()


def test_randomizing_twice_is_refused_and_the_first_allocation_stands():
    study = make_study()
    enrollment = ready_enrollment(study.cohorts.get())
    first = randomize(enrollment=enrollment, by=_by(study))
    with pytest.raises(RandomizationError, match="already been randomized"):
        randomize(enrollment=enrollment, by=_by(study))
    assert Allocation.objects.get() == first
    assert AllocationSlot.objects.filter(used_at__isnull=False).count() == 1


def test_someone_outside_a_study_cannot_be_randomized():
    study = make_study()
    other = CohortFactory(organization=study.organization, program=study.program)
    enrollment = ready_enrollment(other)
    with pytest.raises(RandomizationError, match="not part of a study"):
        randomize(enrollment=enrollment, by=_by(study))


def test_an_allocation_cannot_be_changed_by_saving_or_updating():
    study = make_study()
    allocation = randomize(enrollment=ready_enrollment(study.cohorts.get()), by=_by(study))
    other = study.arms.exclude(pk=allocation.arm_id).get()
    allocation.arm = other
    with pytest.raises(AllocationFinal):
        allocation.save()
    with pytest.raises(AllocationFinal):
        Allocation.objects.filter(pk=allocation.pk).update(arm=other)
    assert Allocation.objects.get().arm_id != other.pk


def test_a_correction_is_a_new_audited_record_and_the_arm_follows():
    study = make_study()
    enrollment = ready_enrollment(study.cohorts.get())
    allocation = randomize(enrollment=enrollment, by=_by(study))
    drawn = allocation.arm
    other = study.arms.exclude(pk=drawn.pk).get()
    correction = allocation_correct(
        allocation=allocation, arm=other, reason="Randomized the wrong person", by=_by(study)
    )
    assert correction.arm_before == drawn
    assert current_arm(Allocation.objects.get()) == other
    assert Allocation.objects.get().arm == drawn  # the allocation row itself stays
    enrollment.refresh_from_db()
    assert enrollment.arm == other.enrollment_arm
    assert AuditEvent.objects.filter(details__change="allocation_corrected").count() == 1


@pytest.mark.parametrize(("reason", "message"), [("  ", "Give the reason"), ("x" * 501, "500")])
def test_a_correction_needs_a_reason(reason, message):
    study = make_study()
    allocation = randomize(enrollment=ready_enrollment(study.cohorts.get()), by=_by(study))
    other = study.arms.exclude(pk=allocation.arm_id).get()
    with pytest.raises(RandomizationError, match=message):
        allocation_correct(allocation=allocation, arm=other, reason=reason, by=_by(study))
    assert not AllocationCorrection.objects.exists()


def test_correcting_to_the_same_arm_is_refused():
    study = make_study()
    allocation = randomize(enrollment=ready_enrollment(study.cohorts.get()), by=_by(study))
    with pytest.raises(RandomizationError, match="already in"):
        allocation_correct(allocation=allocation, arm=allocation.arm, reason="x", by=_by(study))


def _arms(**change):
    arms = two_arms()
    arms[0].update(change)
    return arms


@pytest.mark.parametrize(
    ("arms", "strata", "multiples", "message"),
    [
        (two_arms()[:1], [], (1,), "from 2 to 4 arms"),
        (two_arms() * 3, [], (1,), "from 2 to 4 arms"),
        (_arms(ratio=0), [], (1,), "whole number from 1"),
        (_arms(ratio=1.5), [], (1,), "whole number from 1"),
        (_arms(label="Course later (waitlist)"), [], (1,), "same name"),
        (_arms(is_comparator=True), [], (1,), "Exactly one arm"),
        (_arms(enrollment_arm="control"), [], (1,), "gets the course now"),
        (two_arms(), ["age"], (1,), "only be stratified by choice questions"),
        (two_arms(), [], (), "at least one block size"),
        (two_arms(), [], (20,), "keep blocks to 24"),
    ],
)
def test_a_study_that_does_not_add_up_is_refused_and_nothing_is_made(
    arms, strata, multiples, message
):
    organization = OrganizationFactory()
    with pytest.raises(StudyError, match=message):
        study_create(
            organization=organization,
            program=study_program(),
            name="Trial",
            arms=arms,
            strata=strata,
            block_multiples=multiples,
            by=coordinator(organization),
        )
    assert not Study.objects.exists()
    assert not AllocationSlot.objects.exists()


def test_a_cohort_with_hand_set_groups_cannot_join_a_study():
    organization = OrganizationFactory()
    program = study_program()
    cohort = CohortFactory(organization=organization, program=program)
    from tests.factories import EnrollmentFactory

    EnrollmentFactory(cohort=cohort, arm=Arm.INTERVENTION)
    with pytest.raises(StudyError, match="set by hand"):
        study_create(
            organization=organization,
            program=program,
            name="Trial",
            arms=two_arms(),
            strata=[],
            cohorts=[cohort],
            by=coordinator(organization),
        )
    assert not Study.objects.exists()


def test_set_up_draws_sealed_slots_for_every_stratum():
    study = make_study(strata=("sex", "site"))
    keys = set(AllocationSlot.objects.filter(study=study).values_list("stratum_key", flat=True))
    assert len(keys) == 4 * 3
    assert "sex=female|site=remote" in keys
    assert (
        AllocationSlot.objects.filter(study=study, stratum_key="sex=female|site=remote").count()
        >= 60
    )
