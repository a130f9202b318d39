"""Forms of the program editor: copying a shipped program, a draft's settings, weeks and plan.

Every text has a length limit explained in plain words (accounts.forms.LimitedCharField), and a
form that comes back with an error keeps everything typed. Each form carries the draft it was
opened on, so a save after someone else published or discarded that draft is refused instead
of landing in a different draft (services.editing).
"""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.forms import LimitedCharField
from programs.instrument_library import instrument_list
from programs.models import MeasurementPoint, Program, ProgramSession

NAME_MAX = 120
SUMMARY_MAX = 2_000
TITLE_MAX = 160
LINES_MAX = 4_000
MATERIAL_MAX = 20_000
PROMPT_MAX = 300
PRACTICE_TEXT_MAX = 1_000
WINDOW_DAYS_MIN = -365
WINDOW_DAYS_MAX = 730


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class DraftBoundForm(forms.Form):
    """A form saved into one draft: the draft's id travels with it."""

    draft = forms.IntegerField(widget=forms.HiddenInput)


class LineCreateForm(forms.Form):
    name = LimitedCharField(
        max_length=NAME_MAX,
        label="Name of your program",
        help_text="How your staff will find it, for example “MBSR for MS, Riverside”. "
        "Participants see the name you give it in its settings.",
    )


class PracticeForm(forms.Form):
    """One practice of the program: its code stays as it is (practice logs refer to it)."""

    name = LimitedCharField(max_length=NAME_MAX, label="Name")
    description = LimitedCharField(
        max_length=PRACTICE_TEXT_MAX, required=False, label="Description", widget=_textarea(3)
    )
    adaptations = LimitedCharField(
        max_length=PRACTICE_TEXT_MAX,
        required=False,
        label="Adaptations for people with MS",
        widget=_textarea(3),
    )
    durations = LimitedCharField(
        max_length=60,
        required=False,
        label="Lengths offered, in minutes",
        help_text="Separate them with commas, for example 10, 20, 30, 45.",
    )

    def clean_durations(self) -> list[int]:
        text: str = self.cleaned_data["durations"]
        values: list[int] = []
        for part in text.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or not 1 <= int(part) <= 240:
                raise forms.ValidationError(
                    f"“{part}” is not a length in minutes. Write whole minutes from 1 to 240, "
                    "separated by commas."
                )
            values.append(int(part))
        return sorted(set(values))


class DraftSettingsForm(DraftBoundForm):
    name = LimitedCharField(
        max_length=NAME_MAX, label="Name", help_text="The name participants and staff see."
    )
    summary = LimitedCharField(
        max_length=SUMMARY_MAX, required=False, label="Summary", widget=_textarea(4)
    )
    completion_threshold = forms.IntegerField(
        label="Sessions needed to complete the course",
        min_value=1,
        error_messages={"min_value": "Enter a number of sessions of at least 1."},
    )
    default_session_minutes = forms.IntegerField(
        label="Usual length of a session, in minutes",
        min_value=5,
        max_value=480,
        error_messages={
            "min_value": "Enter at least 5 minutes.",
            "max_value": "Enter at most 480 minutes (8 hours).",
        },
    )

    def __init__(self, *args: Any, session_count: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_count = session_count
        self.fields[
            "completion_threshold"
        ].help_text = f"Of the course's {session_count} sessions that count (optional ones do not)."

    def clean_completion_threshold(self) -> int:
        value: int = self.cleaned_data["completion_threshold"]
        if value > self.session_count:
            raise forms.ValidationError(
                f"The course has {self.session_count} sessions that count: enter a number from "
                f"1 to {self.session_count}."
            )
        return value

    @staticmethod
    def initial_for(program: Program, *, draft_pk: int) -> dict[str, Any]:
        return {
            "draft": draft_pk,
            "name": program.name,
            "summary": program.summary,
            "completion_threshold": program.completion_threshold,
            "default_session_minutes": program.default_session_minutes,
        }


def practice_forms(program: Program, data: Any = None) -> list[PracticeForm]:
    return [
        PracticeForm(
            data,
            prefix=f"practice-{index}",
            initial={
                "name": item.get("name", ""),
                "description": item.get("description", ""),
                "adaptations": item.get("adaptations", ""),
                "durations": ", ".join(str(m) for m in item.get("durations", [])),
            },
        )
        for index, item in enumerate(program.practices)
    ]


class DraftWeekForm(DraftBoundForm):
    title = LimitedCharField(max_length=TITLE_MAX, label="Title")
    aims = LimitedCharField(
        max_length=LINES_MAX,
        required=False,
        label="Aims",
        help_text="One aim per line.",
        widget=_textarea(4),
    )
    material = LimitedCharField(
        max_length=MATERIAL_MAX,
        required=False,
        label="What participants read this week",
        help_text="Written in Markdown: a blank line starts a new paragraph, **bold**, "
        "*italic*, “- ” starts a list item, [words](https://…) makes a link. Scripts, frames "
        "and other web page code are removed from what participants see.",
        widget=_textarea(14),
    )
    home_practice = LimitedCharField(
        max_length=LINES_MAX,
        required=False,
        label="Home practice",
        help_text="One practice per line.",
        widget=_textarea(4),
    )
    reflection_prompt = LimitedCharField(
        max_length=PROMPT_MAX, required=False, label="Reflection question"
    )
    practices = forms.MultipleChoiceField(
        required=False,
        label="Practices this week uses",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose practices from the list."},
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practices"].choices = program.practice_choices()  # type: ignore[attr-defined]

    def clean_aims(self) -> str:
        return _lines(self.cleaned_data["aims"])

    def clean_home_practice(self) -> str:
        return _lines(self.cleaned_data["home_practice"])

    def clean_material(self) -> str:
        # Kept as typed (only line endings made the same): the coordinator's text is theirs,
        # the sanitizer decides what reaches a page.
        return str(self.cleaned_data["material"]).replace("\r\n", "\n").strip()

    @staticmethod
    def initial_for(week: ProgramSession, *, draft_pk: int) -> dict[str, Any]:
        return {
            "draft": draft_pk,
            "title": week.title,
            "aims": week.aims,
            "material": week.material,
            "home_practice": week.home_practice,
            "reflection_prompt": week.reflection_prompt,
            "practices": list(week.practices),
        }


def _lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def instrument_choices(current: list[str]) -> list[tuple[str, str]]:
    """The library's questionnaires, those the point asks first in the order it asks them (the
    order of the ticked boxes is the order they are asked in)."""
    library = {instrument.code: instrument for instrument in instrument_list()}
    ordered = [code for code in current if code in library]
    ordered += [code for code in library if code not in ordered]
    return [(code, f"{library[code].short_name}: {library[code].plain_name}") for code in ordered]


class MeasurementPointForm(forms.Form):
    label = LimitedCharField(max_length=NAME_MAX, label="Name")
    instruments = forms.MultipleChoiceField(
        label="Questionnaires, in the order they are asked",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one questionnaire.",
            "invalid_choice": "Choose questionnaires from the library's list.",
        },
    )
    opens_days = forms.IntegerField(
        label="Opens, days from the session",
        min_value=WINDOW_DAYS_MIN,
        max_value=WINDOW_DAYS_MAX,
        help_text="Negative is before it: -14 opens two weeks before.",
    )
    closes_days = forms.IntegerField(
        label="Closes, days from the session",
        min_value=WINDOW_DAYS_MIN,
        max_value=WINDOW_DAYS_MAX,
    )

    def __init__(self, *args: Any, point: MeasurementPoint, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.point = point
        self.fields["instruments"].choices = instrument_choices(list(point.instruments))  # type: ignore[attr-defined]
        anchor = point.get_anchor_display().lower()
        self.fields["opens_days"].label = f"Opens, days from the {anchor}"
        self.fields["closes_days"].label = f"Closes, days from the {anchor}"

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        opens, closes = cleaned.get("opens_days"), cleaned.get("closes_days")
        if opens is not None and closes is not None and opens >= closes:
            self.add_error(
                "closes_days",
                "The questionnaires must close after they open: enter a larger number of days "
                "than the opening day.",
            )
        return cleaned


def plan_forms(points: list[MeasurementPoint], data: Any = None) -> list[MeasurementPointForm]:
    return [
        MeasurementPointForm(
            data,
            prefix=f"point-{point.pk}",
            point=point,
            initial={
                "label": point.label,
                "instruments": list(point.instruments),
                "opens_days": point.opens_days,
                "closes_days": point.closes_days,
            },
        )
        for point in points
    ]
