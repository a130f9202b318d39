"""Forms staff use to enter a participant's answers (phone or in person) and to correct sent ones."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.forms import LimitedCharField
from programs.instrument_library import Instrument
from sessions.questionnaires.forms.questionnaire import InstrumentForm
from sessions.questionnaires.models import ResponseMode
from sessions.questionnaires.services.responses import item_may_be_skipped


class StaffEntryForm(InstrumentForm):
    """A whole instrument, validated as on the participant's one-page form, plus how it was given."""

    mode = forms.ChoiceField(
        label="How the participant is giving the answers",
        choices=[(ResponseMode.PHONE, "By phone"), (ResponseMode.IN_PERSON, "In person")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the answers were given: by phone or in person."},
    )

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, instrument=instrument, **kwargs)
        # The mode leads the page, before the questions.
        self.order_fields(["mode"])

    @property
    def sending(self) -> bool:
        return self.data.get("action") == "send"


class CorrectionForm(InstrumentForm):
    """Every answer of a sent response, prefilled, and why it is being corrected."""

    reason = LimitedCharField(
        label="Why are the answers being corrected?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: “Question 4 was noted as Several days; the participant said "
        "Not at all.” Kept with the corrected answers.",
        error_messages={
            "required": "Write why the answers are being corrected.",
        },
    )

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, instrument=instrument, **kwargs)
        for item in instrument.items:
            # A question the participant left out (where allowed) may stay left out.
            self.fields[f"q{item.number}"].required = not item_may_be_skipped(
                instrument, item.number
            )

    def answers(self) -> dict[int, int | None]:
        """Every item: its chosen value, or None when left out."""
        given = self.given_answers()
        return {item.number: given.get(item.number) for item in self.instrument.items}
