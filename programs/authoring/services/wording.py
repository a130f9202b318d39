"""Saving an organization's own wording of its participant reminders into the draft."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User

from ..models import ProgramChange, ProgramLine, ProgramVersion
from ..wording import REWORDABLE_KINDS, Wording, wording_of, wording_problems
from .versions import ProgramEditError, change_record, draft_get_or_start


def _as_text(wording: Wording | None) -> str:
    if wording is None:
        return "As shipped"
    return f"Subject: {wording.subject or '(as shipped)'}\nIntro: {wording.intro or '(none)'}"


@transaction.atomic
def draft_wording_save(
    *, user: User, line: ProgramLine, wordings: dict[str, Wording]
) -> tuple[ProgramVersion, int]:
    """Write the reminders' wording into the line's draft (started if there is none), one
    history line per reminder that changed; returns the draft and how many changed."""
    for kind, wording in wordings.items():
        if any(wording_problems(kind, wording).values()):
            # The form checks first; this keeps any other caller from storing unsafe wording.
            raise ProgramEditError(f"The wording of “{kind}” cannot be saved as it is.")
    draft = draft_get_or_start(user=user, line=line)
    program = draft.program
    stored = dict(program.reminder_wording or {})
    changed = 0
    for kind in REWORDABLE_KINDS:
        if kind not in wordings:
            continue
        before = wording_of(stored, kind)
        new = wordings[kind]
        after = new if (new.subject or new.intro) else None
        if before == after:
            continue
        if after is None:
            stored.pop(kind, None)
        else:
            stored[kind] = {"subject": after.subject, "intro": after.intro}
        change_record(
            user=user,
            line=line,
            version=draft,
            action=ProgramChange.Action.EDITED,
            subject=f"Reminders: {REWORDABLE_KINDS[kind]}",
            before=_as_text(before),
            after=_as_text(after),
        )
        changed += 1
    if changed:
        program.reminder_wording = stored
        program.save(update_fields=["reminder_wording"])
    return draft, changed
