"""Reads with access rules for programs, cohorts and enrollments.

Who sees a cohort: the coordinators of its organization and the facilitators assigned to it.
Who sees an enrollment: those staff, and the participant it belongs to. Anything else is 404.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from accounts.models import Membership, Role, User

from .models import Cohort, Enrollment, EnrollmentQuerySet, EnrollmentStatus, Program


def _coordinated_organization_ids(user: User) -> QuerySet[Membership, Any]:
    return Membership.objects.filter(user=user, role=Role.COORDINATOR).values("organization_id")


def cohort_list_for_staff(*, user: User) -> QuerySet[Cohort]:
    """Cohorts a member of staff may see: all of their organizations' (coordinator), or their own (facilitator)."""
    if not user.is_authenticated:
        return Cohort.objects.none()
    facilitated = Cohort.facilitators.through.objects.filter(user_id=user.pk).values("cohort_id")
    return (
        Cohort.objects.filter(
            Q(organization_id__in=_coordinated_organization_ids(user)) | Q(pk__in=facilitated)
        )
        .select_related("program", "organization")
        .order_by("-start_date", "name")
    )


def cohort_get_for_staff(*, user: User, pk: int) -> Cohort:
    """A cohort the user coordinates or facilitates, or 404."""
    try:
        return cohort_list_for_staff(user=user).get(pk=pk)
    except Cohort.DoesNotExist:
        raise Http404 from None


def cohort_get_for_coordinator(*, user: User, pk: int) -> Cohort:
    """A cohort of an organization the user coordinates (for changes only coordinators make), or 404."""
    try:
        return (
            Cohort.objects.select_related("program", "organization")
            .filter(organization_id__in=_coordinated_organization_ids(user))
            .get(pk=pk)
        )
    except Cohort.DoesNotExist:
        raise Http404 from None


def user_is_cohort_coordinator(*, user: User, cohort: Cohort) -> bool:
    return Membership.objects.filter(
        user=user, organization_id=cohort.organization_id, role=Role.COORDINATOR
    ).exists()


def enrollment_list_for_cohort(*, cohort: Cohort) -> QuerySet[Enrollment]:
    """The roster of a cohort the caller has already been allowed to see."""
    return cohort.enrollments.select_related("user").order_by("participant_code")


def enrollment_get_for_staff(*, user: User, pk: int) -> Enrollment:
    """An enrollment in a cohort the user coordinates or facilitates, or 404."""
    try:
        return Enrollment.objects.select_related(
            "cohort__program", "cohort__organization", "user"
        ).get(pk=pk, cohort__in=cohort_list_for_staff(user=user))
    except Enrollment.DoesNotExist:
        raise Http404 from None


def enrollment_list_for_participant(*, user: User) -> EnrollmentQuerySet:
    """A participant's own enrollments, current ones first: those they accepted, and
    invitations still waiting for them.

    One a coordinator switched to active before the person accepted is left out until they
    accept: nothing they do reaches that organization before then.
    """
    if not user.is_authenticated:
        return Enrollment.objects.none()
    return (
        Enrollment.objects.filter(user=user)
        .filter(Q(accepted_at__isnull=False) | Q(status=EnrollmentStatus.INVITED))
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("cohort__program", "cohort__organization")
        .order_by("-cohort__start_date")
    )


def enrollment_list_joined_for_participant(*, user: User) -> QuerySet[Enrollment]:
    """The participant's own enrollments they accepted: the only ones whose pages take their
    answers, practice or reflections (an organization learns nothing before they accept)."""
    return enrollment_list_for_participant(user=user).accepted()


def enrollment_get_for_participant(*, user: User, pk: int) -> Enrollment:
    """One of the participant's own enrollments, or 404."""
    try:
        return enrollment_list_for_participant(user=user).get(pk=pk)
    except Enrollment.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class CurrentEnrollments:
    """A participant's courses now: those they joined, and invitations they have not accepted.

    Joined means active and accepted by the person, signed in as themselves. An invitation
    never replaces or hides a course the person is taking part in; it is only mentioned.
    """

    joined: list[Enrollment]
    invited: list[Enrollment]


def enrollment_list_current_for_participant(*, user: User) -> CurrentEnrollments:
    """The participant's current courses (joined first started first) and open invitations, in one query."""
    found = list(
        enrollment_list_for_participant(user=user)
        .filter(status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.INVITED])
        .order_by("cohort__start_date", "pk")
    )
    return CurrentEnrollments(
        joined=[e for e in found if e.status == EnrollmentStatus.ACTIVE and e.is_accepted],
        invited=[e for e in found if e.status == EnrollmentStatus.INVITED and not e.is_accepted],
    )


def enrollment_list_current_elsewhere_in_organization(
    *, cohort: Cohort, emails: Collection[str]
) -> dict[str, list[Enrollment]]:
    """Current (active or invited) enrollments of these addresses in the cohort's organization's
    other cohorts, by lower-case address, for the coordinator adding them to this cohort.

    Only the cohort's own organization: nothing is ever said about anyone's courses elsewhere.
    """
    addresses = {email.strip().lower() for email in emails if email}
    if not addresses:
        return {}
    found: dict[str, list[Enrollment]] = {}
    enrollments = (
        Enrollment.objects.filter(
            cohort__organization_id=cohort.organization_id,
            status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.INVITED],
        )
        .exclude(cohort_id=cohort.pk)
        .annotate(address=Lower("user__email"))
        .filter(address__in=addresses)
        .select_related("cohort__program")
        .order_by("cohort__start_date", "cohort__name", "pk")
    )
    for enrollment in enrollments:
        found.setdefault(enrollment.address, []).append(enrollment)  # type: ignore[attr-defined]
    return found


def program_list_active() -> QuerySet[Program]:
    """Programs a coordinator can start a cohort of."""
    return Program.objects.filter(is_active=True).order_by("name")


def cohort_list_for_staff_with_counts(*, user: User) -> QuerySet[Cohort]:
    """The staff member's cohorts with their current participant count and facilitators.

    The count and the facilitators come in two queries however many cohorts and people there
    are; the list must not cost a query per row.
    """
    return (
        cohort_list_for_staff(user=user)
        .annotate(
            participant_count=Count(
                "enrollments",
                filter=Q(
                    enrollments__status__in=[EnrollmentStatus.INVITED, EnrollmentStatus.ACTIVE]
                ),
            )
        )
        .prefetch_related(
            Prefetch("facilitators", queryset=User.objects.order_by("full_name", "email"))
        )
    )
