"""Reads of the notifications app: preferences, the delivery log and what staff can send now."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Invitation, Membership, User
from programs.access import enrollment_get_for_staff
from programs.models import Enrollment, EnrollmentStatus
from sessions.notifications.models import Notification, NotificationKind, Preferences
from sessions.questionnaires.models import Assessment


def preferences_get(*, user: User) -> Preferences:
    """A person's saved preferences, or the defaults (unsaved) if they never changed any."""
    return Preferences.objects.filter(user=user).first() or Preferences(user=user)


@dataclass(frozen=True)
class PreferenceSections:
    """Which sections of the reminder settings a person sees."""

    participant: bool
    staff: bool


def preference_sections_for(*, user: User) -> PreferenceSections:
    """Participants and staff see their own sections; someone who is neither yet (no course,
    no organization) sees the participant's."""
    participant = user.enrollments.exists()
    staff = Membership.objects.filter(user=user).exists()
    return PreferenceSections(participant=participant or not staff, staff=staff)


def notification_list_for_enrollment(*, enrollment: Enrollment) -> QuerySet[Notification]:
    """The delivery log of one participant in one cohort, newest first."""
    return Notification.objects.filter(enrollment=enrollment).select_related("requested_by")


def notification_list_problems_for_organization(*, organization_id: int) -> QuerySet[Notification]:
    """Failed and unknown deliveries about the organization's cohorts, newest first."""
    return (
        Notification.objects.problems()
        .filter(
            Q(cohort__organization_id=organization_id)
            | Q(enrollment__cohort__organization_id=organization_id)
            # A weekly summary is about no one cohort: it belongs to its recipient's organization.
            | Q(
                cohort__isnull=True,
                enrollment__isnull=True,
                recipient__memberships__organization_id=organization_id,
            )
        )
        .distinct()
        .select_related("recipient", "enrollment", "cohort", "enrollment__cohort")
    )


@dataclass
class SendNowChoices:
    enrollment: Enrollment
    open_assessments: list[Assessment]
    invitation: Invitation | None


def send_now_choices_get(*, user: User, pk: int) -> SendNowChoices:
    """The participant (through the staff access rule: others get 404) and what can be sent now."""
    enrollment = enrollment_get_for_staff(user=user, pk=pk)
    now = timezone.now()
    open_assessments = list(
        Assessment.objects.open_at(now)
        .filter(enrollment=enrollment)
        .select_related("measurement_point")
    )
    invitation = None
    # Also for someone switched to active before accepting: only accepting lets them in.
    if not enrollment.is_accepted and enrollment.status in (
        EnrollmentStatus.INVITED,
        EnrollmentStatus.ACTIVE,
    ):
        invitation = (
            Invitation.objects.pending()
            .filter(
                organization_id=enrollment.cohort.organization_id,
                email__iexact=enrollment.user.email,
            )
            .first()
        )
    return SendNowChoices(enrollment, open_assessments, invitation)


def assessment_of_enrollment(*, enrollment: Enrollment, pk: int | None) -> Assessment | None:
    """Any of this participant's questionnaires, not only the open ones: one completed or closed
    since the page was loaded gets the service's reason ("already completed"), not "not this
    participant's". Another participant's is never found here."""
    if pk is None:
        return None
    return Assessment.objects.filter(enrollment=enrollment, pk=pk).first()


def safety_escalation_list_for_events(*, event_ids: list[int]) -> list[Notification]:
    """The escalation e-mails about these safety events (events the caller already reached
    through staff access), with their recipients, in the order they were written; one query."""
    if not event_ids:
        return []
    return list(
        Notification.objects.filter(
            kind=NotificationKind.SAFETY_ESCALATION, safety_event_id__in=event_ids
        )
        .select_related("recipient")
        .order_by("pk")
    )
