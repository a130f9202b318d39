"""Forms of the recordings pages: upload a recording, change its title and transcript."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.forms import LimitedCharField
from programs.models import Program

from ..audio import (
    ACCEPTED_EXTENSIONS,
    ACCEPTED_WORDS,
    limit_words,
    max_bytes,
    max_seconds,
    size_words,
)
from ..services.recordings import TITLE_MAX_LENGTH

TRANSCRIPT_MAX_LENGTH = 60_000
TRANSCRIPT_HELP = (
    "Everything the recording says, with quiet stretches and sounds in square brackets, for "
    "example “[A bell rings.]”. People who cannot hear the recording read it. You can add it "
    "later, but the program cannot be published without it."
)


class RecordingForm(forms.Form):
    title = LimitedCharField(
        label="Title",
        max_length=TITLE_MAX_LENGTH,
        help_text="What participants see above the player, for example “Body scan, 20 minutes”.",
        error_messages={"required": "Give the recording a title."},
    )
    transcript = LimitedCharField(
        label="Transcript",
        required=False,
        max_length=TRANSCRIPT_MAX_LENGTH,
        help_text=TRANSCRIPT_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class RecordingUploadForm(RecordingForm):
    practice = forms.ChoiceField(
        label="Practice",
        error_messages={"required": "Choose the practice this recording guides."},
    )
    file = forms.FileField(
        label="Audio file",
        error_messages={
            "required": "Choose the audio file to upload.",
            "empty": "The file is empty. Choose the recording again.",
        },
    )
    field_order = ["practice", "title", "file", "transcript"]

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practice"].choices = program.practice_choices()  # type: ignore[attr-defined]
        self.fields[
            "file"
        ].help_text = (
            f"{ACCEPTED_WORDS}, up to {size_words(max_bytes())} and {limit_words(max_seconds())}."
        )
        self.fields["file"].widget.attrs["accept"] = ",".join(
            f".{ext}" for ext in ACCEPTED_EXTENSIONS
        )
