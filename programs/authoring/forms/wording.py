"""The reminders page's form: a subject and a short intro for each participant reminder."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.loader import render_to_string

from ..wording import (
    INTRO_MAX_LENGTH,
    REWORDABLE_KINDS,
    STANDARD_TEXT,
    SUBJECT_MAX_LENGTH,
    Wording,
    wording_of,
    wording_text_problems,
)


def shipped_subject(kind: str) -> str:
    """The subject Stillwater sends when a program keeps its reminders as shipped."""
    return " ".join(render_to_string(f"emails/reminder-{kind}-subject.txt", {}).split())


class ReminderWordingForm(forms.Form):
    """Fields "<kind>-subject" and "<kind>-intro" for every kind that may be reworded; empty
    fields keep what Stillwater sends."""

    def __init__(self, *args: Any, reminder_wording: object = None, **kwargs: Any) -> None:
        initial: dict[str, str] = {}
        for kind in REWORDABLE_KINDS:
            own = wording_of(reminder_wording, kind)
            initial[f"{kind}-subject"] = own.subject if own else ""
            initial[f"{kind}-intro"] = own.intro if own else ""
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for kind in REWORDABLE_KINDS:
            default = shipped_subject(kind)
            self.fields[f"{kind}-subject"] = forms.CharField(
                label="Subject",
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
                help_text=f"Left empty: “{default}”. Up to {SUBJECT_MAX_LENGTH} characters.",
            )
            self.fields[f"{kind}-intro"] = forms.CharField(
                label="Intro (optional)",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="A short paragraph above Stillwater's text, e.g. “The Riverside team "
                f"looks forward to seeing you.” Up to {INTRO_MAX_LENGTH} characters.",
            )

    def _checked(self, name: str, *, max_length: int, single_line: bool) -> None:
        # Django strips only the ends, so a line break inside a subject is still seen here.
        value = str(self.cleaned_data.get(name) or "")
        for problem in wording_text_problems(value, max_length=max_length, single_line=single_line):
            self.add_error(name, problem)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for kind in REWORDABLE_KINDS:
            self._checked(f"{kind}-subject", max_length=SUBJECT_MAX_LENGTH, single_line=True)
            self._checked(f"{kind}-intro", max_length=INTRO_MAX_LENGTH, single_line=False)
        return cleaned

    def wordings(self) -> dict[str, Wording]:
        """The checked wording of every kind (empty fields: as shipped)."""
        return {
            kind: Wording(
                subject=self.cleaned_data.get(f"{kind}-subject", "").strip(),
                intro=self.cleaned_data.get(f"{kind}-intro", "").strip(),
            )
            for kind in REWORDABLE_KINDS
        }

    def groups(self) -> list[dict[str, Any]]:
        """One fieldset per reminder: its label, what the rest of it says, its two fields."""
        return [
            {
                "kind": kind,
                "label": label,
                "standard": STANDARD_TEXT[kind],
                "subject": self[f"{kind}-subject"],
                "intro": self[f"{kind}-intro"],
            }
            for kind, label in REWORDABLE_KINDS.items()
        ]
