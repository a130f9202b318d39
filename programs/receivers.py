"""Receivers through which programs follows what happens in accounts."""

from __future__ import annotations

from typing import Any

from accounts.models import Invitation, User

from .services import enrollment_accept_invited


def activate_enrollments_on_invitation_accepted(
    sender: Any, *, user: User, invitation: Invitation, **kwargs: Any
) -> None:
    """Accepting any invitation of an organization accepts the person's current enrollments
    there and starts the invited ones.

    Any, not only the participant invitation: a newer invitation to the same address (another
    cohort, or a staff role) revokes the older one, and the person should not be stranded.
    accounts.services.invitation_accept sends the signal only once the person has shown it is
    them: signed in to their existing account, or choosing the password of a new one.
    """
    enrollment_accept_invited(user=user, organization=invitation.organization)
