from __future__ import annotations

from typing import Any

from django import forms

from .models import Role, User, timezone_choices

ROLE_CHOICES = [("", "Participant"), *Role.choices]


class InvitationForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200, required=False)
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(
        label="Role",
        choices=ROLE_CHOICES,
        required=False,
        help_text="Participants take part in courses; facilitators run cohorts; "
        "coordinators set up programs and see reports.",
        widget=forms.RadioSelect,
    )


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=200, required=False)
    password = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters. A few words you will remember work well.",
    )

    def __init__(self, *args: Any, needs_password: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_password:
            del self.fields["password"]


class ProfileForm(forms.ModelForm[User]):
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices)

    class Meta:
        model = User
        fields = ["full_name", "preferred_name", "timezone", "phone"]
        labels = {"phone": "Phone (optional)", "preferred_name": "What should we call you?"}
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "preferred_name": forms.TextInput(attrs={"autocomplete": "nickname"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }
