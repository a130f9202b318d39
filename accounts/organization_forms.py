"""The organization settings form: contacts people in trouble use, and how e-mails are signed."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .contacts import contact_line_parse, contact_lines_parse
from .forms import (
    EMAIL_MAX_LENGTH,
    LimitedCharField,
    LimitedEmailField,
    TimeZoneField,
    suggest_zones,
)
from .models import ESCALATE_AFTER_MAX_HOURS, Organization

CRISIS_CONTACTS_MAX_LENGTH = 2000
# The columns' own lengths.
SUPPORT_PHONE_MAX_LENGTH = Organization._meta.get_field("support_phone").max_length or 40
SENDER_NAME_MAX_LENGTH = Organization._meta.get_field("sender_name").max_length or 100
# Digits with the separators people write numbers with; contact_line_parse decides the rest.
_PHONE_CHARACTERS = re.compile(r"\+?[\d\s().-]+")
# In a From: header these end the name or start the address; a line break starts a new header.
_SENDER_NAME_FORBIDDEN = "<>\r\n"
_ESCALATION_HOURS_ERROR = (
    f"Enter a whole number of working hours from 1 to {ESCALATE_AFTER_MAX_HOURS}, e.g. 8 for "
    "one working day."
)


def _has_control_character(value: str) -> bool:
    # Tabs, line and paragraph separators, zero-width and direction marks: none belongs in a name
    # shown in someone's inbox, and some let a header say something other than what it seems.
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in value)


class OrganizationSettingsForm(forms.Form):
    crisis_contacts = LimitedCharField(
        label="Crisis contacts",
        max_length=CRISIS_CONTACTS_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Shown to participants on the help page and whenever an answer suggests they "
        "may be at risk. One contact per line, e.g. “Samaritans: 116 123 (24 hours)”. Write "
        "numbers in digits: each becomes a link that calls it (or texts it, after “text”).",
    )
    support_phone = LimitedCharField(
        label="Support phone (optional)",
        max_length=SUPPORT_PHONE_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text="The number participants call with questions about their course, "
        "e.g. 020 7946 0000.",
    )
    support_email = LimitedEmailField(
        label="Support e-mail address (optional)",
        max_length=EMAIL_MAX_LENGTH,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={"invalid": "Enter an e-mail address such as team@example.org."},
    )
    sender_name = LimitedCharField(
        label="Sender name (optional)",
        max_length=SENDER_NAME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="The name e-mails from your organization come from, e.g. “Riverside MS Centre”. "
        "Left empty, they come from Stillwater.",
    )
    default_timezone = TimeZoneField(
        label="Default time zone",
        help_text="Given to the accounts of people you invite; each person can change their own.",
        error_messages={"required": "Choose a time zone from the list."},
    )
    escalate_after_working_hours = forms.IntegerField(
        label="Working hours before an open safety flag goes to every coordinator",
        min_value=1,
        max_value=ESCALATE_AFTER_MAX_HOURS,
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "input--short"}
        ),
        help_text="When nobody has acknowledged a safety flag after this many working hours "
        "(Monday to Friday, 09:00 to 17:00 in the default time zone), every coordinator gets "
        "an e-mail about it. 8 is one working day.",
        error_messages={
            "required": _ESCALATION_HOURS_ERROR,
            "invalid": _ESCALATION_HOURS_ERROR,
            "min_value": _ESCALATION_HOURS_ERROR,
            "max_value": _ESCALATION_HOURS_ERROR,
        },
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "crisis_contacts": organization.crisis_contacts,
                "support_phone": organization.support_phone,
                "support_email": organization.support_email,
                "sender_name": organization.sender_name,
                "default_timezone": organization.default_timezone,
                "escalate_after_working_hours": organization.escalate_after_working_hours,
            },
        )
        super().__init__(*args, **kwargs)
        suggest_zones(self, "default_timezone", organization.default_timezone)

    def clean_crisis_contacts(self) -> str:
        text: str = self.cleaned_data["crisis_contacts"]
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        # A crisis contact nobody can call from the page is no help at the worst moment: at
        # least one line must hold a number that becomes a link (a line of advice may have none).
        if lines and not any(line.has_link for line in contact_lines_parse(text)):
            raise ValidationError(
                "None of these lines has a phone number we can turn into a link to call. "
                "Write at least one number in digits, e.g. “Samaritans: 116 123”."
            )
        return "\n".join(lines)

    def clean_support_phone(self) -> str:
        phone: str = self.cleaned_data["support_phone"].strip()
        if not phone:
            return ""
        line = contact_line_parse(phone)
        is_one_number = len(line.parts) == 1 and line.parts[0].href.startswith("tel:")
        if not _PHONE_CHARACTERS.fullmatch(phone) or not is_one_number:
            raise ValidationError(
                "Enter one phone number in digits, e.g. 020 7946 0000 or +44 20 7946 0000."
            )
        return phone

    def clean_sender_name(self) -> str:
        name: str = self.cleaned_data["sender_name"].strip()
        if any(ch in name for ch in _SENDER_NAME_FORBIDDEN) or _has_control_character(name):
            raise ValidationError(
                "Keep the sender name to one line of words, without < or >: "
                "mail programs would read those as part of the address."
            )
        return name
