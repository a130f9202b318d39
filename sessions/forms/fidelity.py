"""The fidelity rating form: a checkbox per core element of the session's checklist, a note, and
for an observer of a cohort with several facilitators, whose session they watched."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.forms import LimitedCharField
from accounts.models import User
from sessions.services.fidelity import NOTE_MAX_LENGTH


class FidelityRatingForm(forms.Form):
    done = forms.MultipleChoiceField(
        label="Core elements delivered",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick each element that was part of the session. Leave unticked what was left out.",
        error_messages={"invalid_choice": "Tick only elements of this session's checklist."},
    )
    facilitator = forms.TypedChoiceField(
        label="Who led the session",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose who led the session.",
            "invalid_choice": "Choose one of the cohort's facilitators.",
        },
    )
    note = LimitedCharField(
        label="Note (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, what was left out and why.",
    )

    def __init__(
        self,
        *args: Any,
        checklist: list[dict[str, Any]],
        facilitators: list[User] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        done = self.fields["done"]
        assert isinstance(done, forms.MultipleChoiceField)  # noqa: S101 - declared above
        done.choices = [(item["code"], item["text"]) for item in checklist]
        # Only an observer of a cohort with several facilitators says whose session it was.
        if facilitators and len(facilitators) > 1:
            chosen = self.fields["facilitator"]
            assert isinstance(chosen, forms.TypedChoiceField)  # noqa: S101 - declared above
            chosen.choices = [(p.pk, p.display_name) for p in facilitators]
            self.facilitators = {p.pk: p for p in facilitators}
        else:
            del self.fields["facilitator"]
            self.facilitators = {}

    def chosen_facilitator(self) -> User | None:
        """The facilitator an observer chose (None when the form did not ask)."""
        pk = self.cleaned_data.get("facilitator")
        return self.facilitators.get(pk) if pk is not None else None
