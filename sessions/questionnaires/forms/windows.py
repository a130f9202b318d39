"""The form staff use to extend or reopen one participant's questionnaire window."""

from __future__ import annotations

from django import forms

from accounts.forms import LimitedCharField


class WindowChangeForm(forms.Form):
    closes_on = forms.DateField(
        label="New closing date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The questionnaires close at 23:59 on this day, in the cohort's time zone.",
        error_messages={
            "required": "Enter the new closing date.",
            "invalid": "Enter a date such as 2026-12-10.",
        },
    )
    reason = LimitedCharField(
        label="Reason",
        max_length=300,
        help_text="Other staff see this with the change. For example: “Phoned: prefers to "
        "answer on paper next week.”",
        error_messages={"required": "Enter the reason for the change."},
    )
