"""Whose data a member of staff may export or summarize: one organization and its cohorts.

- coordinators: every cohort of the organization they are working in (staff of several
  organizations choose it, accounts.switching; a cohort filter picks its own organization);
- facilitators: only the cohorts they facilitate;
- anyone else (participants, staff of another organization asking for its cohort): 404.

Which cohorts a person may see is decided once, in programs.access; this module only picks the
organization the reports are about and narrows those cohorts to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Organization, Role, User
from accounts.selectors import membership_get_working
from programs.access import cohort_get_for_staff, cohort_list_for_staff, user_is_cohort_coordinator
from programs.models import Cohort, Program

__all__ = [
    "ReportAccess",
    "program_list_for_report",
    "report_access",
    "report_access_for_user",
]


@dataclass(frozen=True)
class ReportAccess:
    """Whose data a member of staff reaches from the report pages."""

    user: User
    organization: Organization
    cohorts: QuerySet[Cohort]  # every cohort they may export or summarize
    is_coordinator: bool


def report_access(*, user: User, cohort: str | None = None) -> ReportAccess:
    """The organization and cohorts `user` reports on, given the raw `?cohort=` of the request.

    A cohort the user may not see is 404, whether it exists or not; a cohort of another
    organization the user works in switches the reports to that organization.
    """
    access = report_access_for_user(user=user)
    return _access_for_cohort(access, _cohort_from_query(access, cohort))


def report_access_for_user(*, user: User) -> ReportAccess:
    """The organization and cohorts a member of staff reports on; 404 for anyone without a staff role."""
    # The organization they are working in (accounts.switching), never one picked for them.
    membership = membership_get_working(user=user)
    if membership is None:
        raise Http404
    organization = membership.organization
    return ReportAccess(
        user=user,
        organization=organization,
        cohorts=cohort_list_for_staff(user=user).filter(organization=organization),
        is_coordinator=membership.role == Role.COORDINATOR,
    )


def program_list_for_report(*, access: ReportAccess) -> QuerySet[Program]:
    """The programs of the cohorts within reach, by name (the choices of a program filter)."""
    return Program.objects.filter(pk__in=access.cohorts.values("program_id")).order_by("name")


def _cohort_from_query(access: ReportAccess, raw: str | None) -> Cohort | None:
    """The cohort a ?cohort= names, if the user may see it; 404 otherwise (its existence never leaks)."""
    if not raw:
        return None
    # isdigit() alone lets "²" through, which int() refuses (a 500, found by hostile input).
    if not (raw.isascii() and raw.isdigit()):
        raise Http404
    return cohort_get_for_staff(user=access.user, pk=int(raw))


def _access_for_cohort(access: ReportAccess, cohort: Cohort | None) -> ReportAccess:
    """A cohort filter may name a cohort of another organization the user facilitates in."""
    if cohort is None or cohort.organization_id == access.organization.pk:
        return access
    coordinates = user_is_cohort_coordinator(user=access.user, cohort=cohort)
    return ReportAccess(
        user=access.user,
        organization=cohort.organization,
        cohorts=cohort_list_for_staff(user=access.user).filter(
            organization_id=cohort.organization_id
        ),
        is_coordinator=coordinates,
    )
