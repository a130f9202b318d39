"""Who may see what: the access rules of Stillwater, written once.

Every object reached from a URL goes through one function here, or through its app's one-line
application of these rules (the app's selectors name the function `<object>_get_for_staff` /
`<object>_get_for_participant`); anyone else gets 404, never a hint that it exists.

- A cohort is seen by the coordinators of its organization and the facilitators assigned to it
  (`cohort_list_for_staff`); changes only coordinators make use `cohort_get_for_coordinator`.
- An enrollment is seen by those staff, and by the participant it belongs to once they accepted
  it or while the invitation waits for them (`enrollment_list_for_participant`).
- Anything hanging off a cohort or an enrollment (a scheduled session, an assessment, a response,
  a safety event, a follow-up) is seen by whoever sees that cohort or enrollment:
  `get_for_staff(queryset, via="cohort", ...)` / `get_for_participant(queryset, via="enrollment", ...)`.
- A program is offered to an organization when it is shipped with Stillwater or is the newest
  published version of the organization's own (`program_list_offered`); another organization's
  programs, their names included, are never shown (`program_list_visible`).
- The other way round, who works with a cohort (whom reminders and alerts go to):
  `staff_of_cohorts`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from accounts.models import Membership, Role, User
from accounts.selectors import organization_id_working

from .models import Cohort, Enrollment, EnrollmentQuerySet, EnrollmentStatus, Program, ProgramStatus

M = TypeVar("M", bound=Model)


def organization_ids_coordinated(user: User) -> QuerySet[Membership, Any]:
    # Every organization they coordinate, not only the one they are working in: this decides
    # access, and a link to another organization's cohort (in an alert, say) must still open.
    # Lists show one organization at a time through cohort_list_in_working_organization.
    return Membership.objects.filter(user=user, role=Role.COORDINATOR).values("organization_id")


def program_list_visible(*, organization_id: int | None) -> QuerySet[Program]:
    """Programs an organization's staff may see by name: shipped ones and every version of its own
    (drafts included), never another organization's."""
    return Program.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=organization_id)
    ).order_by("name", "pk")


def program_list_offered(*, organization_id: int | None) -> QuerySet[Program]:
    """Programs a new cohort of this organization may run: the shipped originals and the newest
    published version of each of its own programs (publishing retires the one before)."""
    return program_list_visible(organization_id=organization_id).filter(
        Q(status=ProgramStatus.SHIPPED) | Q(status=ProgramStatus.PUBLISHED), is_active=True
    )


def cohort_list_for_staff(*, user: User) -> QuerySet[Cohort]:
    """Cohorts a member of staff may see: all of their organizations' (coordinator), or their own (facilitator)."""
    if not user.is_authenticated:
        return Cohort.objects.none()
    facilitated = Cohort.facilitators.through.objects.filter(user_id=user.pk).values("cohort_id")
    return (
        Cohort.objects.filter(
            Q(organization_id__in=organization_ids_coordinated(user)) | Q(pk__in=facilitated)
        )
        # The version of an own program (programs.authoring) rides along, so cohort pages and
        # lists can say "Our MBSR, version 2" without a query per cohort.
        .select_related("program__version__line", "organization")
        .order_by("-start_date", "name")
    )


def cohort_list_in_working_organization(*, user: User) -> QuerySet[Cohort]:
    """The cohorts of `cohort_list_for_staff` in the organization the person is working in
    (accounts.switching): staff of several organizations see one at a time in lists."""
    organization_id = organization_id_working(user=user)
    if organization_id is None:  # not staff anywhere
        return Cohort.objects.none()
    return cohort_list_for_staff(user=user).filter(organization_id=organization_id)


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
            .filter(organization_id__in=organization_ids_coordinated(user))
            .get(pk=pk)
        )
    except Cohort.DoesNotExist:
        raise Http404 from None


def user_is_cohort_coordinator(*, user: User, cohort: Cohort) -> bool:
    return Membership.objects.filter(
        user=user, organization_id=cohort.organization_id, role=Role.COORDINATOR
    ).exists()


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


def staff_filter(*, user: User, via: str) -> Q:
    """Rows whose cohort (reached through `via`, e.g. "cohort" or "enrollment__cohort") the user
    may see as staff."""
    return Q(**{f"{via}__in": cohort_list_for_staff(user=user).values("pk")})


def participant_filter(*, user: User, via: str) -> Q:
    """Rows whose enrollment (reached through `via`) is one of the participant's own joined ones."""
    return Q(**{f"{via}__in": enrollment_list_joined_for_participant(user=user).values("pk")})


def get_for_staff(queryset: QuerySet[M], *, user: User, pk: int, via: str) -> M:
    """The row `pk` of `queryset` if the user may see its cohort as staff, or 404."""
    try:
        return queryset.filter(staff_filter(user=user, via=via)).get(pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def get_for_participant(queryset: QuerySet[M], *, user: User, pk: int, via: str) -> M:
    """The row `pk` of `queryset` if it belongs to one of the participant's joined enrollments, or 404."""
    try:
        return queryset.filter(participant_filter(user=user, via=via)).get(pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def staff_of_cohorts(
    cohort_ids: Iterable[int], *, coordinators: bool = True
) -> dict[int, list[User]]:
    """Active staff who work with each cohort: its facilitators, and (unless told otherwise) the
    coordinators of its organization. The inverse of `cohort_list_for_staff`, in two queries."""
    ids = set(cohort_ids)
    found: dict[int, dict[int, User]] = defaultdict(dict)
    links = Cohort.facilitators.through.objects.filter(
        cohort_id__in=ids, user__is_active=True
    ).select_related("user")
    for link in links:
        found[link.cohort_id][link.user_id] = link.user
    if coordinators and ids:
        organization_of = dict(
            Cohort.objects.filter(pk__in=ids).values_list("pk", "organization_id")
        )
        by_organization: dict[int, list[User]] = defaultdict(list)
        for membership in Membership.objects.filter(
            organization_id__in=set(organization_of.values()),
            role=Role.COORDINATOR,
            user__is_active=True,
        ).select_related("user"):
            by_organization[membership.organization_id].append(membership.user)
        for cohort_id, organization_id in organization_of.items():
            for person in by_organization[organization_id]:
                found[cohort_id].setdefault(person.pk, person)
    return {cohort_id: list(people.values()) for cohort_id, people in found.items()}


def user_works_with_cohort(*, user_id: int, cohort: Cohort) -> bool:
    """Whether the person still facilitates the cohort or coordinates its organization."""
    return (
        Cohort.facilitators.through.objects.filter(cohort_id=cohort.pk, user_id=user_id).exists()
        or Membership.objects.filter(
            user_id=user_id, organization_id=cohort.organization_id, role=Role.COORDINATOR
        ).exists()
    )
