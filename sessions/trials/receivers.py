"""Receivers through which trials follows what happens in accounts."""

from __future__ import annotations

from typing import Any

from accounts.models import Invitation, User
from sessions.trials.services.offers import waitlist_offers_accepted


def offers_accepted_on_invitation_accepted(
    sender: Any, *, user: User, invitation: Invitation, **kwargs: Any
) -> None:
    """Accepting the invitation an offer e-mail carries is accepting the offer."""
    waitlist_offers_accepted(user=user, organization=invitation.organization)
