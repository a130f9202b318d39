"""A randomized study of one program in one organization, from first contact to allocation.

Screening: a person is screened against the program's screening form (questions and eligibility
rules as data, programs/screening/*.json); eligible people who consent join the waitlist and are
offered a place when a cohort has room. Study: its arms, ratio, strata and blocks; the allocation
sequence is drawn with `secrets` when the study is set up and kept sealed (encrypted) slot by
slot, so no page, export, admin screen, log or plain database column shows an arm before it is
allocated. An allocation is final: a correction is a new record with a reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Organization
from programs.models import Arm, Cohort, Enrollment, Program

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager


class Study(models.Model):
    """A randomized comparison of a program's arms, run in one organization's cohorts."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="studies")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="studies")
    name = models.CharField(max_length=160)
    # Screening question codes whose answers make the strata (e.g. ["sex", "site"]); each must be
    # a choice question of the program's screening form.
    strata = models.JSONField(default=list, blank=True)
    # Block sizes drawn at random for each new block, each a multiple of the ratio's sum.
    block_sizes = models.JSONField(default=list)
    cohorts = models.ManyToManyField(Cohort, related_name="studies", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    arms: RelatedManager[StudyArm]
    slots: RelatedManager[AllocationSlot]
    allocations: RelatedManager[Allocation]

    class Meta:
        ordering = ["organization", "name"]
        verbose_name_plural = "studies"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="study_name_unique_in_organization"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StudyArm(models.Model):
    """One arm: its share of the ratio and whether its participants get the course now."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="arms")
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=120)
    ratio = models.PositiveSmallIntegerField(default=1)
    # What the allocation sets on the enrollment: intervention (sessions now) or control
    # (questionnaires only, at the same points on the same calendar; a waitlist control gets
    # its course later).
    enrollment_arm = models.CharField(
        max_length=20,
        choices=[(Arm.INTERVENTION.value, Arm.INTERVENTION.label), (Arm.CONTROL.value, "Control")],
    )
    # The arm the others are compared against in between-arm results.
    is_comparator = models.BooleanField(default=False)
    # What the participant is told once allocated here ("You will be offered the course after
    # your last questionnaires, about six months from now.").
    what_happens_next = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["study", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "code"], name="one_study_arm_per_code"),
            models.CheckConstraint(condition=Q(ratio__gte=1), name="study_arm_ratio_positive"),
        ]

    def __str__(self) -> str:
        return self.label


class AllocationSlot(models.Model):
    """One place in a stratum's sequence, drawn when the study was set up.

    `sealed` is the slot's arm, block and block size encrypted (Fernet, key from settings): the
    plain columns say only which stratum and which position, so reading the table does not
    reveal what comes next.
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="slots")
    stratum_key = models.CharField(max_length=200)
    position = models.PositiveIntegerField()
    sealed = models.BinaryField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["study", "stratum_key", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "stratum_key", "position"], name="one_slot_per_stratum_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study} {self.stratum_key} #{self.position}"


class AllocationFinal(Exception):
    """Something tried to change an allocation's arm; a correction is a new record instead."""


class AllocationQuerySet(models.QuerySet["Allocation"]):
    # A bulk UPDATE bypasses save(): the arm (and where it came from) cannot change that way either.
    def update(self, **kwargs: Any) -> int:
        if set(kwargs) & FINAL_FIELDS:
            raise AllocationFinal("An allocation is final; record a correction with a reason.")
        return super().update(**kwargs)


FINAL_FIELDS = frozenset(
    {"arm", "arm_id", "slot", "slot_id", "enrollment", "enrollment_id", "study", "study_id"}
)


class Allocation(models.Model):
    """A participant's arm, allocated once by "Randomize"; never edited afterwards."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="allocations")
    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.CASCADE, related_name="allocation"
    )
    slot = models.OneToOneField(AllocationSlot, on_delete=models.PROTECT, related_name="+")
    stratum_key = models.CharField(max_length=200)
    stratum_label = models.CharField(max_length=300)
    block = models.PositiveIntegerField()
    arm = models.ForeignKey(StudyArm, on_delete=models.PROTECT, related_name="allocations")
    allocated_at = models.DateTimeField()
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    corrections: RelatedManager[AllocationCorrection]

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["study", "allocated_at", "id"]

    def __str__(self) -> str:
        return f"{self.enrollment} → {self.arm}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Written once by randomize(); the arm it drew never changes (a correction is its own row).
        if self.pk is not None:
            before = (
                Allocation.objects.filter(pk=self.pk)
                .values("arm_id", "slot_id", "enrollment_id")
                .first()
            )
            if before is not None and before != {
                "arm_id": self.arm_id,
                "slot_id": self.slot_id,
                "enrollment_id": self.enrollment_id,
            }:
                raise AllocationFinal("An allocation is final; record a correction with a reason.")
        super().save(*args, **kwargs)


class AllocationCorrection(models.Model):
    """A correction of an allocation made in error, with the reason; the allocation row stays."""

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="corrections")
    arm_before = models.ForeignKey(StudyArm, on_delete=models.PROTECT, related_name="+")
    arm_after = models.ForeignKey(StudyArm, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["allocation", "corrected_at", "id"]

    def __str__(self) -> str:
        return f"{self.allocation}: {self.arm_before} → {self.arm_after}"


class OfferStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered a place"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Offer expired"


class Screening(models.Model):
    """One person screened for a program: their answers, the verdict with reasons, consent, and
    their place on the waitlist up to the enrollment it led to.

    The person is known by `screening_code` in exports; name and contact details are kept for
    offering them a place and shown only on staff pages.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="screenings"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="screenings")
    study = models.ForeignKey(
        Study, on_delete=models.SET_NULL, null=True, blank=True, related_name="screenings"
    )
    screening_code = models.CharField(max_length=20, unique=True)
    full_name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=32, blank=True)
    form_version = models.CharField(max_length=20)
    answers = models.JSONField(default=dict)
    eligible = models.BooleanField()
    # [{"code", "text"}]: every rule the answers did not meet (empty when eligible).
    reasons = models.JSONField(default=list, blank=True)
    # Screening PHQ-9 item 9 above 0: routed to the safety path as everywhere.
    safety_flagged = models.BooleanField(default=False)
    # What a member of staff did about the flag, as for a participant's safety flag: until it is
    # recorded the flag stays open on the screening list and the coordinators' landing page.
    safety_followed_up_at = models.DateTimeField(null=True, blank=True)
    safety_followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    safety_follow_up_note = models.TextField(blank=True)
    screened_at = models.DateTimeField()
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    consented = models.BooleanField(default=False)
    consented_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    offer_status = models.CharField(max_length=20, choices=OfferStatus.choices, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_cohort = models.ForeignKey(
        Cohort, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.SET_NULL, null=True, blank=True, related_name="screening"
    )

    class Meta:
        ordering = ["organization", "-screened_at", "id"]
        indexes = [
            models.Index(fields=["organization", "program", "waitlisted_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(waitlisted_at__isnull=True) | (Q(eligible=True) & Q(consented=True)),
                name="only_eligible_consenting_people_wait",
            ),
        ]

    def __str__(self) -> str:
        return self.screening_code
