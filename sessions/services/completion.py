"""A participant's own work on a week: their reflection, saved as a draft or marked completed."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from programs.models import Enrollment, ProgramSession
from sessions.models import SessionCompletion

REFLECTION_MAX_LENGTH = 5000


class CompletionError(Exception):
    """A week that cannot be saved or completed; the message is for the participant."""


def completion_record(
    *,
    enrollment: Enrollment,
    program_session: ProgramSession,
    reflection: str,
    completed: bool,
    now: dt.datetime | None = None,
) -> SessionCompletion:
    """Save the week's reflection; with completed=True also mark the week done (once; never undone).

    Self-guided courses count the completion as the attendance. For a group or one-on-one
    session the participant missed, it waits for a facilitator to confirm it as a make-up.
    """
    if not enrollment.gets_sessions:
        raise CompletionError("There are no sessions to complete in this course.")
    if program_session.program_id != enrollment.cohort.program_id:
        raise CompletionError("That week is not part of your course.")
    reflection = reflection.strip()
    if len(reflection) > REFLECTION_MAX_LENGTH:
        raise CompletionError(
            f"Your reflection is longer than {REFLECTION_MAX_LENGTH} characters. "
            "Please shorten it a little."
        )
    with transaction.atomic():
        # The row lock stops a double click on "completed" from stamping the time twice, and a
        # late "Save for later" from another tab from quietly losing the completion.
        completion, _ = SessionCompletion.objects.select_for_update().get_or_create(
            enrollment=enrollment, program_session=program_session
        )
        completion.reflection = reflection
        if completed and completion.completed_at is None:
            completion.completed_at = now or timezone.now()
        completion.save()
    return completion
