"""Forms for setting up a study and correcting an allocation; the service checks the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import slugify

from programs.models import Arm, Cohort, Program
from sessions.trials.models import StudyArm
from sessions.trials.strata import StratumQuestion

ARM_ROWS = 3

ROLE_NOW = "now"
ROLE_WAITLIST = "waitlist"
ROLE_ACTIVE = "active"
ROLE_CHOICES = [
    (ROLE_NOW, "Gets the course now"),
    (ROLE_WAITLIST, "Waitlist control (gets the course later)"),
    (ROLE_ACTIVE, "Active control"),
]
# What each role means for the enrollment and the comparison.
ROLE_ARMS = {
    ROLE_NOW: (Arm.INTERVENTION.value, False),
    ROLE_WAITLIST: (Arm.CONTROL.value, True),
    ROLE_ACTIVE: (Arm.CONTROL.value, True),
}
BLOCK_CHOICES = [
    (1, "Once the ratio (for 1:1, blocks of 2)"),
    (2, "Twice the ratio (for 1:1, blocks of 4)"),
    (3, "Three times the ratio (for 1:1, blocks of 6)"),
    (4, "Four times the ratio (for 1:1, blocks of 8)"),
]
DEFAULT_ARMS = [
    ("Course now", 1, ROLE_NOW, "Your course starts soon: your sessions will appear here."),
    (
        "Course later (waitlist)",
        1,
        ROLE_WAITLIST,
        "You fill in the same questionnaires at the same times as everyone else. After the last "
        "of them, in about four months, we offer you the course.",
    ),
]


class ProgramChoiceForm(forms.Form):
    program = forms.ModelChoiceField(
        label="Program", queryset=Program.objects.none(), to_field_name="slug", empty_label=None
    )

    def __init__(self, *args: Any, programs: QuerySet[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program_field = self.fields["program"]
        assert isinstance(program_field, forms.ModelChoiceField)  # noqa: S101 - declared above
        program_field.queryset = programs


class StudyCohortAddForm(forms.Form):
    """Add a later cohort of the study's program to it."""

    cohort = forms.ModelChoiceField(
        label="Cohort to add",
        queryset=Cohort.objects.none(),
        empty_label=None,
        help_text="Cohorts of this program whose participants have no group yet.",
        error_messages={
            "required": "Choose a cohort.",
            "invalid_choice": "Choose one of the cohorts listed.",
        },
    )

    def __init__(self, *args: Any, cohorts: QuerySet[Cohort], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["cohort"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = cohorts


class StudyForm(forms.Form):
    name = forms.CharField(label="Name of the study", max_length=160)
    cohorts = forms.ModelMultipleChoiceField(
        label="Cohorts in the study",
        queryset=Cohort.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only cohorts whose participants have no group yet. You can add cohorts later.",
    )
    strata = forms.MultipleChoiceField(
        label="Stratify by",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Answers from the screening. Each combination gets its own sequence.",
    )
    block_multiples = forms.TypedMultipleChoiceField(
        label="Block sizes",
        choices=BLOCK_CHOICES,
        coerce=int,
        initial=[1, 2, 3],
        widget=forms.CheckboxSelectMultiple,
        help_text="Each new block's size is drawn at random from the ones chosen, so nobody can "
        "guess the next group from the ones before.",
    )

    def __init__(
        self,
        *args: Any,
        cohorts: QuerySet[Cohort],
        questions: dict[str, StratumQuestion],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cohort_field = self.fields["cohorts"]
        assert isinstance(cohort_field, forms.ModelMultipleChoiceField)  # noqa: S101 - declared above
        cohort_field.queryset = cohorts
        strata_field = self.fields["strata"]
        assert isinstance(strata_field, forms.MultipleChoiceField)  # noqa: S101 - declared above
        strata_field.choices = [(code, q.text) for code, q in questions.items()]
        if not questions:
            strata_field.help_text = (
                "The program's screening has no choice questions to stratify by."
            )
        for row in range(1, ARM_ROWS + 1):
            default = DEFAULT_ARMS[row - 1] if row <= len(DEFAULT_ARMS) else ("", 1, ROLE_NOW, "")
            optional = " (optional)" if row > len(DEFAULT_ARMS) else ""
            self.fields[f"arm{row}_label"] = forms.CharField(
                label=f"Arm {row}: name{optional}",
                max_length=120,
                required=False,
                initial=default[0],
            )
            self.fields[f"arm{row}_ratio"] = forms.IntegerField(
                label=f"Arm {row}: share of the ratio",
                min_value=1,
                max_value=10,
                initial=default[1],
                required=False,
                help_text="A whole number: 2 here and 1 for the other arm gives 2:1.",
            )
            self.fields[f"arm{row}_role"] = forms.ChoiceField(
                label=f"Arm {row}: what this arm gets",
                choices=ROLE_CHOICES,
                initial=default[2],
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"arm{row}_next"] = forms.CharField(
                label=f"Arm {row}: what the participant is told",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                max_length=1000,
                initial=default[3],
                help_text="Shown on their home page and in the e-mail once they are allocated.",
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        arms = []
        for row in range(1, ARM_ROWS + 1):
            label = (cleaned.get(f"arm{row}_label") or "").strip()
            if not label:
                continue
            ratio = cleaned.get(f"arm{row}_ratio")
            if ratio is None and f"arm{row}_ratio" not in self.errors:
                self.add_error(f"arm{row}_ratio", f"Give arm {row}'s share of the ratio.")
            role = cleaned.get(f"arm{row}_role") or ""
            if role not in ROLE_ARMS:
                self.add_error(f"arm{row}_role", f"Choose what arm {row} gets.")
                continue
            enrollment_arm, comparator = ROLE_ARMS[role]
            arms.append(
                {
                    "code": slugify(label)[:40] or f"arm-{row}",
                    "label": label,
                    "ratio": ratio,
                    "enrollment_arm": enrollment_arm,
                    "is_comparator": comparator,
                    "what_happens_next": cleaned.get(f"arm{row}_next") or "",
                }
            )
        cleaned["arms"] = arms
        return cleaned

    def arm_rows(self) -> list[list[forms.BoundField]]:
        """The arm fields grouped per arm, for one fieldset each."""
        return [
            [self[f"arm{row}_{part}"] for part in ("label", "ratio", "role", "next")]
            for row in range(1, ARM_ROWS + 1)
        ]

    def study_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "cohorts", "strata", "block_multiples")]


class AllocationCorrectForm(forms.Form):
    arm = forms.ModelChoiceField(
        label="Their correct group",
        queryset=StudyArm.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    reason = forms.CharField(
        label="Reason for the correction",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the correction and shown on the study page. Say what went wrong.",
    )

    def __init__(self, *args: Any, arms: QuerySet[StudyArm], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        arm_field = self.fields["arm"]
        assert isinstance(arm_field, forms.ModelChoiceField)  # noqa: S101 - declared above
        arm_field.queryset = arms
