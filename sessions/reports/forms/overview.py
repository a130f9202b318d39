"""The coordinator's overview filters: they only narrow a read-only table."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from programs.models import Arm, Program
from sessions.reports.selectors.access import ReportAccess, program_list_for_report
from sessions.reports.selectors.overview import CohortState, OverviewFilters

__all__ = ["OverviewFilterForm"]

FILTERS = ("program", "arm", "state", "start_from", "start_to")


class OverviewFilterForm(forms.Form):
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(),
        required=False,
        empty_label="All programs",
        to_field_name="slug",
        error_messages={"invalid_choice": "Choose a program from the list."},
    )
    arm = forms.ChoiceField(
        choices=[("", "Both arms"), *Arm.choices],
        required=False,
        error_messages={"invalid_choice": "Choose intervention or control."},
    )
    state = forms.ChoiceField(
        label="Cohort status",
        choices=[("", "Any status"), *CohortState.CHOICES],
        required=False,
        error_messages={"invalid_choice": "Choose a status from the list."},
    )
    start_from = forms.DateField(
        label="Starts on or after",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, for example 2026-09-01."},
    )
    start_to = forms.DateField(
        label="Starts on or before",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, for example 2026-12-31."},
    )

    def __init__(self, *args: Any, access: ReportAccess, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The programs of the cohorts the overview covers.
        cast(forms.ModelChoiceField, self.fields["program"]).queryset = program_list_for_report(
            access=access
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start_from, start_to = data.get("start_from"), data.get("start_to")
        if start_from and start_to and start_from > start_to:
            self.add_error(
                "start_to",
                f"The last start date must be on or after the first ({start_from:%Y-%m-%d}).",
            )
        return data

    def filters(self) -> OverviewFilters:
        """The filters that were understood apply; one that was not is named in the error summary."""
        self.is_valid()
        chosen = getattr(self, "cleaned_data", {})
        return OverviewFilters(
            program=chosen.get("program"),
            arm=chosen.get("arm") or "",
            state=chosen.get("state") or "",
            start_from=chosen.get("start_from"),
            start_to=chosen.get("start_to"),
            query={name: self.data.get(name, "") for name in FILTERS if name not in self.errors},
        )
