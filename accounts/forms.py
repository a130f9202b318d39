from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from .models import AuditAction, Role, User, timezone_choices

ROLE_CHOICES = [("", "Participant"), *Role.choices]

# The address columns hold 254 characters; a longer address would pass the e-mail check and
# then fail in the database. A password longer than PASSWORD_MAX_LENGTH is no stronger, only
# slower to hash.
EMAIL_MAX_LENGTH = 254
PASSWORD_MAX_LENGTH = 1000
# Video links are kept in URLField columns of Django's default 200 characters.
URL_MAX_LENGTH = 200


class LengthLimitValidator(MaxLengthValidator):
    """Too long: the message gives the limit and the length typed, with thousands separators.

    Nobody should have to count characters: "you have 6,210" says how much to cut.
    """

    def __call__(self, value: str) -> None:
        length = len(value)
        if length > self.limit_value:
            raise ValidationError(
                f"Keep it to {self.limit_value:,} characters or fewer (you have {length:,}).",
                code="max_length",
                params={"limit_value": self.limit_value, "show_value": length},
            )


class _LengthLimit:
    """Swaps Django's "Ensure this value has at most…" for LengthLimitValidator's plain words.

    A textarea gets no maxlength attribute: a browser cuts pasted text off silently at the
    limit, whereas without it the page comes back with everything typed and the message, so
    nothing is lost and the person chooses what to cut.
    """

    validators: list[Any]

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        super().__init__(max_length=max_length, **kwargs)  # type: ignore[call-arg]
        self.validators = [
            *(v for v in self.validators if not isinstance(v, MaxLengthValidator)),
            LengthLimitValidator(max_length),
        ]

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs: dict[str, Any] = super().widget_attrs(widget)  # type: ignore[misc]
        if isinstance(widget, forms.Textarea):
            attrs.pop("maxlength", None)
        return attrs


class LimitedCharField(_LengthLimit, forms.CharField):
    """A text field whose length limit is explained in plain words when it is passed."""


class LimitedEmailField(_LengthLimit, forms.EmailField):
    """An e-mail address no longer than the database keeps, with the same plain message."""


class LimitedURLField(_LengthLimit, forms.URLField):
    """A link no longer than the database keeps, with the same plain message."""


class InvitationForm(forms.Form):
    full_name = LimitedCharField(label="Full name", max_length=200, required=False)
    email = LimitedEmailField(label="E-mail address", max_length=EMAIL_MAX_LENGTH)
    role = forms.ChoiceField(
        label="Role",
        choices=ROLE_CHOICES,
        required=False,
        help_text="Participants take part in courses; facilitators run cohorts; "
        "coordinators set up programs and see reports.",
        widget=forms.RadioSelect,
    )


class AcceptInvitationForm(forms.Form):
    full_name = LimitedCharField(label="Your name", max_length=200, required=False)
    password = LimitedCharField(
        label="Choose a password",
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters. A few words you will remember work well.",
        error_messages={"required": "Choose a password to finish setting up your account."},
    )

    def __init__(
        self, *args: Any, needs_password: bool = True, email: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # The invited address, so a password too like it is refused here with everything else.
        self.email = email
        if not needs_password:
            # Someone signed in to their own account only confirms: their name is theirs to
            # change on their profile page, never through an invitation.
            del self.fields["password"]
            del self.fields["full_name"]

    def clean_password(self) -> str:
        # The password rules are checked with the other fields, not only by the service once
        # they pass: a name too long and a password too short are then reported together.
        password: str = self.cleaned_data["password"]
        name = self.cleaned_data.get("full_name") or self.initial.get("full_name") or ""
        validate_password(password, User(email=self.email, full_name=name))
        return password


class ProfileForm(forms.ModelForm[User]):
    timezone = forms.ChoiceField(
        label="Time zone",
        choices=timezone_choices,
        error_messages={"invalid_choice": "Choose your time zone from the list."},
    )

    class Meta:
        model = User
        fields = ["full_name", "preferred_name", "timezone", "phone"]
        labels = {"phone": "Phone (optional)", "preferred_name": "What should we call you?"}
        field_classes = {
            "full_name": LimitedCharField,
            "preferred_name": LimitedCharField,
            "phone": LimitedCharField,
        }
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "preferred_name": forms.TextInput(attrs={"autocomplete": "nickname"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }


class AuditFilterForm(forms.Form):
    """Filters of the audit log page; dates are days in the viewer's own time zone."""

    person = forms.CharField(
        label="Person",
        max_length=254,
        required=False,
        help_text="Part of an e-mail address, e.g. “cora” or “@example.org”.",
    )
    action = forms.ChoiceField(
        label="What happened",
        choices=[("", "Anything"), *AuditAction.choices],
        required=False,
        error_messages={"invalid_choice": "Choose what happened from the list."},
    )
    since = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The first day to show.",
        error_messages={"invalid": "Enter a date such as 2026-10-01."},
    )
    until = forms.DateField(
        label="Until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day to show (the whole day).",
        error_messages={"invalid": "Enter a date such as 2026-10-31."},
    )
    participant = forms.CharField(
        label="Participant code",
        max_length=20,
        required=False,
        help_text="Events about this participant, e.g. MB-7K3Q9.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The last day is before the first day. Swap the dates.")
        return data
