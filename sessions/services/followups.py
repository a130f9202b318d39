"""Follow-ups: the facilitators' to-do after a participant missed a session."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from programs.models import Enrollment
from sessions.models import FollowUp, ScheduledSession


class FollowUpError(Exception):
    """A follow-up cannot be changed; the message says why, for the person who tried."""


def follow_up_open_for_missed(
    *, scheduled_session: ScheduledSession, enrollment: Enrollment, reopen: bool = True
) -> FollowUp:
    """The to-do for a missed session: created once per session and participant, reopened if it was closed."""
    follow_up, created = FollowUp.objects.get_or_create(
        scheduled_session=scheduled_session, enrollment=enrollment
    )
    # A participant marked present and then absent again needs following up again; the
    # unique constraint means the old row is reused rather than a second one made.
    if not created and reopen and not follow_up.is_open:
        follow_up.resolved_at = None
        follow_up.resolved_by = None
        follow_up.resolution = ""
        follow_up.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return follow_up


def follow_up_close_if_open(
    *,
    scheduled_session: ScheduledSession,
    enrollment: Enrollment,
    by: User | None,
    resolution: str,
    now: dt.datetime | None = None,
) -> int:
    """Close the open to-do for this session and participant, if any (attendance changed); returns how many closed."""
    return FollowUp.objects.filter(
        scheduled_session=scheduled_session, enrollment=enrollment, resolved_at__isnull=True
    ).update(resolved_at=now or timezone.now(), resolved_by=by, resolution=resolution[:300])


def follow_up_resolve(*, follow_up: FollowUp, by: User, resolution: str = "") -> FollowUp:
    """Mark a follow-up as handled, saying who did it and (optionally) what was done."""
    with transaction.atomic():
        # Locked so two facilitators pressing "Mark as handled" together record one of them.
        current = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if not current.is_open:
            raise FollowUpError("This follow-up was already marked as handled.")
        current.resolved_at = timezone.now()
        current.resolved_by = by
        current.resolution = resolution.strip()[:300] or "Handled"
        current.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    follow_up.resolved_at = current.resolved_at
    follow_up.resolved_by = current.resolved_by
    follow_up.resolution = current.resolution
    return follow_up
