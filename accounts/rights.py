"""Participant rights, the accounts side: erasure requests and removing a person's identity.

The sessions side (sessions.rights) reads and clears what happened over time and calls
`user_erase_identity` inside the same transaction when a coordinator completes a request.
"""

from __future__ import annotations

import uuid

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import ErasureRequest, ErasureStatus, Invitation, User

REASON_MAX = 1000
ERASED_DOMAIN = "erased.invalid"


class RightsError(Exception):
    """A rights request cannot be made or completed; the message is for the person who tried."""


def erasure_request_get_open(*, user: User) -> ErasureRequest | None:
    """The person's request still waiting for a coordinator, if any."""
    return ErasureRequest.objects.filter(user=user, status=ErasureStatus.OPEN).first()


def erasure_request_create(*, user: User, reason: str = "") -> ErasureRequest:
    """Ask for one's identifying data to be erased; a second open request is refused."""
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise RightsError(f"Keep the reason to {REASON_MAX} characters.")
    if erasure_request_get_open(user=user) is not None:
        raise RightsError("You have already asked. A coordinator will do it soon.")
    try:
        with transaction.atomic():
            return ErasureRequest.objects.create(user=user, reason=reason)
    except IntegrityError:
        # Two clicks at once: the constraint lets one through.
        raise RightsError("You have already asked. A coordinator will do it soon.") from None


def erased_email() -> str:
    """A unique address nobody can receive mail at or sign in with (.invalid is reserved)."""
    return f"erased-{uuid.uuid4().hex}@{ERASED_DOMAIN}"


def user_erase_identity(*, user: User) -> str:
    """Remove what identifies a person from their account and close it; returns the old address.

    The row itself stays, with a placeholder address, so enrollments, consent records and
    kept research rows still point at one pseudonymous person. A new unusable password
    changes the session hash, so every session of the account ends at its next request.
    """
    old_email = user.email
    user.full_name = ""
    user.preferred_name = ""
    user.phone = ""
    user.email = erased_email()
    user.timezone = settings.DEFAULT_USER_TIMEZONE
    user.is_active = False
    user.set_unusable_password()
    user.save(
        update_fields=[
            "full_name",
            "preferred_name",
            "phone",
            "email",
            "timezone",
            "is_active",
            "password",
        ]
    )
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    Invitation.objects.filter(Q(email__iexact=old_email) | Q(accepted_by=user)).delete()
    # The admin's history names the object by its str(), which was the person's name or address.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=f"Erased person {user.pk}", change_message="")
    return old_email


def erasure_request_mark_completed(
    *,
    erasure_request: ErasureRequest,
    by: User,
    kept_research_data: bool,
    summary: dict[str, object],
) -> ErasureRequest:
    """Close the request: who completed it, when, and what was kept; the reason text goes."""
    erasure_request.status = ErasureStatus.COMPLETED
    erasure_request.completed_at = timezone.now()
    erasure_request.completed_by = by
    erasure_request.completed_by_email = by.email
    erasure_request.kept_research_data = kept_research_data
    erasure_request.summary = summary
    erasure_request.reason = ""
    erasure_request.save()
    return erasure_request
