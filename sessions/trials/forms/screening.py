"""Forms for screening: the screening form built from the program's JSON, and the actions on
a screening (offer a place, enrol directly, record consent or a declined offer)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from programs.models import Cohort
from sessions.trials.eligibility import ScreeningAnswerError, ScreeningForm, answers_clean
from sessions.trials.models import Study
from sessions.trials.services.offers import MAX_OFFER_DAYS

YES_NO = [("yes", "Yes"), ("no", "No")]
CONSENT_LABEL = "They agree to join the waitlist and to be contacted about a place"
CONSENT_HELP = (
    "Tick only if they said yes after you explained what taking part means. "
    "You can record their consent later on the screening's page."
)


class ScreeningEntryForm(forms.Form):
    """Who is screened, their consent, and one field per question (an instrument item by item)."""

    full_name = forms.CharField(label="Name", max_length=200)
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        error_messages={"invalid": "Give an e-mail address like name@example.org."},
    )
    phone = forms.CharField(label="Phone number", max_length=32, required=False)
    consented = forms.BooleanField(label=CONSENT_LABEL, help_text=CONSENT_HELP, required=False)

    def __init__(
        self,
        *args: Any,
        screening_form: ScreeningForm,
        studies: QuerySet[Study] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.screening_form = screening_form
        if studies is not None and studies.exists():
            # Counted in that study's CONSORT flow ("assessed for eligibility"); the newest
            # study is the likely one, and screening for none stays possible.
            self.fields["study"] = forms.ModelChoiceField(
                label="Screened for the study",
                queryset=studies,
                required=False,
                empty_label="Not for a study",
                initial=studies.first(),
                error_messages={"invalid_choice": "Choose one of the studies listed."},
            )
        for question in screening_form.questions:
            required = {"required": f"Answer “{question.text}”."}
            if question.type == "yes_no":
                self.fields[question.code] = forms.ChoiceField(
                    label=question.text,
                    choices=YES_NO,
                    widget=forms.RadioSelect,
                    error_messages=required,
                    help_text=question.hint,
                )
            elif question.type == "number":
                self.fields[question.code] = forms.IntegerField(
                    label=question.text,
                    error_messages={**required, "invalid": "Give a whole number."},
                    help_text=question.hint or (f"In {question.unit}." if question.unit else ""),
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )
            elif question.type == "choice":
                self.fields[question.code] = forms.ChoiceField(
                    label=question.text,
                    choices=[(o.value, o.label) for o in question.options],
                    widget=forms.RadioSelect,
                    error_messages=required,
                    help_text=question.hint,
                )
            else:
                instrument = question.instrument
                for item in instrument.scored_items:
                    self.fields[f"{question.code}_{item.number}"] = forms.TypedChoiceField(
                        label=f"{item.number}. {item.text}",
                        choices=[(o.value, o.label) for o in item.response_options],
                        coerce=int,
                        widget=forms.RadioSelect,
                        error_messages={
                            "required": f"Choose an answer for question {item.number}."
                        },
                    )

    def instrument_groups(self) -> list[dict[str, Any]]:
        """The instrument questions with their fields, for the template's fieldsets."""
        groups = []
        for question in self.screening_form.questions:
            if question.type != "instrument":
                continue
            instrument = question.instrument
            groups.append(
                {
                    "question": question,
                    "instructions": instrument.instructions,
                    "fields": [
                        self[f"{question.code}_{item.number}"] for item in instrument.scored_items
                    ],
                }
            )
        return groups

    def plain_fields(self) -> list[forms.BoundField]:
        return [self[q.code] for q in self.screening_form.questions if q.type != "instrument"]

    def answers(self) -> dict[str, Any]:
        """The answers as the service takes them."""
        data = self.cleaned_data
        answers: dict[str, Any] = {}
        for question in self.screening_form.questions:
            if question.type == "yes_no":
                answers[question.code] = {"yes": True, "no": False}.get(
                    str(data.get(question.code))
                )
            elif question.type == "instrument":
                answers[question.code] = {
                    str(item.number): data.get(f"{question.code}_{item.number}")
                    for item in question.instrument.scored_items
                }
            else:
                answers[question.code] = data.get(question.code)
        return answers

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            try:
                answers_clean(self.screening_form, self.answers())
            except ScreeningAnswerError as exc:
                for code, message in exc.problems.items():
                    self.add_error(code if code in self.fields else None, message)
        return cleaned


def _cohort_label(cohort: Cohort) -> str:
    return f"{cohort.name} (starts {cohort.start_date:%-d %B %Y})"


class OfferForm(forms.Form):
    """Offer a waiting person a place in a cohort of the program."""

    cohort = forms.ModelChoiceField(
        label="Cohort",
        queryset=Cohort.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose a cohort.",
            "invalid_choice": "Choose a cohort of this program in your organization.",
        },
    )
    expires_in_days = forms.IntegerField(
        label="Days they have to answer",
        initial=7,
        min_value=1,
        max_value=MAX_OFFER_DAYS,
        help_text="After this the offer expires and you can offer the place to the next person.",
        error_messages={
            "required": "Give the number of days.",
            "invalid": "Give a whole number of days.",
            "min_value": f"Give from 1 to {MAX_OFFER_DAYS} days.",
            "max_value": f"Give from 1 to {MAX_OFFER_DAYS} days.",
        },
    )

    def __init__(self, *args: Any, cohorts: QuerySet[Cohort], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["cohort"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (narrows the type)
        field.queryset = cohorts
        field.label_from_instance = _cohort_label  # type: ignore[method-assign,assignment]


class EnrollForm(forms.Form):
    """Enrol an eligible, consenting person straight into a cohort."""

    cohort = OfferForm.base_fields["cohort"]

    def __init__(self, *args: Any, cohorts: QuerySet[Cohort], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["cohort"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (narrows the type)
        field.queryset = cohorts
        field.label_from_instance = _cohort_label  # type: ignore[method-assign,assignment]


class SafetyFollowUpForm(forms.Form):
    """What was done about a screening's safety flag."""

    note = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="For example: who you told (their clinician, the crisis team), what was agreed.",
        error_messages={
            "required": "Say what was done: for example who you told and what was agreed."
        },
    )
