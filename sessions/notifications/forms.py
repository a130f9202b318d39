"""Reminder settings: participants choose what they get and when; staff choose their summary and alerts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from accounts.forms import TIME_FORMAT, ClockTimeField
from accounts.models import User
from sessions.notifications.models import Preferences
from sessions.notifications.services.planning.participants import practice_nudge_arrival
from sessions.notifications.services.timing import in_quiet_hours, local_date, zone_of

PARTICIPANT_FIELDS = [
    "session_reminders",
    "session_reminder_1h",
    "questionnaire_reminders",
    "missed_session_material",
    "practice_nudges",
    "practice_nudge_time",
    "daily_cap",
]
STAFF_FIELDS = ["weekly_digest", "digest_weekday", "staff_alerts"]
SHARED_FIELDS = ["quiet_hours_start", "quiet_hours_end"]

HELP = {
    # ClockTimeField adds "For example, 19:00." to each time's help.
    "practice_nudge_time": "In your own time zone.",
    "quiet_hours_start": "No reminders from this time…",
    "quiet_hours_end": "…until this time. A reminder due in between waits until then.",
    "daily_cap": "Between 1 and 20. Session reminders do not count towards it.",
    "weekly_digest": "Attendance, open follow-ups and check-ins due, once a week.",
    "staff_alerts": (
        "When attendance is not recorded a day after a session, and when a participant "
        "missed a session. Safety alerts are always sent."
    ),
}


class PreferencesForm(forms.ModelForm[Preferences]):
    """Only the sections that apply to the person are shown and saved."""

    class Meta:
        model = Preferences
        fields = PARTICIPANT_FIELDS + STAFF_FIELDS + SHARED_FIELDS
        field_classes = {
            "practice_nudge_time": ClockTimeField,
            "quiet_hours_start": ClockTimeField,
            "quiet_hours_end": ClockTimeField,
        }
        widgets = {
            "daily_cap": forms.NumberInput(attrs={"min": 1, "max": 20, "inputmode": "numeric"}),
        }
        help_texts = HELP
        error_messages = {
            "daily_cap": {
                "min_value": "Choose at least 1 reminder a day, or turn off the reminders you do not want.",
                "max_value": "Choose 20 reminders a day or fewer.",
                "invalid": "Enter a whole number, like 3.",
            },
            "practice_nudge_time": {"invalid": "Enter a time like 19:00."},
            "quiet_hours_start": {"invalid": "Enter a time like 21:00."},
            "quiet_hours_end": {"invalid": "Enter a time like 08:00."},
        }

    def __init__(self, *args: Any, participant: bool, staff: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = list(SHARED_FIELDS)
        if participant:
            keep += PARTICIPANT_FIELDS
        if staff:
            keep += STAFF_FIELDS
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "daily_cap" in self.fields:
            # The model field's own range starts at 0 and would win over Meta.widgets; the
            # browser's arrows should stop where the validators do.
            self.fields["daily_cap"].widget.attrs.update({"min": 1, "max": 20})
        self.practice_reminder_note = "" if self.is_bound else self._practice_reminder_note()
        if self.practice_reminder_note:
            # Read out with the field, as its help is.
            self.fields["practice_nudge_time"].widget.attrs["aria-describedby"] = (
                "id_practice_nudge_time_helptext practice-reminder-note"
            )

    def _practice_reminder_note(self) -> str:
        """When a practice reminder set inside the person's quiet hours really arrives, as the
        planner works it out: later that morning, or not at all when the quiet hours run into
        the next day."""
        preferences: Preferences = self.instance
        if "practice_nudge_time" not in self.fields or not preferences.practice_nudges:
            return ""
        at, start, end = (
            preferences.practice_nudge_time,
            preferences.quiet_hours_start,
            preferences.quiet_hours_end,
        )
        if not in_quiet_hours(at, start, end):
            return ""
        user: User = preferences.user
        zone = zone_of(user.timezone)
        day = local_date(timezone.now(), zone)
        arrival = practice_nudge_arrival(user=user, preferences=preferences, day=day)
        said = (
            f"Your practice reminder is at {at:{TIME_FORMAT}}, inside your quiet hours "
            f"({start:{TIME_FORMAT}}\N{EN DASH}{end:{TIME_FORMAT}}): "
        )
        if arrival is None:
            return said + (
                "it will not be sent, because your quiet hours last into the next day. "
                "To get it, choose a time outside your quiet hours."
            )
        local = arrival.astimezone(zone)
        when = " the next morning" if local.date() > day else ""
        return said + f"it will arrive at {local:{TIME_FORMAT}}{when}."

    def participant_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PARTICIPANT_FIELDS if name in self.fields]

    def staff_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in STAFF_FIELDS if name in self.fields]

    def shared_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in SHARED_FIELDS if name in self.fields]


class SendNowForm(forms.Form):
    """A 'send now' button: the click id makes a repeated submission send once."""

    click_id = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=[("questionnaire_open", ""), ("invitation", "")])
    assessment = forms.IntegerField(required=False, widget=forms.HiddenInput)
