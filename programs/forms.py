"""Forms for cohorts and enrollments: they parse what was typed; the services decide."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from accounts.forms import (
    EMAIL_MAX_LENGTH,
    URL_MAX_LENGTH,
    ClockTimeField,
    LimitedCharField,
    LimitedEmailField,
    LimitedURLField,
    TimeZoneField,
    suggest_zones,
    time_help,
)
from accounts.models import Membership, Organization, User

from .access import program_list_offered
from .csv_import import EXAMPLE_HEADER, CsvDecodeError, ParseResult, csv_decode, parse_participants
from .models import WEEKDAYS, Arm, Cohort, Delivery, Modality, Program
from .services import UPDATABLE_STATUSES

# A CSV of the 500 participants one import takes is far smaller than either limit; they stop a
# wrong file (or a whole spreadsheet export) before it is read into memory and parsed.
MAX_UPLOAD_BYTES = 1024 * 1024  # "1 MB" in the message below
IMPORT_TEXT_MAX_LENGTH = 200_000
SKIP_DATES_MAX_LENGTH = 2000


# What a self-guided course never uses: nobody meets, so there is no day, time, place or link.
SELF_GUIDED_UNUSED = (
    "meeting_weekday",
    "meeting_time",
    "default_modality",
    "place",
    "video_link",
    "phone_instructions",
    "skip_dates",
)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FacilitatorsField(forms.ModelMultipleChoiceField):
    """Staff of the organization as checkboxes, each named with their role there."""

    def __init__(self, *, memberships: list[Membership], **kwargs: Any) -> None:
        self.roles = {m.user_id: m.get_role_display().lower() for m in memberships}
        super().__init__(
            queryset=User.objects.filter(pk__in=self.roles).order_by("full_name", "email"),
            **kwargs,
        )

    def label_from_instance(self, obj: User) -> str:
        name = obj.full_name or obj.email
        return f"{name} ({self.roles.get(obj.pk, 'staff')})"


def parse_skip_dates(text: str) -> tuple[list[dt.date], list[str]]:
    """Dates typed one per line as YYYY-MM-DD; blank lines are ignored, each bad line is named."""
    dates, problems = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        value = raw.strip()
        if not value:
            continue
        try:
            dates.append(dt.date.fromisoformat(value))
        except ValueError:
            problems.append(
                f"Line {number}: “{value}” is not a date written as YYYY-MM-DD, "
                "for example 2026-12-22."
            )
    return sorted(set(dates)), problems


class CohortForm(forms.Form):
    name = LimitedCharField(
        label="Name",
        max_length=120,
        help_text="How staff tell this cohort apart, for example “Tuesday evenings, autumn 2026”.",
    )
    program = forms.ModelChoiceField(
        label="Program",
        queryset=Program.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    start_date = forms.DateField(
        label="Start date",
        widget=_date_input(),
        help_text="The first session is on the first meeting day from this date. "
        "In a self-guided course, week 1 opens on this date.",
    )
    meeting_weekday = forms.TypedChoiceField(
        label="Meeting day",
        choices=[("", "The same weekday as the start date"), *enumerate(WEEKDAYS)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    meeting_time = ClockTimeField(
        label="Meeting time",
        help_text="The local time in the cohort's time zone. "
        "It stays the same when the clocks change.",
    )
    timezone = TimeZoneField(label="Time zone")
    default_modality = forms.ChoiceField(
        label="How the group meets",
        choices=Modality.choices,
        widget=forms.RadioSelect,
        initial=Modality.IN_PERSON,
        help_text="One-on-one programs follow each session's own plan (IER: first and last in "
        "person, the others by phone).",
    )
    place = LimitedCharField(
        label="Place (for in-person sessions)",
        max_length=300,
        required=False,
        help_text="Building, room and anything that helps people find it, such as step-free access.",
    )
    video_link = LimitedURLField(
        label="Video call link (for video sessions)",
        required=False,
        max_length=URL_MAX_LENGTH,
        assume_scheme="https",
        # Also what a javascript: or data: "link" gets: only web addresses become links.
        error_messages={"invalid": "Enter the full link, starting with https://."},
    )
    phone_instructions = LimitedCharField(
        label="Phone instructions (for phone sessions)",
        max_length=300,
        required=False,
        help_text="For example “Your facilitator calls the number on your profile.”",
    )
    skip_dates = LimitedCharField(
        label="Dates the group does not meet (optional)",
        required=False,
        max_length=SKIP_DATES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One date per line, written as YYYY-MM-DD, for example 2026-12-22. "
        "A session that falls on one of these dates moves a week on.",
    )

    def __init__(
        self,
        *args: Any,
        memberships: list[Membership],
        cohort: Cohort | None = None,
        organization: Organization | None = None,
        program_locked: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        organization_id = (
            cohort.organization_id
            if cohort is not None
            else (organization.pk if organization is not None else None)
        )
        # Shipped programs and the newest published version of the organization's own: never
        # another organization's, nor a draft.
        programs = program_list_offered(organization_id=organization_id)
        if cohort is not None:
            # A cohort keeps its program even after the program stops being offered.
            programs = programs | Program.objects.filter(pk=cohort.program_id)
        program_field = self.fields["program"]
        assert isinstance(program_field, forms.ModelChoiceField)  # noqa: S101 - declared above
        program_field.queryset = programs.order_by("name")
        if program_locked:
            program_field.disabled = True
            program_field.help_text = "The program cannot change once the cohort has sessions."
        self.fields["facilitators"] = FacilitatorsField(
            memberships=memberships,
            label="Facilitators",
            widget=forms.CheckboxSelectMultiple,
            help_text="Choose at least one. Facilitators see this cohort and record attendance. "
            "A self-guided course needs none: the coordinators see its progress and safety flags.",
            error_messages={"required": "Choose at least one facilitator."},
        )
        self.self_guided = self._self_guided_chosen(programs, cohort)
        if cohort is not None and cohort.program.is_self_guided:
            # Its participants' weeks and answers belong to a self-guided course: it stays one.
            program_field.queryset = program_field.queryset.filter(delivery=Delivery.SELF_GUIDED)
            program_field.help_text = (
                "A self-guided cohort stays self-guided. For a group or one-on-one course, "
                "create a new cohort."
            )
            for name in SELF_GUIDED_UNUSED:
                del self.fields[name]
        if self.self_guided:
            self.fields["facilitators"].required = False
            self.fields["facilitators"].help_text = (
                "Optional: a self-guided course needs no facilitator, and the coordinators see "
                "its progress and safety flags. Anyone chosen here sees them too."
            )
            if "meeting_time" in self.fields:
                self.fields["meeting_time"].required = False
        if cohort is not None and cohort.program.is_self_guided:
            self.fields["start_date"].help_text = "Week 1 opens for the participants on this date."
        # Keep the order people read the page in: who runs it comes before the skip dates.
        self.order_fields([*[name for name in self.fields if name != "skip_dates"], "skip_dates"])
        organization = cohort.organization if cohort else organization
        suggest_zones(
            self,
            "timezone",
            cohort.timezone if cohort else None,
            defaults=[organization.default_timezone] if organization else [],
        )

    def _self_guided_chosen(self, programs: Any, cohort: Cohort | None) -> bool:
        """Whether the program chosen (typed in, else the cohort's) is self-guided."""
        chosen: Any = cohort.program_id if cohort is not None else None
        if self.is_bound and not self.fields["program"].disabled:
            chosen = self.data.get(self.add_prefix("program"))
        try:
            pk = int(chosen)
        except (TypeError, ValueError):
            return False
        return bool(programs.filter(pk=pk, delivery=Delivery.SELF_GUIDED).exists())

    def clean_skip_dates(self) -> list[dt.date]:
        dates, problems = parse_skip_dates(self.cleaned_data.get("skip_dates") or "")
        if problems:
            raise forms.ValidationError(problems)
        return dates

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.self_guided:
            # Nobody meets: week 1 opens on the start date, so the meeting pattern, place and
            # links are not used. Keep them empty rather than half-filled.
            cleaned.update(
                meeting_weekday=None,
                meeting_time=dt.time(0, 0),
                default_modality=Modality.IN_PERSON,
                place="",
                video_link="",
                phone_instructions="",
                skip_dates=[],
            )
        return cleaned

    @staticmethod
    def initial_for(cohort: Cohort) -> dict[str, Any]:
        return {
            "name": cohort.name,
            "program": cohort.program_id,
            "start_date": cohort.start_date,
            "meeting_weekday": cohort.meeting_weekday,
            "meeting_time": cohort.meeting_time,
            "timezone": cohort.timezone,
            "default_modality": cohort.default_modality,
            "place": cohort.place,
            "video_link": cohort.video_link,
            "phone_instructions": cohort.phone_instructions,
            "facilitators": list(cohort.facilitators.values_list("pk", flat=True)),
            "skip_dates": "\n".join(cohort.skip_dates),
        }


ARM_HELP = "Control: the same questionnaires at the same times, and no sessions."
# "Not yet allocated" is never picked by hand: only a study's "Randomize" moves people out of it.
HAND_ARM_CHOICES = [(a.value, a.label) for a in (Arm.INTERVENTION, Arm.CONTROL)]


def _arm_by_randomization(form: forms.Form, cohort: Cohort) -> None:
    """In a randomized study's cohort the group comes from "Randomize", never from this form."""
    studies = getattr(cohort, "studies", None)
    if studies is not None and studies.exists():
        del form.fields["arm"]


class EnrollmentForm(forms.Form):
    full_name = LimitedCharField(
        label="Full name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = LimitedEmailField(
        label="E-mail address",
        max_length=EMAIL_MAX_LENGTH,
        help_text="We send the invitation here. Someone who already has an account keeps it.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = LimitedCharField(
        label="Phone (optional)",
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    timezone = TimeZoneField(
        label="Their time zone",
        help_text="Every time they see is shown in this zone.",
    )
    arm = forms.ChoiceField(
        label="Arm",
        choices=HAND_ARM_CHOICES,
        initial=Arm.INTERVENTION,
        widget=forms.RadioSelect,
        help_text=ARM_HELP,
    )
    start_date = forms.DateField(
        label="Their first session",
        widget=_date_input(),
        help_text="Later sessions are on the same weekday, once a week.",
    )
    session_time = ClockTimeField(label="Their weekly session time")

    def __init__(self, *args: Any, cohort: Cohort, default_start: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].initial = cohort.timezone
        suggest_zones(
            self, "timezone", cohort.timezone, defaults=[cohort.organization.default_timezone]
        )
        _own_start_fields(self, cohort)
        _arm_by_randomization(self, cohort)
        if cohort.program.is_individual:
            self.fields["start_date"].initial = default_start
            self.fields["session_time"].initial = cohort.meeting_time


def _own_start_fields(form: forms.Form, cohort: Cohort) -> None:
    """One-on-one participants have their own start; group participants follow the cohort's."""
    if cohort.program.is_individual:
        # Help text is printed as HTML: data in it goes through format_html.
        form.fields["session_time"].help_text = time_help(
            format_html("In the cohort's time zone ({}).", cohort.zone_label)
        )
    else:
        del form.fields["start_date"]
        del form.fields["session_time"]


class EnrollmentImportForm(forms.Form):
    text = LimitedCharField(
        label="Paste the list",
        required=False,
        max_length=IMPORT_TEXT_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 12, "spellcheck": "false", "autocomplete": "off", "class": "csv-input"}
        ),
        help_text=f"The first line names the columns: {EXAMPLE_HEADER}. Phone and time zone "
        "may be left out, and you may add an “arm” column (intervention or control). "
        "Then one participant per line.",
    )
    file = forms.FileField(
        label="Or choose a CSV file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text="Saved from a spreadsheet as “CSV UTF-8”, with the same columns. "
        "If you choose a file, the box above is not used.",
    )

    def __init__(self, *args: Any, enrolled_emails: Collection[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.data, QueryDict):
            # So a file's contents can be put in the box when it has problems (see clean).
            self.data = self.data.copy()
        self.enrolled_emails = enrolled_emails
        self.from_file = False
        self.result = ParseResult()
        self.read_text = ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload: UploadedFile | None = cleaned.get("file")
        text = cleaned.get("text") or ""
        if upload is not None:
            if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
                self.add_error(
                    "file",
                    f"The file is {filesizeformat(upload.size)}; a list to import can be at most "
                    "1 MB. Please split it into smaller files.",
                )
                return cleaned
            if (upload.name or "").lower().endswith((".xlsx", ".xls", ".ods")):
                self.add_error(
                    "file",
                    "This is a spreadsheet file, not CSV. In your spreadsheet choose “Save as”, "
                    "then “CSV UTF-8”, and upload that file.",
                )
                return cleaned
            try:
                text = csv_decode(upload.read())
            except CsvDecodeError as exc:
                self.add_error("file", str(exc))
                return cleaned
            self.from_file = True
        self.read_text = text
        self.result = parse_participants(text, enrolled_emails=self.enrolled_emails)
        if not self.result.ok:
            # The coordinator can correct the file's lines right here instead of starting over.
            self.keep_text_in_box()
            self.add_error("text", [str(problem) for problem in self.result.problems])
        return cleaned

    def keep_text_in_box(self) -> None:
        """Show the list read (a file's too) in the box, for the next step to send it again."""
        if self.from_file and isinstance(self.data, QueryDict):
            self.data["text"] = self.read_text


class EnrollmentUpdateForm(forms.Form):
    arm = forms.ChoiceField(
        label="Arm", choices=HAND_ARM_CHOICES, widget=forms.RadioSelect, help_text=ARM_HELP
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[(s.value, s.label) for s in UPDATABLE_STATUSES],
        widget=forms.RadioSelect,
        help_text="Invited: has not accepted yet. Active: taking part. "
        "Completed: finished the course.",
    )
    start_date = forms.DateField(
        label="Their first session",
        widget=_date_input(),
        help_text="Sessions already held stay where they were; later ones follow.",
    )
    session_time = ClockTimeField(label="Their weekly session time")

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _own_start_fields(self, cohort)
        _arm_by_randomization(self, cohort)


class EnrollmentWithdrawForm(forms.Form):
    on_date = forms.DateField(
        label="Date they withdrew",
        widget=_date_input(),
        help_text="Today or earlier.",
    )
    reason = LimitedCharField(
        label="Reason",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="In their words if you can, or “No reason given”. Staff see this; "
        "the participant does not.",
    )
