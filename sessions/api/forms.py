"""The form a coordinator makes an API token with: a name, what it may do, how long it lasts."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.forms import LimitedCharField
from sessions.api.models import ApiScope, ApiToken

NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length or 100

# Reading pseudonymous data is what every token does, so it is not a choice.
SCOPE_CHOICES = [
    (ApiScope.ENROLL.value, "Enroll participants"),
    (ApiScope.IDENTIFIABLE.value, "Read names and e-mail addresses"),
]
EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "365 days (a year)")]


class ApiTokenForm(forms.Form):
    name = LimitedCharField(
        label="Name",
        max_length=NAME_MAX_LENGTH,
        help_text="What the token is for, so you know it again later, e.g. “Nightly REDCap sync”.",
        error_messages={"required": "Give the token a name that says what it is for."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    scopes = forms.MultipleChoiceField(
        label="What it may do besides reading pseudonymous data (optional)",
        choices=SCOPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every token reads cohorts, sessions, attendance, practice and answers under "
        "participant codes. Tick only what the program that uses it needs.",
        error_messages={"invalid_choice": "Choose from the list."},
    )
    expires_in_days = forms.TypedChoiceField(
        label="Works for",
        choices=EXPIRY_CHOICES,
        coerce=int,
        initial="90",
        widget=forms.RadioSelect,
        help_text="After that it stops working and you make a new one.",
        error_messages={
            "required": "Choose how long the token works.",
            "invalid_choice": "Choose how long the token works: 30, 90 or 365 days.",
        },
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        # Control and direction characters could make one token's name look like another's.
        if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp", "Cs"} for ch in name):
            raise ValidationError("Use letters, digits, spaces and punctuation only.")
        if not name:
            raise ValidationError("Give the token a name that says what it is for.")
        return name

    def expires_at(self) -> dt.datetime:
        """When the token stops working: the chosen number of days from now."""
        return timezone.now() + dt.timedelta(days=self.cleaned_data["expires_in_days"])
