"""The coordinator's form for importing a REDCap records file (sessions.reports.exchange)."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from sessions.questionnaires.models import ResponseMode

MAX_BYTES = 2 * 1024 * 1024
MODE_CHOICES = [
    (ResponseMode.IN_PERSON.value, "On paper or in person"),
    (ResponseMode.PHONE.value, "By phone"),
]


class RedcapImportForm(forms.Form):
    records = forms.FileField(
        label="Records file (CSV)",
        help_text="The records.csv file of Stillwater's REDCap export, or REDCap's own CSV "
        "export of the same project (raw data, not labels). At most 2 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={
            "required": "Choose the records file to import.",
            "empty": "The file chosen is empty. Choose the records file to import.",
            "invalid": "Choose the records file to import.",
        },
    )
    mode = forms.ChoiceField(
        label="How the answers were given",
        choices=MODE_CHOICES,
        initial=ResponseMode.IN_PERSON.value,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how the answers were given.",
            "invalid_choice": "Choose on paper or in person, or by phone.",
        },
    )

    def clean_records(self) -> str:
        """The file's text: UTF-8 CSV, within the size limit."""
        upload: UploadedFile = self.cleaned_data["records"]
        if (upload.size or 0) > MAX_BYTES:
            raise forms.ValidationError(
                "The file is larger than 2 MB. Split it into smaller files and import each one."
            )
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text. Export it from REDCap as CSV (raw data) and try again."
            ) from None
