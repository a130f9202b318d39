from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, ClassVar

from allauth.account import forms as allauth_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.html import format_html
from django.utils.safestring import SafeData
from django.utils.text import capfirst

from .models import AuditAction, QuestionnaireLayout, Role, User
from .timezones import known_zones, zone_choices, zone_offered

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


class TimeZoneSelect(forms.Select):
    """Shows a stored old name (GB-Eire) as the zone it stands for (United Kingdom — London)."""

    def format_value(self, value: Any) -> list[str]:  # type: ignore[override]
        # A select's value is a list (Django's ChoiceWidget; the stubs' Widget says str).
        return [zone_offered(v) or v for v in super().format_value(value)]


class TimeZoneField(forms.ChoiceField):
    """A time zone chosen by country and city, the likely ones first (see accounts.timezones).

    Any name of the tz database is accepted, so a zone stored before (an old name, UTC) still
    saves; an old name is saved as the zone it stands for, which keeps the same clock.
    """

    widget = TimeZoneSelect
    default_error_messages = {"invalid_choice": "Choose a time zone from the list."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=zone_choices, **kwargs)

    def suggest(self, *current: str | None, defaults: Iterable[str] = ()) -> None:
        """Offer these zones first (the current one first), then the organization's default
        zones and the other zones of the current one's country."""
        self.choices = zone_choices(current=[name for name in current if name], defaults=defaults)

    def valid_value(self, value: Any) -> bool:
        return str(value) in known_zones()

    def clean(self, value: Any) -> str:
        name: str = super().clean(value)
        return (zone_offered(name) or name) if name else name


def suggest_zones(
    form: forms.BaseForm, name: str, *current: str | None, defaults: Iterable[str] = ()
) -> None:
    """Offer first the zone the form shows (what was typed, else its initial value) and
    `current`: someone who typed or has an unlisted zone (UTC) sees it kept as a choice.
    `defaults` are the default zones of the organizations concerned."""
    field = form.fields[name]
    assert isinstance(field, TimeZoneField)  # noqa: S101 - the forms declare it so
    shown = form[name].value()
    field.suggest(str(shown) if shown else None, *current, defaults=defaults)


# Every time people type is written the same way: 24-hour, hours and minutes, with one hint.
# A text box rather than <input type="time">, whose look follows the computer's settings
# (07:00 PM on many), so the hint and the box would disagree.
TIME_FORMAT = "%H:%M"
TIME_HINT = "For example, 19:00."
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M", "%I:%M %p", "%I:%M%p"]


def time_help(text: str = "") -> str:
    """A time field's help text: what the time means, then the hint on how to write it."""
    if not text:
        return TIME_HINT
    if isinstance(text, SafeData):
        # Help text built with format_html from data stays escaped exactly once.
        return format_html("{} {}", text, TIME_HINT)
    return f"{text} {TIME_HINT}"


class ClockTimeInput(forms.TimeInput):
    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})},
            format=TIME_FORMAT,
        )


class ClockTimeField(forms.TimeField):
    """A time typed as 19:00 (19.00 and 7:00 pm are understood too), with the hint."""

    widget = ClockTimeInput

    def __init__(self, *, help_text: str = "", example: str = "19:00", **kwargs: Any) -> None:
        kwargs.pop("input_formats", None)
        messages = {"invalid": f"Enter a time like {example}.", **kwargs.pop("error_messages", {})}
        super().__init__(
            input_formats=TIME_INPUT_FORMATS,
            help_text=time_help(help_text),
            error_messages=messages,
            **kwargs,
        )


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
    timezone = TimeZoneField(
        label="Time zone",
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

    def __init__(self, *args: Any, organization_zones: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        suggest_zones(self, "timezone", defaults=organization_zones)


class QuestionnaireLayoutForm(forms.Form):
    """How a person's questionnaires are shown: one question on each page, or a whole one."""

    questionnaire_layout = forms.ChoiceField(
        label="How to show questionnaires",
        choices=QuestionnaireLayout.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how to show questionnaires.",
            "invalid_choice": "Choose how to show questionnaires.",
        },
    )


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


# --- allauth's forms, in the house words (settings.ACCOUNT_FORMS and MFA_FORMS) ---------------


class AllauthHouseWords:
    """Labels in sentence case with no colon after them, and no placeholders.

    allauth repeats each label as a placeholder ("Password" in a box labelled "Password"):
    grey text that screen readers read twice and that looks like a value already typed. Its
    labels are in title case ("Current Password"), and Django adds a colon after each.
    """

    fields: dict[str, forms.Field]
    # Field name -> (label, help text); a help text of None keeps allauth's own.
    house_words: ClassVar[dict[str, tuple[str, str | None]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if field.label:
                # allauth's labels have no proper nouns, so lower case is safe.
                field.label = capfirst(str(field.label).lower())
            if name in self.house_words:
                label, help_text = self.house_words[name]
                field.label = label
                if help_text is not None:
                    field.help_text = help_text


_AUTHENTICATOR_CODE_HELP = "The 6-digit code your authenticator app shows now."


class LoginForm(AllauthHouseWords, allauth_forms.LoginForm):
    """Sign in with an e-mail address and a password."""


class ResetPasswordForm(AllauthHouseWords, allauth_forms.ResetPasswordForm):
    """Ask for a link to choose a new password."""


class RequestLoginCodeForm(AllauthHouseWords, allauth_forms.RequestLoginCodeForm):
    """Ask for a sign-in code by e-mail."""


class ConfirmLoginCodeForm(AllauthHouseWords, allauth_forms.ConfirmLoginCodeForm):
    """Type the e-mailed sign-in code."""

    house_words = {"code": ("Code", "The code in the e-mail we have just sent you.")}


class AddEmailForm(AllauthHouseWords, allauth_forms.AddEmailForm):
    """Add another e-mail address to the account."""


class ReauthenticateForm(AllauthHouseWords, allauth_forms.ReauthenticateForm):
    """Confirm it is still you with your password."""


class MFAAuthenticateForm(AllauthHouseWords, mfa_forms.AuthenticateForm):
    """The second step of signing in: a code from the app, or a recovery code."""

    house_words = {
        "code": (
            "Code",
            f"{_AUTHENTICATOR_CODE_HELP} No phone to hand? Type one of your recovery codes.",
        )
    }


class MFAReauthenticateForm(AllauthHouseWords, mfa_forms.ReauthenticateForm):
    """Confirm it is still you with a code from the app."""

    house_words = {"code": ("Code", _AUTHENTICATOR_CODE_HELP)}


class ActivateTOTPForm(AllauthHouseWords, totp_forms.ActivateTOTPForm):
    """Set up an authenticator app: the first code it shows proves it works."""

    house_words = {
        "code": ("Code from the app", "After you add Stillwater, the app shows a 6-digit code.")
    }


# Codes are short and passwords are bounded (PASSWORD_MAX_LENGTH, as on every other password
# box): a box that takes megabytes is a way to make the server hash or compare megabytes.
CODE_MAX_LENGTH = 64


def _limit_lengths(*form_classes: type[forms.Form]) -> None:
    for form_class in form_classes:
        for name, field in list(form_class.base_fields.items()):
            if not isinstance(field, forms.CharField) or field.max_length is not None:
                continue
            limited = copy.deepcopy(field)  # allauth's own class keeps its field as it was
            limited.max_length = (
                PASSWORD_MAX_LENGTH if name.startswith("password") else CODE_MAX_LENGTH
            )
            limited.validators = [*limited.validators, LengthLimitValidator(limited.max_length)]
            limited.widget.attrs["maxlength"] = str(limited.max_length)
            form_class.base_fields[name] = limited


_limit_lengths(
    LoginForm,
    ReauthenticateForm,
    ConfirmLoginCodeForm,
    MFAAuthenticateForm,
    MFAReauthenticateForm,
    ActivateTOTPForm,
)


class OrganizationSwitchForm(forms.Form):
    """Which of their organizations a member of staff works in (accounts.switching checks it is
    one of theirs: any other answers 404, so the form lists theirs but does not police them)."""

    organization = forms.IntegerField(
        label="Which organization are you working in?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the organization you are working in.",
            "invalid": "Choose the organization you are working in.",
        },
    )

    def __init__(self, *args: Any, memberships: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field.widget, forms.RadioSelect)  # noqa: S101 - declared above
        field.widget.choices = [
            (m.organization_id, f"{m.organization.name} ({m.get_role_display().lower()})")
            for m in memberships
        ]
