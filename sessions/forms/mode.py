"""The facilitator's form for how one session meets (in person, by phone, by video call)."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.forms import URL_MAX_LENGTH, LimitedCharField, LimitedURLField
from programs.models import Modality
from sessions.models import ScheduledSession
from sessions.services.mode import PHONE_DEFAULT, TEXT_MAX_LENGTH, is_https_link


class SessionModeForm(forms.Form):
    """Every field is on the page; without JavaScript each says which way of meeting it is for,
    and session-mode.js shows only the chosen one's."""

    modality = forms.ChoiceField(
        label="How the session meets",
        choices=Modality.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how the session meets.",
            "invalid_choice": "Choose in person, by phone or video call.",
        },
    )
    place = LimitedCharField(
        label="Place",
        max_length=TEXT_MAX_LENGTH,
        required=False,
        help_text="For a session in person: the room and building, as participants should find them.",
    )
    video_link = LimitedURLField(
        label="Video call link",
        max_length=URL_MAX_LENGTH,
        required=False,
        assume_scheme="https",
        help_text="For a video call: the full link participants open to join, starting with https://.",
        error_messages={"invalid": "Enter the full link, starting with https://."},
    )
    phone_instructions = LimitedCharField(
        label="How the call happens",
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=f"For a session by phone. Leave empty to say: “{PHONE_DEFAULT}”",
    )

    def __init__(self, *args: Any, session: ScheduledSession, **kwargs: Any) -> None:
        cohort = session.cohort
        kwargs.setdefault(
            "initial",
            {
                "modality": session.modality,
                # A field the session does not use starts with the cohort's usual value, so
                # switching to it often needs nothing typed.
                "place": session.place or cohort.place,
                "video_link": session.video_link or cohort.video_link,
                "phone_instructions": session.phone_instructions or cohort.phone_instructions,
            },
        )
        super().__init__(*args, **kwargs)
        if cohort.place:
            self.fields[
                "place"
            ].help_text = "For a session in person. Leave empty to use the cohort's usual place."

    def clean_video_link(self) -> str:
        link: str = self.cleaned_data["video_link"]
        if link and not is_https_link(link):
            raise forms.ValidationError(
                "Enter a secure link, starting with https:// (not http:// or anything else)."
            )
        return link
