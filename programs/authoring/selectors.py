"""Who may see an organization's own programs: its coordinators, in the organization they are
working in (lists) or any they coordinate (a link); 404 for everyone else."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from accounts.selectors import organization_id_working
from programs.access import organization_ids_coordinated

from .models import ProgramLine


def line_list_for_coordinator(*, user: User) -> QuerySet[ProgramLine]:
    """The working organization's own programs, for one of its coordinators."""
    organization_id = organization_id_working(user=user)
    if organization_id is None:
        return ProgramLine.objects.none()
    return ProgramLine.objects.filter(
        organization_id=organization_id,
        organization_id__in=organization_ids_coordinated(user),
    ).select_related("source", "organization")


def line_get_for_coordinator(*, user: User, pk: int) -> ProgramLine:
    """An own program of an organization the user coordinates, or 404."""
    try:
        return ProgramLine.objects.select_related("source", "organization").get(
            pk=pk, organization_id__in=organization_ids_coordinated(user)
        )
    except ProgramLine.DoesNotExist:
        raise Http404("No such program.") from None
