"""Reads of the rights pages, with their access rules.

Who coordinates which organization comes from programs.access and who joined it from
accounts.selectors.user_list_joined: neither rule is written again here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from accounts.consent import KEEP_CHOICES, consent_get_latest
from accounts.models import ConsentRecord, ErasureRequest, ErasureStatus, User
from accounts.selectors import user_list_joined
from programs.access import organization_ids_coordinated
from programs.models import Enrollment
from sessions.rights.withdrawal import LEAVABLE

# Completed requests stay listed for the organization's records; the newest this many.
COMPLETED_LIMIT = 50

RequestWithEnrollments = tuple[ErasureRequest, list[Enrollment]]


def user_is_participant_side(*, user: User) -> bool:
    """Rights pages are for people without a staff role (participants, or people not yet enrolled)."""
    return user.is_authenticated and not user.memberships.exists()


def enrollment_list_leavable_for_participant(*, user: User) -> QuerySet[Enrollment]:
    """The participant's own courses they can still leave (invited or active)."""
    return (
        Enrollment.objects.filter(user=user, status__in=LEAVABLE)
        .select_related("cohort__program", "cohort__organization")
        .order_by("-cohort__start_date", "pk")
    )


@dataclass(frozen=True)
class ConsentSummary:
    """The person's latest consent, and what they chose about their answers after erasure."""

    consent: ConsentRecord | None
    keeps_research_data: bool
    # The wording of their choice as the consent page offered it ("" without a consent).
    choice: str


def consent_summary_get(*, user: User) -> ConsentSummary:
    latest = consent_get_latest(user=user)
    if latest is None:
        return ConsentSummary(consent=None, keeps_research_data=False, choice="")
    choices = dict(KEEP_CHOICES)
    return ConsentSummary(
        consent=latest,
        keeps_research_data=latest.keep_research_data,
        choice=choices["keep" if latest.keep_research_data else "delete"],
    )


def erasure_request_list_for_coordinator(*, user: User) -> QuerySet[ErasureRequest]:
    """Requests of people who joined the organizations the user coordinates, open ones first.

    Joined (accounts.selectors.user_list_joined): accepted an enrollment or an invitation of
    the organization, or works there. Someone who accepted an invitation but was never enrolled
    can still ask, and their request must reach a coordinator rather than wait unseen; someone
    a coordinator only typed in, and who never accepted, is none of that organization's business.
    """
    if not user.is_authenticated:
        return ErasureRequest.objects.none()
    people = user_list_joined(organization_ids=organization_ids_coordinated(user))
    return (
        ErasureRequest.objects.filter(user_id__in=people.values("pk"))
        .select_related("user")
        .order_by("-status", "-requested_at", "-pk")
    )


def erasure_request_get_for_coordinator(*, user: User, pk: int) -> ErasureRequest:
    """One request a coordinator of the person's organization may see, or 404."""
    try:
        return erasure_request_list_for_coordinator(user=user).get(pk=pk)
    except ErasureRequest.DoesNotExist:
        raise Http404 from None


def enrollment_map_for_erasure_requests(
    *, user: User, requests: Iterable[ErasureRequest]
) -> dict[int, list[Enrollment]]:
    """Per person asking, their accepted enrollments with the organizations the user coordinates
    (only those)."""
    found: dict[int, list[Enrollment]] = {r.user_id: [] for r in requests}
    rows = (
        Enrollment.objects.accepted()
        .filter(
            user_id__in=list(found),
            cohort__organization_id__in=organization_ids_coordinated(user),
        )
        .select_related("cohort__program")
        .order_by("invited_at", "pk")
    )
    for enrollment in rows:
        found[enrollment.user_id].append(enrollment)
    return found


def enrollment_list_for_erasure_request(
    *, user: User, erasure_request: ErasureRequest
) -> list[Enrollment]:
    """The asking person's accepted enrollments with the organizations the user coordinates."""
    found = enrollment_map_for_erasure_requests(user=user, requests=[erasure_request])
    return found[erasure_request.user_id]


@dataclass(frozen=True)
class ErasureRequestOverview:
    open_requests: list[RequestWithEnrollments]
    completed: list[RequestWithEnrollments]


def erasure_request_overview_for_coordinator(*, user: User) -> ErasureRequestOverview:
    """Open requests of the coordinator's organizations, then the latest completed ones
    (at most COMPLETED_LIMIT), each with the person's enrollments there."""
    requests = erasure_request_list_for_coordinator(user=user)
    open_requests = list(requests.filter(status=ErasureStatus.OPEN))
    completed = list(requests.filter(status=ErasureStatus.COMPLETED)[:COMPLETED_LIMIT])
    enrollments = enrollment_map_for_erasure_requests(
        user=user, requests=[*open_requests, *completed]
    )
    return ErasureRequestOverview(
        open_requests=[(r, enrollments[r.user_id]) for r in open_requests],
        completed=[(r, enrollments[r.user_id]) for r in completed],
    )
