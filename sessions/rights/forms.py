"""Forms of the participant rights pages: leaving a course and asking for erasure."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from accounts.rights import REASON_MAX
from programs.models import Enrollment
from sessions.rights.withdrawal import WITHDRAW_REASON_MAX


class CourseChoiceField(forms.ModelChoiceField[Enrollment]):
    def label_from_instance(self, obj: Enrollment) -> str:
        return f"{obj.cohort.program.name}: {obj.cohort.name}"


class WithdrawForm(forms.Form):
    enrollment = CourseChoiceField(
        label="Which course do you want to leave?",
        queryset=Enrollment.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Choose the course you want to leave.",
            "invalid_choice": "Choose one of your courses from the list.",
        },
    )
    reason = forms.CharField(
        label="Why are you leaving? (optional)",
        help_text="This helps the team make the course better. You do not have to say.",
        required=False,
        max_length=WITHDRAW_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Keep the reason to {WITHDRAW_REASON_MAX} characters."},
    )

    def __init__(self, *args: Any, enrollments: QuerySet[Enrollment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(CourseChoiceField, self.fields["enrollment"])
        field.queryset = enrollments
        self.single = len(enrollments) == 1
        if self.single:
            # One course: nothing to choose, so no radio button to find and press.
            field.widget = forms.HiddenInput()
            field.initial = enrollments[0].pk


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label="Anything you want to tell the coordinator? (optional)",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Keep this to {REASON_MAX} characters."},
    )
    confirm = forms.BooleanField(
        label="I understand that I will not be able to sign in to Stillwater again",
        required=True,
        error_messages={
            "required": "Tick the box to confirm, or go back if you have changed your mind."
        },
    )
