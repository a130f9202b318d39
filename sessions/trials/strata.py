"""Strata: the program's screening choice questions a study may stratify by, and their cells.

A stratum is one combination of answers to the chosen questions ("sex=female|site=north");
a study without strata has the single stratum "all". The questions are read through
sessions/trials/eligibility.py `screening_form(program)` (the screening form as data).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from programs.models import Program
from sessions.trials.eligibility import ScreeningFormError, screening_form, screening_form_exists

ALL = "all"
MAX_STRATA = 48


@dataclass(frozen=True)
class StratumQuestion:
    """A screening choice question a study may stratify by."""

    code: str
    text: str
    options: tuple[tuple[str, str], ...]  # (value, label)

    def label_of(self, value: str) -> str:
        return dict(self.options).get(value, value)


def strata_questions(program: Program) -> dict[str, StratumQuestion]:
    """The program's screening choice questions, by code, in the form's order (none without a form)."""
    if not screening_form_exists(program):
        return {}
    try:
        form = screening_form(program)
    except ScreeningFormError:
        return {}
    return {
        q.code: StratumQuestion(
            code=q.code, text=q.text, options=tuple((o.value, o.label) for o in q.options)
        )
        for q in form.choice_questions
    }


def stratum_cells(questions: Sequence[StratumQuestion]) -> list[tuple[str, str]]:
    """Every stratum as (key, label): the product of the chosen questions' options."""
    if not questions:
        return [(ALL, "Everyone")]
    cells = []
    for combination in itertools.product(*(q.options for q in questions)):
        key = "|".join(
            f"{q.code}={value}" for q, (value, _label) in zip(questions, combination, strict=True)
        )
        label = ", ".join(label for _value, label in combination)
        cells.append((key, label))
    return cells


def stratum_count(questions: Iterable[StratumQuestion]) -> int:
    count = 1
    for question in questions:
        count *= len(question.options)
    return count


def stratum_of(
    questions: Sequence[StratumQuestion], answers: Mapping[str, Any]
) -> tuple[str, str] | str:
    """The stratum (key, label) of a person's screening answers, or the text of what is missing."""
    if not questions:
        return ALL, "Everyone"
    parts, labels = [], []
    for question in questions:
        value = answers.get(question.code)
        if isinstance(value, list | tuple):
            value = value[0] if len(value) == 1 else None
        if value is None or str(value) not in dict(question.options):
            return f"Their screening has no usable answer to “{question.text}”, which the study is stratified by."
        parts.append(f"{question.code}={value}")
        labels.append(question.label_of(str(value)))
    return "|".join(parts), ", ".join(labels)
