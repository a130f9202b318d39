"""The export form and the outcome page's filter, both limited to the cohorts within reach.

Their cohort and program choices come from a ReportAccess (sessions.reports.selectors.access),
so a cohort the person may not export is not even offered, and one typed into the address is
refused like any other wrong choice.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms

from programs.models import Arm, Cohort, Program
from sessions.reports.exports import FILES, IDENTIFIABLE_KINDS, STUDY_KINDS
from sessions.reports.selectors.access import ReportAccess, program_list_for_report
from sessions.reports.states import CohortState

KIND_CHOICES = [
    ("completion", "Completion per cohort and arm"),
    ("participants", "Completion per participant"),
    ("responses", "Questionnaire answers item by item, with scores and a data dictionary"),
    ("outcomes", "Outcome summary per questionnaire (before and after)"),
    ("allocations", "Study allocations"),
    ("screening", "Screening and waitlist"),
    ("consort", "CONSORT flow counts"),
    ("comparison", "Between-arm results"),
    ("fidelity", "Session fidelity ratings"),
]
KIND_HELP = {
    "completion": "One row per cohort and arm: enrolled, completed, completion and attendance rates, questionnaires, practice adherence.",
    "participants": "One row per participant: sessions held and attended, course completed, questionnaires, practice.",
    "responses": "One row per answer; also one row per questionnaire with its scores, and what every item means. As CSV: a zip of three files.",
    "outcomes": "Per questionnaire and score: pairs, means, change with its 95% confidence interval, tests, effect size, minimal important change.",
    "allocations": "One row per randomized participant: study, stratum, block, arm and when.",
    "screening": "One row per person screened: eligible or not with the reasons, consent, waitlist and offers.",
    "consort": "The CONSORT 2010 flow: people at each stage, per arm, with reasons.",
    "comparison": "Per questionnaire score and follow-up point: change per arm, the difference with its 95% CI, ANCOVA and Hedges' g.",
    "fidelity": "One row per rated session: core elements delivered, by whom rated, adherence.",
}
FORMAT_CHOICES = [
    ("csv", "CSV (opens in any statistics program or spreadsheet)"),
    ("xlsx", "Excel workbook (XLSX), one sheet per file plus a codebook"),
]


class CohortChoiceField(forms.ModelChoiceField[Cohort]):
    def label_from_instance(self, obj: Cohort) -> str:
        return f"{obj.name} ({obj.program.name})"


def _limit_choices(form: forms.Form, access: ReportAccess) -> None:
    """Offer only the cohorts (and their programs) within reach."""
    cohort_field = cast(forms.ModelChoiceField, form.fields["cohort"])
    cohort_field.queryset = access.cohorts.order_by("program__name", "-start_date", "name")
    program_field = cast(forms.ModelChoiceField, form.fields["program"])
    program_field.queryset = program_list_for_report(access=access)


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What to export",
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what to export.",
            "invalid_choice": "Choose one of the exports listed.",
        },
    )
    format = forms.ChoiceField(
        label="File format",
        choices=FORMAT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose CSV or Excel (XLSX).",
            "invalid_choice": "Choose CSV or Excel (XLSX); “%(value)s” is not a format we export.",
        },
    )
    program = forms.ModelChoiceField(
        label="Program",
        queryset=Program.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="Every program",
        error_messages={"invalid_choice": "Choose a program from the list."},
    )
    cohort = CohortChoiceField(
        label="Cohort",
        queryset=Cohort.objects.none(),
        required=False,
        empty_label="Every cohort",
        error_messages={"invalid_choice": "Choose a cohort from the list."},
    )
    # The overview's filters, so that its download links export what it shows.
    arm = forms.ChoiceField(
        label="Arm",
        choices=[("", "Both arms"), *Arm.choices],
        required=False,
        error_messages={"invalid_choice": "Choose intervention or control."},
    )
    state = forms.ChoiceField(
        # Not "Cohort status": the cohort list is the one field named "Cohort".
        label="Status",
        help_text="Whether the cohorts have started, are running or have finished.",
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
    identifiable = forms.BooleanField(
        label="Include names and e-mail addresses",
        required=False,
        help_text="Only for the participant and questionnaire-answer exports. You will be asked "
        "for your password again, and the export is logged with your name.",
    )
    file = forms.ChoiceField(
        label="One file only",
        required=False,
        choices=[("", "All files"), *[(f, f) for f in FILES["responses"]]],
        error_messages={"invalid_choice": "Choose responses, scores or dictionary."},
    )

    def __init__(self, *args: Any, access: ReportAccess, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access = access
        _limit_choices(self, access)
        if not access.is_coordinator:
            del self.fields["identifiable"]
        # The study files are offered to coordinators only; asked for anyway, clean() says why.
        self.offered_kinds = [
            (value, label)
            for value, label in KIND_CHOICES
            if access.is_coordinator or value not in STUDY_KINDS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, fmt = data.get("kind"), data.get("format")
        cohort, program = data.get("cohort"), data.get("program")
        if cohort is not None and program is not None and cohort.program_id != program.pk:
            self.add_error(
                "cohort",
                f"{cohort.name} is a cohort of {cohort.program.name}, not of {program.name}. "
                "Choose one of its cohorts, or every cohort.",
            )
        if kind in STUDY_KINDS and not self.access.is_coordinator:
            self.add_error(
                "kind",
                "Study files cover every cohort in the study and people screened for none of "
                "them, so only coordinators export them. Choose another export.",
            )
        if data.get("identifiable") and kind and kind not in IDENTIFIABLE_KINDS:
            self.add_error(
                "identifiable",
                "Completion and outcome files hold no names. Untick this box, or choose the "
                "participant or questionnaire-answer export.",
            )
        start_from, start_to = data.get("start_from"), data.get("start_to")
        if start_from and start_to and start_from > start_to:
            self.add_error(
                "start_to",
                f"The last start date must be on or after the first ({start_from:%Y-%m-%d}).",
            )
        file = data.get("file")
        if file and kind and kind not in FILES:
            self.add_error("file", "Only the questionnaire-answer export has several files.")
        elif file and fmt == "xlsx":
            self.add_error("file", "One file alone is for CSV; the Excel workbook has them all.")
        return data

    @property
    def kind_options(self) -> list[dict[str, Any]]:
        """The choices of `kind`, each with its hint, for radios the template draws itself."""
        chosen = self["kind"].value()
        return [
            {
                "value": value,
                "label": label,
                "id": f"id_kind_{n}",
                "help_id": f"id_kind_{n}_help",
                "help": KIND_HELP[value],
                "checked": chosen == value,
            }
            for n, (value, label) in enumerate(self.offered_kinds)
        ]

    def download_query(self) -> dict[str, str]:
        """The query string of the download the valid form asks for (its kind is in the path)."""
        data = self.cleaned_data
        query = {"format": data["format"]}
        if data.get("program"):
            query["program"] = data["program"].slug
        if data.get("cohort"):
            query["cohort"] = str(data["cohort"].pk)
        query.update(self._cohort_filters())
        if data.get("identifiable"):
            query["identifiable"] = "1"
        if data.get("file"):
            query["file"] = data["file"]
        return query

    def _cohort_filters(self) -> dict[str, str]:
        """The overview's filters that were chosen (arm, status, start dates), as in an address."""
        data = self.cleaned_data
        found = {"arm": data.get("arm") or "", "state": data.get("state") or ""}
        for name in ("start_from", "start_to"):
            found[name] = data[name].isoformat() if data.get(name) else ""
        return {name: value for name, value in found.items() if value}

    def record_filters(self) -> dict[str, object]:
        """The filters of the valid form as the ExportRecord and the codebook keep them."""
        data = self.cleaned_data
        filters: dict[str, object] = {}
        if data.get("program"):
            filters["program"] = data["program"].slug
        if data.get("cohort"):
            filters["cohort"] = data["cohort"].pk
            filters["cohort_name"] = data["cohort"].name
        filters.update(self._cohort_filters())
        if data.get("file"):
            filters["file"] = data["file"]
        return filters


class OutcomeFilterForm(forms.Form):
    program = forms.ModelChoiceField(
        label="Program",
        queryset=Program.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="Every program",
        error_messages={"invalid_choice": "Choose a program from the list."},
    )
    cohort = CohortChoiceField(
        label="Cohort",
        queryset=Cohort.objects.none(),
        required=False,
        empty_label="Every cohort (and all cohorts of a program together)",
        error_messages={"invalid_choice": "Choose a cohort from the list."},
    )

    def __init__(self, *args: Any, access: ReportAccess, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_choices(self, access)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        cohort, program = data.get("cohort"), data.get("program")
        if cohort is not None and program is not None and cohort.program_id != program.pk:
            self.add_error(
                "cohort",
                f"{cohort.name} is a cohort of {cohort.program.name}, not of {program.name}.",
            )
        return data
