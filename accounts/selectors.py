"""Reads with access rules for people, organizations and invitations.

Every view that reaches an account object by URL goes through one of these; anything the
user may not see raises Http404 so its existence does not leak.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404

from .models import (
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
    hash_token,
)

RoleName = Literal["coordinator", "facilitator", "participant"]


# Staff in several organizations work in one at a time. accounts.switching keeps the choice in
# the session and, for each request, puts it on the user object under this name, so every
# selector given the user (down to the report and access rules) follows it without each view
# passing it along. The memberships are read once per request and kept beside it.
WORKING_CHOICE_ATTR = "_working_organization_choice"


def memberships_prefetch(*, user: User) -> None:
    """Load the person's memberships with their organizations onto the user, once per request
    (one query): the second-factor check, the navigation, the header and the page share them."""
    if "memberships" not in getattr(user, "_prefetched_objects_cache", {}):
        prefetch_related_objects(
            [user],
            Prefetch("memberships", queryset=Membership.objects.select_related("organization")),
        )


def membership_list_for_staff(*, user: User | AnonymousUser) -> list[Membership]:
    """Every staff membership of the person, with its organization, by organization name."""
    if not user.is_authenticated:
        return []
    memberships_prefetch(user=user)
    return sorted(user.memberships.all(), key=lambda m: (m.organization.name, m.organization_id))


def membership_forget_cached(*, user: User) -> None:
    """Drop the memberships read for this request (the next read sees any change made since)."""
    getattr(user, "_prefetched_objects_cache", {}).pop("memberships", None)


def membership_get_working(*, user: User | AnonymousUser) -> Membership | None:
    """The membership of the organization the person is working in: the one they chose, while
    they still belong to it; otherwise their most recent membership (or the only one). None for
    anyone without a staff role."""
    memberships = membership_list_for_staff(user=user)
    if not memberships:
        return None
    chosen = getattr(user, WORKING_CHOICE_ATTR, None)
    for membership in memberships:
        if membership.organization_id == chosen:
            return membership
    # A removed membership or no choice yet: the newest, so someone just invited to a second
    # organization starts where they were invited (the header shows where that is).
    return max(memberships, key=lambda m: (m.created_at, m.pk))


def organization_id_working(*, user: User | AnonymousUser) -> int | None:
    """The id of the organization the person is working in, or None (not staff)."""
    membership = membership_get_working(user=user)
    return membership.organization_id if membership is not None else None


def user_get_role(*, user: User) -> RoleName:
    """The role whose landing page and navigation this user gets: their role in the organization
    they are working in (see membership_get_working); participant for everyone else."""
    membership = membership_get_working(user=user)
    if membership is None:
        return "participant"
    return "coordinator" if membership.role == Role.COORDINATOR else "facilitator"


def organization_list_for_person(*, user: User | AnonymousUser) -> QuerySet[Organization]:
    """Every organization this person belongs to: where they are staff, and where they joined
    a cohort (accepted, not withdrawn). Its crisis and support contacts are theirs; the help
    pages show them. An organization that only typed their address is not theirs yet: its
    numbers are not shown as their support. Anonymous visitors belong to none."""
    if not user.is_authenticated:
        return Organization.objects.none()
    # "enrollments" is the reverse relation the programs app adds to User; accounts cannot
    # import programs (it is the lower app), so its fields are named here as stored.
    enrolled = (
        user.enrollments.exclude(status="withdrawn")
        .filter(accepted_at__isnull=False)
        .values("cohort__organization")
    )
    staff = Membership.objects.filter(user=user).values("organization")
    return Organization.objects.filter(Q(pk__in=staff) | Q(pk__in=enrolled)).order_by("name")


def organization_zones_for_person(*, user: User) -> list[str]:
    """The default time zones of the person's organizations, offered first on their profile."""
    zones = organization_list_for_person(user=user).values_list("default_timezone", flat=True)
    return list(dict.fromkeys(zones))


def membership_get_for_user(*, user: User, role: Role) -> Membership:
    """The user's membership in the organization they are working in, if they have this role
    there, or 404 (a coordinator elsewhere who is working as a facilitator here changes nothing
    of the other organization from this one's pages)."""
    membership = membership_get_working(user=user)
    if membership is None or membership.role != role:
        raise Http404
    return membership


def membership_get_role_for_email(*, organization: Organization, email: str) -> str | None:
    """The role the person with this address has in the organization, or None."""
    return (
        Membership.objects.filter(organization=organization, user__email__iexact=email.strip())
        .values_list("role", flat=True)
        .first()
    )


def membership_list_for_organization(*, organization: Organization) -> QuerySet[Membership]:
    """Staff of one organization, for its coordinators."""
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("role", "user__full_name", "user__email")
    )


def invitation_list_pending(*, organization: Organization) -> QuerySet[Invitation]:
    """Invitations of one organization that can still be accepted, newest first."""
    return (
        Invitation.objects.pending().filter(organization=organization).select_related("invited_by")
    )


def invitation_get_for_coordinator(*, organization: Organization, pk: int) -> Invitation:
    """An invitation of the coordinator's own organization, or 404."""
    try:
        return Invitation.objects.get(organization=organization, pk=pk)
    except Invitation.DoesNotExist:
        raise Http404 from None


def invitation_get_by_token(*, token: str) -> Invitation | None:
    """The invitation a link's token belongs to, used or not; None for a token we never issued."""
    return (
        Invitation.objects.select_related("organization")
        .filter(token_hash=hash_token(token))
        .first()
    )


def user_list_joined(*, organization_ids: Iterable[int] | QuerySet[Any, Any]) -> QuerySet[User]:
    """People who joined these organizations: their staff, people who accepted one of their
    invitations, and participants who accepted an enrollment in one of their cohorts.

    The one rule for "this organization's people" (audit log, erasure requests). Someone a
    coordinator only typed in, an enrollment or invitation not accepted yet, is not among
    them: typing an address must not reveal anything about the account behind it.
    """
    staff = Membership.objects.filter(organization_id__in=organization_ids).values("user_id")
    invited = Invitation.objects.filter(
        organization_id__in=organization_ids, accepted_by__isnull=False
    ).values("accepted_by_id")
    # "enrollments" is the reverse relation the programs app adds to User; accounts cannot
    # import programs (it is the lower app), but may name the relation and its fields.
    enrolled = User.objects.filter(
        enrollments__cohort__organization_id__in=organization_ids,
        enrollments__accepted_at__isnull=False,
    ).values("pk")
    return User.objects.filter(Q(pk__in=staff) | Q(pk__in=invited) | Q(pk__in=enrolled))


def audit_event_list_for_organization(
    *,
    organization: Organization,
    person: str = "",
    action: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    participant_code: str = "",
) -> QuerySet[AuditEvent]:
    """The organization's audit log for its coordinators, newest first, filtered as asked.

    Besides events about the organization's own records, it holds the sign-ins and two-factor
    changes of its people (user_list_joined: staff, and participants who accepted), which belong
    to no one organization; a failed sign-in counts when the address typed is one of theirs.
    """
    people = user_list_joined(organization_ids=[organization.pk])
    events = AuditEvent.objects.filter(
        Q(organization=organization)
        | Q(organization__isnull=True, actor__in=people.values("pk"))
        | Q(
            organization__isnull=True,
            actor__isnull=True,
            actor_email__in=people.values("email"),
        )
    )
    if person.strip():
        events = events.filter(actor_email__icontains=person.strip())
    if action:
        events = events.filter(action=action)
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    if participant_code.strip():
        events = events.filter(participant_codes__icontains=participant_code.strip())
    return events.order_by("-at", "-pk")


def organization_get_for_coordinator(*, user: User, slug: str) -> Organization:
    """An organization this user coordinates, by its slug, or 404 (for its facilitators too)."""
    organization = Organization.objects.filter(
        slug=slug, memberships__user=user, memberships__role=Role.COORDINATOR
    ).first()
    if organization is None:
        raise Http404
    return organization
