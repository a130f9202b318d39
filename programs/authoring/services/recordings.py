"""Adding, changing and removing a draft's guided recordings.

Only a draft changes: a published version is what running cohorts listen to. Each change is a
line in the program's history. A file is written once and never changed; drafts copied from a
version share its files, so removing a recording deletes the file only when no other row uses it.
"""

from __future__ import annotations

from typing import IO

from django.core.files import File
from django.db import transaction

from accounts.models import User

from ..audio import AudioError, audio_check
from ..models import ProgramChange, ProgramVersion, Recording
from .versions import ProgramEditError, change_record

TITLE_MAX_LENGTH = 160


def _draft_of(program_id: int) -> ProgramVersion:
    version = ProgramVersion.objects.select_related("line").filter(program_id=program_id).first()
    if version is None or not version.is_draft:
        raise ProgramEditError(
            "This version is published and cannot be changed: running cohorts listen to it. "
            "Edit the draft instead."
        )
    return version


def _subject(program_practice_name: str, title: str) -> str:
    return f"{program_practice_name}: recording “{title}”"


@transaction.atomic
def recording_create(
    *,
    user: User,
    version: ProgramVersion,
    practice_code: str,
    title: str,
    upload: IO[bytes],
    upload_name: str,
    upload_size: int,
    transcript: str = "",
) -> Recording:
    """A recording on one of the draft's practices, checked by its content (nothing is saved
    when the check fails: ProgramEditError says why)."""
    version = _draft_of(version.program_id)
    program = version.program
    if practice_code not in dict(program.practice_choices()):
        raise ProgramEditError("Choose one of the program's practices.")
    title = title.strip()
    if not title:
        raise ProgramEditError("Give the recording a title, for example “Body scan, 20 minutes”.")
    try:
        checked = audio_check(name=upload_name, size=upload_size, fileobj=upload)
    except AudioError as exc:
        raise ProgramEditError(exc.message) from None
    recording = Recording(
        program=program,
        practice_code=practice_code,
        title=title[:TITLE_MAX_LENGTH],
        storage_key=checked.storage_key,
        content_type=checked.content_type,
        duration_seconds=checked.duration_seconds,
        size_bytes=checked.size_bytes,
        transcript=transcript.strip(),
        uploaded_by=user,
    )
    # The file is stored only after every check passed; if the row then fails, the transaction
    # rolls back and the orphan file is removed with it (below).
    recording.file.save(checked.storage_key, File(upload), save=False)
    name = recording.file.name
    try:
        recording.save()
        change_record(
            user=user,
            line=version.line,
            version=version,
            action=ProgramChange.Action.RECORDING_ADDED,
            subject=_subject(program.practice_name(practice_code), recording.title),
            after=recording.title,
        )
    except Exception:
        recording.file.storage.delete(name)
        raise
    return recording


@transaction.atomic
def recording_update(*, user: User, recording: Recording, title: str, transcript: str) -> Recording:
    """Change a draft recording's title and transcript (the file stays as it is)."""
    version = _draft_of(recording.program_id)
    title = title.strip()
    if not title:
        raise ProgramEditError("Give the recording a title.")
    transcript = transcript.strip()
    changes: list[tuple[str, str, str]] = []
    if title != recording.title:
        changes.append(("title", recording.title, title))
    if transcript != recording.transcript:
        changes.append(("transcript", recording.transcript, transcript))
    if not changes:
        return recording
    name = recording.program.practice_name(recording.practice_code)
    for what, before, after in changes:
        change_record(
            user=user,
            line=version.line,
            version=version,
            action=ProgramChange.Action.RECORDING_CHANGED,
            subject=f"{_subject(name, recording.title)}: {what}",
            before=before,
            after=after,
        )
    recording.title = title[:TITLE_MAX_LENGTH]
    recording.transcript = transcript
    recording.save(update_fields=["title", "transcript"])
    return recording


@transaction.atomic
def recording_remove(*, user: User, recording: Recording) -> None:
    """Remove a draft's recording; its file goes too unless another version still uses it."""
    version = _draft_of(recording.program_id)
    name = recording.file.name
    storage = recording.file.storage
    change_record(
        user=user,
        line=version.line,
        version=version,
        action=ProgramChange.Action.RECORDING_REMOVED,
        subject=_subject(recording.program.practice_name(recording.practice_code), recording.title),
        before=recording.title,
    )
    recording.delete()
    if name and not Recording.objects.filter(file=name).exists():
        # After commit: a rolled-back removal must still find its file.
        transaction.on_commit(lambda: storage.delete(name))
