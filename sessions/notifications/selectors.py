"""Reads of the notifications app: preferences and the delivery log."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from programs.models import Enrollment
from sessions.notifications.models import Notification, Preferences


def preferences_get(*, user: User) -> Preferences:
    """A person's saved preferences, or the defaults (unsaved) if they never changed any."""
    return Preferences.objects.filter(user=user).first() or Preferences(user=user)


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
