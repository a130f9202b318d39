"""Facilitator notes on a session or on one participant in it; every edit keeps the text it replaced.

Notes are for staff only: nothing here is ever read by a participant's page.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts.audit import audit_record
from accounts.models import AuditAction, User
from programs.models import Enrollment
from sessions.models import FacilitatorNote, FacilitatorNoteRevision, ScheduledSession


class NoteError(Exception):
    """A note that cannot be saved; the message says why, for the person who tried."""


def note_save(
    *,
    scheduled_session: ScheduledSession,
    text: str,
    author: User,
    enrollment: Enrollment | None = None,
) -> FacilitatorNote:
    """Write the session's note (or a participant's note in it), keeping the previous text as a revision."""
    text = text.strip()
    if not text:
        raise NoteError(
            "The note is empty. Write the note, or leave this page to keep what was there."
        )
    if enrollment is not None and (
        enrollment.cohort_id != scheduled_session.cohort_id
        or (
            scheduled_session.enrollment_id is not None
            and scheduled_session.enrollment_id != enrollment.pk
        )
    ):
        raise NoteError("That participant is not part of this session.")
    with transaction.atomic():
        # Locked so two people editing at once each leave a revision instead of one lost edit.
        note = (
            FacilitatorNote.objects.select_for_update()
            .filter(scheduled_session=scheduled_session, enrollment=enrollment)
            .first()
        )
        if note is None:
            try:
                with transaction.atomic():
                    return FacilitatorNote.objects.create(
                        scheduled_session=scheduled_session,
                        enrollment=enrollment,
                        text=text,
                        author=author,
                        updated_by=author,
                    )
            except IntegrityError:
                # A colleague wrote the first version a moment ago: this becomes an edit of it.
                note = FacilitatorNote.objects.select_for_update().get(
                    scheduled_session=scheduled_session, enrollment=enrollment
                )
        if note.text == text:
            return note
        FacilitatorNoteRevision.objects.create(note=note, previous_text=note.text, edited_by=author)
        note.text = text
        note.updated_by = author
        note.save(update_fields=["text", "updated_by", "updated_at"])
        return note


def note_list_view_record(
    *,
    request: HttpRequest,
    viewer: User,
    scheduled_session: ScheduledSession,
    notes: Sequence[FacilitatorNote],
    participant_count: int,
) -> None:
    """One audit event for the staff notes a session's page shows as it is opened."""
    audit_record(
        request=request,
        actor=viewer,
        action=AuditAction.VIEW_NOTES,
        obj=scheduled_session,
        organization=scheduled_session.cohort.organization,
        participant_codes=[n.enrollment.participant_code for n in notes if n.enrollment],
        details={
            "page": "session",
            "cohort": scheduled_session.cohort_id,
            "notes": len(notes),
            "participants": participant_count,
        },
    )
