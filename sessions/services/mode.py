"""Changing how one session meets: in person (a place), by phone (how the call happens) or by
video call (a link).

A group session is the group's; a one-on-one session is one participant's own (IER: each
enrollment has its own sessions), so changing it changes only theirs. The change is audited
and, through `sessions.signals.session_mode_changed` (notifications sits above sessions), each
participant of the session gets one message in the outbox, written in the same transaction.
Reminders and the calendar feed are built from the session row when they are sent or read,
so they follow without being planned again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditAction, User
from programs.models import Arm, Enrollment, EnrollmentStatus, Modality
from sessions.models import ScheduledSession
from sessions.services.schedule import ScheduleError
from sessions.signals import session_mode_changed

# Said to a participant when a facilitator chose phone without writing how the call happens.
PHONE_DEFAULT = "Your facilitator will call you on the number you gave us."
TEXT_MAX_LENGTH = 300
LINK_MAX_LENGTH = ScheduledSession._meta.get_field("video_link").max_length or 200
MODE_FIELDS = ("modality", "place", "video_link", "phone_instructions")


class SessionModeError(ScheduleError):
    """A mode change that cannot be made; `field` names the input it is about ("" for the whole)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ModeChange:
    session: ScheduledSession
    changed: bool


def is_https_link(value: str) -> bool:
    """A link a participant's browser may open: https, with a host (no javascript:, no data:)."""
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname)


def _how(
    session: ScheduledSession, modality: str, place: str, video_link: str, phone: str
) -> dict[str, str]:
    """The session's new fields, checked: only the ones its mode uses are kept."""
    if modality not in Modality.values:
        raise SessionModeError("Choose how the session meets.", field="modality")
    place, video_link, phone = place.strip(), video_link.strip(), phone.strip()
    if modality == Modality.VIDEO:
        if not video_link:
            raise SessionModeError(
                "Enter the link participants use to join, starting with https://.",
                field="video_link",
            )
        if len(video_link) > LINK_MAX_LENGTH or not is_https_link(video_link):
            raise SessionModeError(
                f"Enter the full link, starting with https:// (at most {LINK_MAX_LENGTH} "
                "characters).",
                field="video_link",
            )
        return {
            "modality": modality,
            "place": "",
            "video_link": video_link,
            "phone_instructions": "",
        }
    if modality == Modality.IN_PERSON:
        place = place or session.cohort.place
        if not place:
            raise SessionModeError(
                "Enter where the session meets, for example the room and building.",
                field="place",
            )
        if len(place) > TEXT_MAX_LENGTH:
            raise SessionModeError(
                f"The place can be at most {TEXT_MAX_LENGTH} characters.", field="place"
            )
        return {"modality": modality, "place": place, "video_link": "", "phone_instructions": ""}
    phone = phone or session.cohort.phone_instructions or PHONE_DEFAULT
    if len(phone) > TEXT_MAX_LENGTH:
        raise SessionModeError(
            f"How the call happens can be at most {TEXT_MAX_LENGTH} characters.",
            field="phone_instructions",
        )
    return {"modality": modality, "place": "", "video_link": "", "phone_instructions": phone}


def session_participants(session: ScheduledSession) -> list[Enrollment]:
    """Who takes part in the session: the participant of a one-on-one session, or the group's
    joined, active participants who get sessions (not the control arm)."""
    enrollments = Enrollment.objects.accepted().filter(
        status=EnrollmentStatus.ACTIVE, arm=Arm.INTERVENTION
    )
    if session.enrollment_id is not None:
        enrollments = enrollments.filter(pk=session.enrollment_id)
    else:
        enrollments = enrollments.filter(cohort_id=session.cohort_id)
    return list(enrollments.select_related("user").order_by("participant_code"))


def session_mode_change(
    *,
    session: ScheduledSession,
    user: User,
    modality: str,
    place: str = "",
    video_link: str = "",
    phone_instructions: str = "",
    now: dt.datetime | None = None,
) -> ModeChange:
    """Change how one future session meets; audit it and tell its participants (outbox)."""
    now = now or timezone.now()
    with transaction.atomic():
        # Locked, so a cancel or a move in another tab cannot slip between the check and the save.
        current = ScheduledSession.objects.select_for_update().get(pk=session.pk)
        if current.is_cancelled:
            raise SessionModeError(
                "This session was cancelled, so how it meets cannot be changed. "
                "Add a make-up session instead."
            )
        if current.is_past(now):
            raise SessionModeError(
                "This session has already started, so how it meets can no longer be changed."
            )
        current.cohort = session.cohort
        current.program_session = session.program_session
        fields = _how(current, modality, place, video_link, phone_instructions)
        before = {name: getattr(current, name) for name in MODE_FIELDS}
        if before == fields:
            return ModeChange(session=current, changed=False)
        for name, value in fields.items():
            setattr(current, name, value)
        current.save(update_fields=[*MODE_FIELDS, "updated_at"])
        participants = session_participants(current)
        event = audit_record(
            request=None,
            actor=user,
            action=AuditAction.ENROLLMENT_CHANGED,
            obj=current,
            organization=session.cohort.organization,
            participant_codes=[e.participant_code for e in participants],
            details={
                "change": "session mode",
                "session": current.program_session.number,
                "one_on_one": current.enrollment_id is not None,
                "modality_before": before["modality"],
                "modality_after": fields["modality"],
                "fields_changed": [n for n in MODE_FIELDS if before[n] != fields[n]],
            },
        )
        session_mode_changed.send(
            sender=ScheduledSession, session=current, by=user, change_id=event.pk
        )
    for name in (*MODE_FIELDS, "updated_at"):
        setattr(session, name, getattr(current, name))
    return ModeChange(session=session, changed=True)
