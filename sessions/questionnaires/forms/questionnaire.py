"""Forms of the questionnaire pages: one question, or a whole instrument on one page."""

from __future__ import annotations

from typing import Any

from django import forms

from programs.instrument_library import Instrument, Item

CHOOSE_MESSAGE = "Choose one answer to carry on."


def _field_name(item: Item) -> str:
    return f"q{item.number}"


def _choice_field(item: Item, *, required: bool) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=item.text,
        choices=[(str(option.value), option.label) for option in item.response_options],
        coerce=int,
        required=required,
        widget=forms.RadioSelect,
        error_messages={
            "required": CHOOSE_MESSAGE,
            "invalid_choice": "Choose one of the answers shown.",
        },
    )


class AnswerForm(forms.Form):
    """One question: its answer, or the participant's choice to skip it where that is allowed, or
    "Save and come back later" (with or without an answer chosen)."""

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["answer"] = _choice_field(item, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A skip is a separate button, so a missing choice with Continue is always a mistake;
        # leaving for later with nothing chosen is not.
        if not (self.skipped or self.later) and cleaned.get("answer") in (None, ""):
            self.add_error("answer", CHOOSE_MESSAGE)
        return cleaned

    @property
    def skipped(self) -> bool:
        return bool(self.data.get("skip"))

    @property
    def later(self) -> bool:
        return self.data.get("action") == "later"

    @property
    def has_answer(self) -> bool:
        """Whether there is anything to save: an answer chosen, or a deliberate skip."""
        return self.skipped or isinstance(self.cleaned_data.get("answer"), int)

    def value(self) -> int | None:
        if self.skipped:
            return None
        answer = self.cleaned_data.get("answer")
        return answer if isinstance(answer, int) else None


class InstrumentForm(forms.Form):
    """Every question of one instrument on one page; answers given are saved even when some are missing.

    partial=True is "Save and come back later": a question not answered yet is no error then,
    only an answer that is not one of those offered.
    """

    def __init__(
        self, *args: Any, instrument: Instrument, partial: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            # Unscored items (how difficult the problems made things) may be left out.
            self.fields[_field_name(item)] = _choice_field(
                item, required=item.scored and not partial
            )

    def given_answers(self) -> dict[int, int]:
        """The answers that are valid, whatever else on the page is still missing."""
        given: dict[int, int] = {}
        for item in self.instrument.items:
            name = _field_name(item)
            field = self.fields[name]
            raw = self.data.get(name)
            if not raw:
                continue
            try:
                value = field.clean(raw)
            except forms.ValidationError:
                continue
            given[item.number] = value
        return given

    def rows(self) -> list[dict[str, Any]]:
        """Each question with its bound field, for the template."""
        return [{"item": item, "field": self[_field_name(item)]} for item in self.instrument.items]


class AnswerSaveForm(forms.Form):
    """One answer sent by the one-page form's script as soon as it is chosen.

    Only the shape is checked here; whether the question exists and the answer is one of its
    own is the service's to say (services.responses.answer_save), in the same words as on every
    other questionnaire page.
    """

    item = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": "Say which question this answer is for.",
            "invalid": "Say which question this answer is for.",
            "min_value": "Say which question this answer is for.",
        },
    )
    answer = forms.IntegerField(
        error_messages={
            "required": CHOOSE_MESSAGE,
            "invalid": "Choose one of the answers shown.",
        },
    )

    def first_error(self) -> str:
        """The message to show beside the question: the answer's problem before the question's."""
        for name in ("answer", "item"):
            if name in self.errors:
                return str(self.errors[name][0])
        return "This answer could not be saved."
