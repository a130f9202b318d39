"""Forms of the staff pages: the attendance grid, notes, follow-ups, and schedule changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.html import format_html

from accounts.forms import (
    URL_MAX_LENGTH,
    ClockTimeField,
    LimitedCharField,
    LimitedURLField,
    time_help,
)
from programs.models import Cohort, Enrollment, Modality, ProgramSession
from sessions.models import Attendance, AttendanceStatus, CallOutcome, FacilitatorNote
from sessions.rosters import AttendanceGrid, GridCell
from sessions.services.attendance import (
    CALL_MINUTES_MAX,
    CALL_MINUTES_MESSAGE,
    CALL_MINUTES_MIN,
    AttendanceEntry,
    InvalidEntry,
)

# --- attendance grid ----------------------------------------------------------------------

_PART_OF_FIELD = {"status": "status", "call_outcome": "outcome", "call_minutes": "minutes"}


def _snapshot_encode(cells: dict[str, tuple[str, str, str]]) -> str:
    return ";".join(f"{prefix}={'|'.join(values)}" for prefix, values in cells.items())


def snapshot_decode(value: str) -> dict[str, tuple[str, str, str]]:
    """The "loaded" field back into {cell prefix: (status, outcome, minutes)}; junk is skipped."""
    cells: dict[str, tuple[str, str, str]] = {}
    for item in (value or "").split(";"):
        prefix, _, rest = item.partition("=")
        parts = rest.split("|")
        if prefix and len(parts) == 3:
            cells[prefix] = (parts[0], parts[1], parts[2])
    return cells


def snapshot_with(value: str, cells: dict[str, tuple[str, str, str]]) -> str:
    """The snapshot with some cells replaced, e.g. by what was just saved."""
    return _snapshot_encode({**snapshot_decode(value), **cells})


def attendance_values(attendance: Attendance | None) -> tuple[str, str, str]:
    """A cell's stored values as the grid's inputs hold them: (status, outcome, minutes)."""
    if attendance is None:
        return ("", "", "")
    minutes = "" if attendance.call_minutes is None else str(attendance.call_minutes)
    return (attendance.status, attendance.call_outcome, minutes)


def grid_data_with_saved(data: QueryDict, saved: Iterable[Attendance]) -> QueryDict:
    """The posted grid with saved cells showing what is now stored, so a redraw is truthful."""
    data = data.copy()
    stored = {}
    for attendance in saved:
        prefix = f"s{attendance.scheduled_session_id}-e{attendance.enrollment_id}"
        stored[prefix] = values = attendance_values(attendance)
        for part, value in zip(("status", "outcome", "minutes"), values, strict=True):
            if f"{prefix}-{part}" in data or part == "status":
                data[f"{prefix}-{part}"] = value
    data["loaded"] = snapshot_with(data.get("loaded", ""), stored)
    return data


class AttendanceGridForm(forms.Form):
    """Every editable cell of the grid: attendance, and for phone sessions the call's outcome and minutes.

    One hidden field, "loaded", holds what every cell showed when the page was drawn, so saving
    writes only the cells this person changed and never undoes a colleague's entry made in the
    meantime. (One field for the whole grid rather than a hidden copy per input: a big cohort's
    grid must stay under Django's limit of 1,000 posted fields.)
    """

    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, data: Any = None, *, grid: AttendanceGrid) -> None:
        super().__init__(data)
        self.grid = grid
        snapshot: dict[str, tuple[str, str, str]] = {}
        for cell in grid.editable_cells():
            attendance = cell.attendance
            status, outcome, minutes = snapshot[cell.prefix] = attendance_values(attendance)
            statuses = list(AttendanceStatus.choices)
            if attendance is None:
                statuses.insert(0, ("", "Not recorded"))
            self.fields[f"{cell.prefix}-status"] = forms.ChoiceField(
                label=cell.label, choices=statuses, required=False, initial=status
            )
            if cell.is_phone or outcome or minutes:
                self.fields[f"{cell.prefix}-outcome"] = forms.ChoiceField(
                    label=f"{cell.label}, call outcome",
                    choices=[("", "No call outcome"), *CallOutcome.choices],
                    required=False,
                    initial=outcome,
                )
                self.fields[f"{cell.prefix}-minutes"] = forms.IntegerField(
                    label=f"{cell.label}, call minutes",
                    required=False,
                    min_value=CALL_MINUTES_MIN,
                    max_value=CALL_MINUTES_MAX,
                    initial=minutes,
                    error_messages={
                        "invalid": CALL_MINUTES_MESSAGE,
                        "min_value": CALL_MINUTES_MESSAGE,
                        "max_value": CALL_MINUTES_MESSAGE,
                    },
                    widget=forms.TextInput(
                        attrs={"inputmode": "numeric", "class": "grid-minutes", "size": "4"}
                    ),
                )
            cell.status = self[f"{cell.prefix}-status"]
            if f"{cell.prefix}-outcome" in self.fields:
                cell.outcome = self[f"{cell.prefix}-outcome"]
                cell.minutes = self[f"{cell.prefix}-minutes"]
        self.fields["loaded"].initial = _snapshot_encode(snapshot)

    def _cell_names(self, cell: GridCell) -> list[str]:
        return [
            n
            for n in (f"{cell.prefix}-{p}" for p in ("status", "outcome", "minutes"))
            if n in self.fields
        ]

    def _was_changed(self, cell: GridCell, loaded: dict[str, tuple[str, str, str]]) -> bool:
        before = loaded.get(cell.prefix)
        if before is None:
            # Not on the page as it was drawn (a session cancelled since, say): let it through,
            # so the service can say why it cannot be saved.
            return True
        typed = tuple(
            str(self.data.get(f"{cell.prefix}-{part}", "")).strip()
            if f"{cell.prefix}-{part}" in self.fields
            else value
            for part, value in zip(("status", "outcome", "minutes"), before, strict=True)
        )
        return typed != before

    def entries(self, *, mark_present: str = "", confirm: str = "") -> list[AttendanceEntry]:
        """The cells to save: those changed and well-formed, plus those a button fills.

        `mark_present` is a column key: its cells with nothing recorded and nothing typed
        become "attended". `confirm` is a cell prefix: that cell becomes "made up".
        """
        loaded = snapshot_decode(str(self.data.get("loaded", "")))
        entries = []
        for cell in self.grid.editable_cells():
            names = self._cell_names(cell)
            if cell.session is None or any(name in self.errors for name in names):
                continue
            status = self.cleaned_data.get(f"{cell.prefix}-status") or ""
            if cell.column.key == mark_present and cell.attendance is None and not status:
                status = AttendanceStatus.ATTENDED
            elif cell.prefix == confirm and cell.can_confirm_makeup:
                status = AttendanceStatus.MADE_UP
            elif not self._was_changed(cell, loaded):
                continue
            entries.append(
                AttendanceEntry(
                    scheduled_session=cell.session,
                    enrollment=cell.enrollment,
                    status=status,
                    call_outcome=self.cleaned_data.get(f"{cell.prefix}-outcome") or "",
                    call_minutes=self.cleaned_data.get(f"{cell.prefix}-minutes"),
                )
            )
        return entries

    def add_invalid(self, invalid: Iterable[InvalidEntry]) -> None:
        """Show each cell the service refused, next to the input it is about."""
        for item in invalid:
            prefix = f"s{item.entry.scheduled_session.pk}-e{item.entry.enrollment.pk}"
            name = f"{prefix}-{_PART_OF_FIELD[item.field]}"
            if name not in self.fields:
                name = f"{prefix}-status"
            if name in self.fields and item.message not in self.errors.get(name, []):
                self.add_error(name, item.message)


# --- notes --------------------------------------------------------------------------------

# Room for a full account of a difficult session; a pasted document is refused with its length.
NOTE_MAX_LENGTH = 5000


class NoteForm(forms.Form):
    """The session's note, a participant's note, or a new note about a participant chosen here."""

    enrollment = forms.ModelChoiceField(
        label="Participant",
        queryset=Enrollment.objects.none(),
        required=False,
        empty_label="Choose a participant",
        error_messages={"invalid_choice": "Choose a participant of this session."},
    )
    text = LimitedCharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only staff of this cohort can read notes. Participants never see them.",
    )

    def __init__(
        self,
        *args: Any,
        participants: QuerySet[Enrollment],
        choose_participant: bool = False,
        label: str = "Note",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enrollment"].queryset = participants  # type: ignore[attr-defined]
        self.fields["enrollment"].label_from_instance = (  # type: ignore[attr-defined]
            lambda e: f"{e.participant_code} ({e.person_name})"
        )
        self.fields["text"].label = label
        if choose_participant:
            self.fields["enrollment"].required = True
            self.fields["enrollment"].error_messages["required"] = (
                "Choose which participant the note is about."
            )
        else:
            self.fields["enrollment"].widget = forms.HiddenInput()


@dataclass
class NoteBlock:
    """A note with its form and earlier versions, as the session page shows it."""

    form: NoteForm
    note: FacilitatorNote | None
    enrollment: Enrollment | None = None


@dataclass
class NoteForms:
    session: NoteBlock
    participants: list[NoteBlock]
    new: NoteBlock

    def find(self, prefix: str) -> NoteBlock | None:
        return next(
            (b for b in [self.session, *self.participants, self.new] if b.form.prefix == prefix),
            None,
        )


def note_forms_build(
    *,
    participants: QuerySet[Enrollment],
    notes: list[FacilitatorNote],
    bound: tuple[str, Any] | None = None,
) -> NoteForms:
    """The session's note form, one form per participant note, and a form for a new one.

    Each has its own prefix so the page can hold them all; `bound` (prefix, data) fills the one
    that was posted.
    """

    def make(prefix: str, note: FacilitatorNote | None, **kwargs: Any) -> NoteForm:
        data = bound[1] if bound and bound[0] == prefix else None
        initial = {"text": note.text if note else "", "enrollment": kwargs.pop("enrollment", None)}
        return NoteForm(data, prefix=prefix, participants=participants, initial=initial, **kwargs)

    session_note = next((n for n in notes if n.enrollment_id is None), None)
    return NoteForms(
        session=NoteBlock(
            make("note-session", session_note, label="Note on this session"), session_note
        ),
        participants=[
            NoteBlock(
                make(
                    f"note-e{n.enrollment_id}",
                    n,
                    enrollment=n.enrollment_id,
                    label=f"Note on {n.enrollment.participant_code if n.enrollment else ''}",
                ),
                n,
                n.enrollment,
            )
            for n in notes
            if n.enrollment_id is not None
        ],
        new=NoteBlock(make("note-new", None, choose_participant=True, label="Note"), None),
    )


# --- follow-ups and make-ups ----------------------------------------------------------------


class FollowUpResolveForm(forms.Form):
    resolution = forms.CharField(
        label="What was done (optional)",
        max_length=300,
        required=False,
        help_text="For example: “Phoned on Thursday, sent the week's material.”",
    )


class ConfirmMakeupForm(forms.Form):
    completion = forms.IntegerField(widget=forms.HiddenInput)
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)


# --- schedule changes ----------------------------------------------------------------------


class RescheduleForm(forms.Form):
    new_date = forms.DateField(
        label="New date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the new date.",
            "invalid": "Enter a date such as 2026-10-13.",
        },
    )
    new_time = ClockTimeField(
        label="New time",
        error_messages={
            "required": "Enter the new time.",
            "invalid": "Enter a time such as 18:00.",
        },
    )
    shift_later = forms.BooleanField(
        label="Also move every later session by the same number of days",
        required=False,
        help_text="Each later session keeps its own time of day.",
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = cohort.zone_label
        self.fields["new_date"].label = f"New date (in the cohort's time zone, {zone})"
        self.fields["new_time"].label = f"New time ({zone} time)"
        # Django prints help text as HTML: anything taken from data goes through format_html.
        self.fields["new_time"].help_text = time_help(
            format_html(
                "The cohort meets by {} time, which may differ from your own time zone.", zone
            )
        )


class CancelForm(forms.Form):
    reason = LimitedCharField(
        label="Reason (optional)",
        max_length=300,
        required=False,
        help_text="Participants see this reason with the cancelled session.",
    )


class MakeupForm(forms.Form):
    enrollment = forms.ModelChoiceField(
        label="Who the make-up is for",
        queryset=Enrollment.objects.none(),
        required=False,
        empty_label="The whole group",
        error_messages={"invalid_choice": "Choose a participant of this cohort."},
    )
    program_session = forms.ModelChoiceField(
        label="Which session it repeats",
        queryset=ProgramSession.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choose a session of this cohort's program."},
    )
    on_date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the date of the make-up session.",
            "invalid": "Enter a date such as 2026-10-13.",
        },
    )
    at = ClockTimeField(
        label="Time",
        error_messages={
            "required": "Enter the time of the make-up session.",
            "invalid": "Enter a time such as 18:00.",
        },
    )
    modality = forms.ChoiceField(
        label="How it meets", choices=Modality.choices, widget=forms.RadioSelect
    )
    place = LimitedCharField(label="Place (optional)", max_length=300, required=False)
    video_link = LimitedURLField(
        label="Video call link (optional)",
        required=False,
        max_length=URL_MAX_LENGTH,
        assume_scheme="https",
        error_messages={"invalid": "Enter the full link, starting with https://."},
    )
    phone_instructions = LimitedCharField(
        label="Phone instructions (optional)", max_length=300, required=False
    )

    def __init__(
        self,
        *args: Any,
        cohort: Cohort,
        participants: QuerySet[Enrollment],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        zone = cohort.zone_label
        enrollment = self.fields["enrollment"]
        enrollment.queryset = participants  # type: ignore[attr-defined]
        enrollment.label_from_instance = (  # type: ignore[attr-defined]
            lambda e: f"{e.participant_code} ({e.person_name})"
        )
        if cohort.program.is_individual:
            # One-on-one sessions belong to one participant; there is no group to meet.
            enrollment.required = True
            enrollment.empty_label = "Choose a participant"  # type: ignore[attr-defined]
            enrollment.label = "Participant"
            enrollment.error_messages["required"] = "Choose the participant the make-up is for."
        program_session = self.fields["program_session"]
        program_session.queryset = cohort.program.sessions.order_by("number")  # type: ignore[attr-defined]
        program_session.label_from_instance = (  # type: ignore[attr-defined]
            lambda ps: f"Session {ps.number}: {ps.title}"
        )
        self.fields["on_date"].label = f"Date (in the cohort's time zone, {zone})"
        self.fields["at"].label = f"Time ({zone} time)"
        for name, current in (
            ("place", cohort.place),
            ("video_link", cohort.video_link),
            ("phone_instructions", cohort.phone_instructions),
        ):
            if current:
                # Django prints help text as HTML, unescaped: a place typed as markup was once
                # obeyed by the facilitator's browser (a <meta> refresh to another site).
                self.fields[name].help_text = format_html(
                    "Leave empty to use the cohort's: {}", current
                )
            else:
                self.fields[name].help_text = "Leave empty if it does not apply."
