"""Forms of the participant pages: practice and strategy log entries, and the week's reflection."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from accounts.forms import LimitedCharField
from programs.models import LogKind, Program
from sessions.models import PracticeLog
from sessions.services.completion import REFLECTION_MAX_LENGTH
from sessions.services.practice import (
    MINUTES_MAX,
    MINUTES_MIN,
    MOOD_MAX,
    MOOD_MIN,
    PracticeError,
    earliest_allowed_date,
    practice_log_check_date,
)

# Practice notes and IER situations are short by nature; the limits keep a mistaken paste
# (a whole document) out of the log staff read.
NOTE_MAX_LENGTH = 2000
SITUATION_MAX_LENGTH = 300

MOOD_MESSAGE = f"Choose a number from {MOOD_MIN} (very low) to {MOOD_MAX} (very good)."
MINUTES_MESSAGE = f"Enter a number of minutes from {MINUTES_MIN} to {MINUTES_MAX}."


def _mood_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=MOOD_MIN,
        max_value=MOOD_MAX,
        help_text=f"{MOOD_MIN} is very low, {MOOD_MAX} is very good.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": MOOD_MESSAGE,
            "invalid": MOOD_MESSAGE,
            "min_value": MOOD_MESSAGE,
            "max_value": MOOD_MESSAGE,
        },
    )


class _LogForm(forms.Form):
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Today is filled in. You can choose a day up to a week ago.",
        error_messages={
            "required": "Enter the date.",
            "invalid": "Enter a date, for example 2026-10-13.",
        },
    )
    # The form field holding the practice or strategy code, named for what the person chooses.
    choice_field = "practice"

    def __init__(self, *args: Any, program: Program, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program = program
        self.today = today
        if not self.is_bound and "date" not in self.initial:
            self.initial["date"] = today
        # The browser's date picker then offers only the days the service accepts.
        self.fields["date"].widget.attrs.update(
            {
                "min": earliest_allowed_date(today=today).isoformat(),
                "max": today.isoformat(),
            }
        )

    def clean_date(self) -> dt.date:
        # Checked here, not only by the service after the form passes: a date in the future
        # is then reported together with a missing practice or minutes, not in a second round.
        date: dt.date = self.cleaned_data["date"]
        try:
            practice_log_check_date(date=date, today=self.today)
        except PracticeError as exc:
            raise forms.ValidationError(str(exc), code="date_out_of_range") from None
        return date

    def service_kwargs(self) -> dict[str, Any]:
        raise NotImplementedError

    def add_service_error(self, error: PracticeError) -> None:
        """Show the service's message next to the input it is about (or above the form)."""
        name = self.choice_field if error.field == "practice" else error.field
        self.add_error(name if name in self.fields else None, str(error))


class PracticeLogForm(_LogForm):
    """MBSR-style log: which practice, for how many minutes."""

    practice = forms.ChoiceField(
        label="Practice",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the practice you did."},
    )
    minutes = forms.IntegerField(
        label="Minutes",
        min_value=MINUTES_MIN,
        max_value=MINUTES_MAX,
        help_text="Any length counts, even a few minutes.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Enter how many minutes you practised.",
            "invalid": MINUTES_MESSAGE,
            "min_value": MINUTES_MESSAGE,
            "max_value": MINUTES_MESSAGE,
        },
    )
    note = LimitedCharField(
        label="Note (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text="Anything you noticed. "
        "The people who run your course may read your practice log.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practice"].choices = self.program.practice_choices()  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "date": data["date"],
            "practice": data["practice"],
            "minutes": data["minutes"],
            "note": data["note"],
        }


class StrategyLogForm(_LogForm):
    """IER-style log: which strategy, in what situation, mood before and after."""

    choice_field = "strategy"

    strategy = forms.ChoiceField(
        label="Strategy",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the strategy you used."},
    )
    situation = LimitedCharField(
        label="Situation",
        max_length=SITUATION_MAX_LENGTH,
        help_text="A few words are enough, for example “felt low after a bad night”.",
        error_messages={"required": "Write a few words about the situation."},
    )
    mood_before = _mood_field("Mood before (0 to 10)")
    mood_after = _mood_field("Mood after (0 to 10)")
    note = LimitedCharField(
        label="Note (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text="Anything else you noticed. Your facilitators may read your log.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["strategy"].choices = self.program.strategy_choices()  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "date": data["date"],
            "practice": data["strategy"],
            "situation": data["situation"],
            "mood_before": data["mood_before"],
            "mood_after": data["mood_after"],
            "note": data["note"],
        }


def log_form_class(program: Program) -> type[_LogForm]:
    """The log form that fits the program's kind of home practice."""
    return StrategyLogForm if program.log_kind == LogKind.STRATEGY else PracticeLogForm


def log_form_initial(log: PracticeLog, program: Program) -> dict[str, Any]:
    """An existing entry as the initial values of its program's log form."""
    if program.log_kind == LogKind.STRATEGY:
        return {
            "date": log.date,
            "strategy": log.practice,
            "situation": log.situation,
            "mood_before": log.mood_before,
            "mood_after": log.mood_after,
            "note": log.note,
        }
    return {"date": log.date, "practice": log.practice, "minutes": log.minutes, "note": log.note}


def log_form_initial_choice(program: Program, chosen: str, minutes: str = "") -> dict[str, Any]:
    """A new entry starting on the practice (or strategy) a link chose, if the program has it,
    and the minutes a guided recording's player counted (ignored unless a plausible number)."""
    initial: dict[str, Any] = {}
    if chosen in dict(program.practice_choices() + program.strategy_choices()):
        initial[log_form_class(program).choice_field] = chosen
    if (
        program.log_kind == LogKind.PRACTICE
        and minutes.isdigit()
        and MINUTES_MIN <= int(minutes) <= MINUTES_MAX
    ):
        initial["minutes"] = int(minutes)
    return initial


class ReflectionForm(forms.Form):
    reflection = LimitedCharField(
        label="Your reflection",
        required=False,
        max_length=REFLECTION_MAX_LENGTH,
        help_text="Write as much or as little as you like. It is kept here for when you come "
        "back. Your facilitators may read it.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, prompt: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if prompt:
            self.fields["reflection"].label = prompt
