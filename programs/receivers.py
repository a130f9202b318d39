"""Receivers through which programs follows what happens in accounts."""

from __future__ import annotations

from typing import Any

from accounts.models import Invitation, User

from .services import enrollment_activate_invited


def activate_enrollments_on_invitation_accepted(
    sender: Any, *, user: User, invitation: Invitation, **kwargs: Any
) -> None:
    """Accepting any invitation of an organization starts the person's invited enrollments there.

    Any, not only the participant invitation: a newer invitation to the same address (another
    cohort, or a staff role) revokes the older one, and the person should not be stranded.
    """
    enrollment_activate_invited(user=user, organization=invitation.organization)
