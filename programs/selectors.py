"""Reads of programs, cohorts and enrollments, for callers already allowed to see them
(the access rules themselves are in programs.access)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from accounts.models import User

from .access import cohort_list_in_working_organization, enrollment_list_for_participant
from .models import Cohort, Enrollment, EnrollmentStatus


def enrollment_list_for_cohort(*, cohort: Cohort) -> QuerySet[Enrollment]:
    """The roster of a cohort the caller has already been allowed to see."""
    return cohort.enrollments.select_related("user").order_by("participant_code")


@dataclass(frozen=True)
class CurrentEnrollments:
    """A participant's courses now: those they joined, and invitations they have not accepted.

    Joined means active and accepted by the person, signed in as themselves. An invitation
    never replaces or hides a course the person is taking part in; it is only mentioned.
    """

    joined: list[Enrollment]
    invited: list[Enrollment]
    # Courses staff marked completed: no sessions or practice any more, but the questionnaires
    # after the course (post, follow-ups months later) still come to the person.
    finished: list[Enrollment] = field(default_factory=list)


def enrollment_list_current_for_participant(*, user: User) -> CurrentEnrollments:
    """The participant's current courses (joined first started first) and open invitations, in one query."""
    found = list(
        enrollment_list_for_participant(user=user)
        .filter(
            status__in=[
                EnrollmentStatus.ACTIVE,
                EnrollmentStatus.INVITED,
                EnrollmentStatus.COMPLETED,
            ]
        )
        .order_by("cohort__start_date", "pk")
    )
    return CurrentEnrollments(
        joined=[e for e in found if e.status == EnrollmentStatus.ACTIVE and e.is_accepted],
        invited=[e for e in found if e.status == EnrollmentStatus.INVITED and not e.is_accepted],
        finished=[e for e in found if e.status == EnrollmentStatus.COMPLETED and e.is_accepted],
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


def cohort_list_for_staff_with_counts(*, user: User) -> QuerySet[Cohort]:
    """The staff member's cohorts in the organization they are working in, with their current
    participant count and facilitators.

    The count and the facilitators come in two queries however many cohorts and people there
    are; the list must not cost a query per row.
    """
    return (
        cohort_list_in_working_organization(user=user)
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
