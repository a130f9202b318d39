"""The form staff use to acknowledge a safety flag: what was done to follow it up."""

from __future__ import annotations

from django import forms


class AcknowledgeForm(forms.Form):
    action_taken = forms.CharField(
        label="What was done",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who got in touch, when, and what was agreed. For example: “Phoned on "
        "Tuesday at 14:00; safe at home, seeing their GP on Friday.”",
        error_messages={
            "required": "Write what was done, for example who phoned the participant and when.",
            "max_length": "Keep it to 2000 characters or fewer (it has %(show_value)d).",
        },
    )
