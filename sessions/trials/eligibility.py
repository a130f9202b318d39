"""Screening forms shipped as data: programs/screening/<program-slug>.json.

Each file is checked against programs/screening/schema.json and then against the rules a JSON
Schema cannot state (unique question codes, rules naming questions of the right type, a safety
flag the instrument has). A broken file raises ScreeningFormError naming the file; the trials
system check (sessions/trials/checks.py) loads every file so `manage.py check` refuses one.

`evaluate` is a pure function of the form and the answers (plus whether the person is already
in a course of the organization, which the service looks up), so every rule is testable alone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeGuard

from django.conf import settings

from programs.data_files import read_checked, schema_validator
from programs.instrument_library import Instrument, InstrumentError, instrument_get

SCREENING_DIR = Path(settings.BASE_DIR) / "programs" / "screening"
SCHEMA_FILE = "schema.json"

QuestionType = Literal["yes_no", "number", "choice", "instrument"]


class ScreeningFormError(Exception):
    """A screening data file is missing, malformed or inconsistent."""


class ScreeningAnswerError(Exception):
    """Answers that cannot be evaluated; `problems` maps a question code to a plain message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    type: QuestionType
    hint: str = ""
    min: int | None = None
    max: int | None = None
    unit: str = ""
    options: tuple[Option, ...] = ()
    instrument_code: str = ""

    @property
    def instrument(self) -> Instrument:
        return instrument_get(self.instrument_code)

    def label_for(self, value: Any) -> str:
        """An answer in words, as staff read it back."""
        if value is None:
            return "Not answered"
        if self.type == "yes_no":
            return "Yes" if value else "No"
        if self.type == "choice":
            return next((o.label for o in self.options if o.value == value), str(value))
        if self.type == "number":
            return f"{value} {self.unit}".strip()
        return str(value)


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    question: str
    reason: str
    value: int | None = None


@dataclass(frozen=True)
class SafetyFlag:
    question: str
    flag: str


@dataclass(frozen=True)
class ScreeningForm:
    program: str
    version: str
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    safety: tuple[SafetyFlag, ...]

    def question(self, code: str) -> Question:
        for question in self.questions:
            if question.code == code:
                return question
        raise KeyError(code)

    @property
    def choice_questions(self) -> tuple[Question, ...]:
        """Questions a study may stratify by."""
        return tuple(q for q in self.questions if q.type == "choice")


def _build(data: dict[str, Any]) -> ScreeningForm:
    return ScreeningForm(
        program=data["program"],
        version=data["version"],
        questions=tuple(
            Question(
                code=q["code"],
                text=q["text"],
                type=q["type"],
                hint=q.get("hint", ""),
                min=q.get("min"),
                max=q.get("max"),
                unit=q.get("unit", ""),
                options=tuple(Option(o["value"], o["label"]) for o in q.get("options", ())),
                instrument_code=q.get("instrument", ""),
            )
            for q in data["questions"]
        ),
        rules=tuple(
            Rule(
                code=r["code"],
                kind=r["kind"],
                question=r["question"],
                reason=r["reason"],
                value=r.get("value"),
            )
            for r in data["rules"]
        ),
        safety=tuple(SafetyFlag(s["question"], s["flag"]) for s in data["safety"]),
    )


RULE_TYPES = {
    "at_least": "number",
    "is_yes": "yes_no",
    "is_no": "yes_no",
    "not_in_another_course": "yes_no",
    "total_below": "instrument",
}


def _problems(form: ScreeningForm, stem: str) -> list[str]:
    problems: list[str] = []
    if form.program != stem:
        problems.append(f'program "{form.program}" does not match the file name "{stem}.json"')
    codes = [q.code for q in form.questions]
    if len(set(codes)) != len(codes):
        problems.append(f"question codes repeat: {codes}")
    types = {q.code: q for q in form.questions}
    for question in form.questions:
        if question.type == "number" and (question.min or 0) > (question.max or 0):
            problems.append(f'question "{question.code}": min is above max')
        if question.type == "instrument":
            try:
                question.instrument  # noqa: B018  (loads it: an unknown code is a problem)
            except InstrumentError as exc:
                problems.append(f'question "{question.code}": {exc}')
    rule_codes = [r.code for r in form.rules]
    if len(set(rule_codes)) != len(rule_codes):
        problems.append(f"rule codes repeat: {rule_codes}")
    for rule in form.rules:
        found = types.get(rule.question)
        if found is None:
            problems.append(f'rule "{rule.code}": no question "{rule.question}"')
        elif found.type != RULE_TYPES[rule.kind]:
            problems.append(
                f'rule "{rule.code}": {rule.kind} needs a {RULE_TYPES[rule.kind]} question, '
                f'"{rule.question}" is {found.type}'
            )
    for safety in form.safety:
        found = types.get(safety.question)
        if found is None or found.type != "instrument":
            problems.append(f'safety: "{safety.question}" is not an instrument question')
            continue
        flags = {f.name: f for f in found.instrument.flags}
        if flags.get(safety.flag) is None or flags[safety.flag].kind != "item_at_least":
            problems.append(f'safety: {found.instrument_code} has no item flag "{safety.flag}"')
    return problems


def load_form(path: Path, validator: Any) -> ScreeningForm:
    data = read_checked(path, validator, ScreeningFormError)
    form = _build(data)
    if problems := _problems(form, path.stem):
        raise ScreeningFormError(f"{path}: " + "; ".join(problems))
    return form


def load_forms(folder: Path | None = None) -> dict[str, ScreeningForm]:
    """Load and check every screening file in `folder` (default: programs/screening)."""
    folder = SCREENING_DIR if folder is None else folder
    validator = schema_validator(folder / SCHEMA_FILE, ScreeningFormError)
    return {
        path.stem: load_form(path, validator)
        for path in sorted(folder.glob("*.json"))
        if path.name != SCHEMA_FILE
    }


@functools.cache
def _shipped() -> dict[str, ScreeningForm]:
    return load_forms()


def screening_form(program: Any) -> ScreeningForm:
    """The screening form of a program (by its slug); ScreeningFormError if it has none."""
    slug = program if isinstance(program, str) else program.slug
    try:
        return _shipped()[slug]
    except KeyError:
        raise ScreeningFormError(f"There is no screening form for “{slug}”.") from None


def screening_form_exists(program: Any) -> bool:
    slug = program if isinstance(program, str) else program.slug
    return slug in _shipped()


# --- answers --------------------------------------------------------------------------------


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def answers_clean(form: ScreeningForm, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers as stored: every question answered with a value it allows; else
    ScreeningAnswerError naming each problem. Unknown keys are dropped."""
    problems: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for q in form.questions:
        value = answers.get(q.code)
        if q.type == "yes_no":
            if not isinstance(value, bool):
                problems[q.code] = f"Answer “{q.text}” with yes or no."
                continue
        elif q.type == "number":
            if not _is_int(value):
                problems[q.code] = f"Give a whole number for “{q.text}”."
                continue
            if not (q.min or 0) <= value <= (q.max or 0):
                problems[q.code] = (
                    f"“{q.text}”: {value} is not possible; give a number from {q.min} to {q.max}."
                )
                continue
        elif q.type == "choice":
            if value not in {o.value for o in q.options}:
                problems[q.code] = f"Choose an answer for “{q.text}”."
                continue
        else:
            instrument = q.instrument
            given = value if isinstance(value, dict) else {}
            items: dict[str, int] = {}
            for item in instrument.scored_items:
                answer = given.get(str(item.number))
                if not _is_int(answer) or answer not in item.values:
                    problems[f"{q.code}_{item.number}"] = (
                        f"Choose an answer for question {item.number} of “{q.text}”."
                    )
                else:
                    items[str(item.number)] = answer
            if len(items) != len(instrument.scored_items):
                continue
            value = items
        clean[q.code] = value
    if problems:
        raise ScreeningAnswerError(problems)
    return clean


def instrument_total(question: Question, value: dict[str, int]) -> int:
    """The instrument's total over its scored items (every item is asked in screening)."""
    instrument = question.instrument
    return sum(
        instrument.reverse(item.number, value[str(item.number)]) for item in instrument.scored_items
    )


def _met(rule: Rule, value: Any, question: Question, *, in_another_course: bool) -> bool:
    if rule.kind == "at_least":
        return value >= (rule.value or 0)
    if rule.kind == "is_yes":
        return value is True
    if rule.kind == "is_no":
        return value is False
    if rule.kind == "not_in_another_course":
        return value is False and not in_another_course
    return instrument_total(question, value) < (rule.value or 0)


def evaluate(
    form: ScreeningForm, answers: dict[str, Any], *, in_another_course: bool = False
) -> tuple[bool, list[dict[str, str]]]:
    """Eligible or not, with every rule not met as {"code", "text"} (in the form's order).

    `answers` must be clean (answers_clean). `in_another_course`: the person's e-mail belongs
    to an account with a current enrollment in the organization (looked up by the service).
    """
    reasons = [
        {"code": rule.code, "text": rule.reason}
        for rule in form.rules
        if not _met(
            rule,
            answers[rule.question],
            form.question(rule.question),
            in_another_course=in_another_course,
        )
    ]
    return not reasons, reasons


def safety_flagged(form: ScreeningForm, answers: dict[str, Any]) -> bool:
    """Whether an answer routes to the safety path (PHQ-9 item 9 above 0), whatever the verdict."""
    for safety in form.safety:
        question = form.question(safety.question)
        flag = next(f for f in question.instrument.flags if f.name == safety.flag)
        value = (answers.get(safety.question) or {}).get(str(flag.item))
        if _is_int(value) and value >= flag.value:
            return True
    return False
