"""Reads with access rules for people, organizations and invitations.

Every view that reaches an account object by URL goes through one of these; anything the
user may not see raises Http404 so its existence does not leak.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import (
    AuditEvent,
    ExportRecord,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
    hash_token,
)

RoleName = Literal["coordinator", "facilitator", "participant"]


def user_get_role(*, user: User) -> RoleName:
    """The role whose landing page and navigation this user gets; coordinator outranks facilitator."""
    roles = {m.role for m in user.memberships.all()}
    if Role.COORDINATOR in roles:
        return "coordinator"
    if Role.FACILITATOR in roles:
        return "facilitator"
    return "participant"


def membership_get_for_user(*, user: User, role: Role) -> Membership:
    """The user's membership with this role (first organization by name), or 404."""
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, role=role)
        .order_by("organization__name")
        .first()
    )
    if membership is None:
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


def export_record_list_for_organization(*, organization: Organization) -> QuerySet[ExportRecord]:
    """The organization's exports, newest first, for its coordinators."""
    return ExportRecord.objects.filter(organization=organization).order_by("-created_at", "-pk")


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
    changes of its people (staff, and participants of its cohorts), which belong to no one
    organization; a failed sign-in counts when the address typed is one of theirs.
    """
    # "enrollments" is the reverse relation the programs app adds to User; accounts cannot
    # import programs (it is the lower app), but may name the relation.
    people = User.objects.filter(
        Q(memberships__organization=organization)
        | Q(enrollments__cohort__organization=organization)
    )
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
