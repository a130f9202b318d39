"""Enrolling participants through the API: the CSV import's rules and words, in JSON.

The body names a cohort and lists participants with the import's columns (full_name, email,
phone, timezone, arm). Participant N of the list is "line N" in the problems, as a row of an
imported file is; nothing is created when anything is wrong.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from programs.csv_import import ParticipantRow, Problem, participant_problems
from sessions.api.records import MAX_ID


class ParticipantInputSerializer(serializers.Serializer[Any]):
    # Blanks are allowed here so that the import's own checks word what is missing.
    full_name = serializers.CharField(allow_blank=True, help_text="The person's full name.")
    email = serializers.CharField(allow_blank=True, help_text="Their e-mail address.")
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    timezone = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="An IANA zone such as Europe/London; empty: the cohort's.",
    )
    arm = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="intervention or control; empty: intervention (a study decides by randomization).",
    )


class EnrollmentCreateSerializer(serializers.Serializer[Any]):
    cohort = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The cohort to enrol them in (its id)."
    )
    participants = ParticipantInputSerializer(many=True, help_text="Up to 500 at once.")


class ProblemSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField(
        allow_null=True, help_text="Which participant of the list (1 is the first); null: the list."
    )
    field = serializers.CharField(allow_null=True, help_text="The field at fault, when one is.")
    message = serializers.CharField(help_text="As the CSV import says it: “Line 2: ...”.")


class EnrollmentProblemsSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    problems = ProblemSerializer(many=True)


Found = tuple[int | None, str | None, str]


def participant_rows(participants: list[dict[str, str]]) -> list[ParticipantRow]:
    """The list as the import reads a file: participant N is line N."""
    return [
        ParticipantRow(
            line=number,
            full_name=person["full_name"].strip(),
            email=person["email"].strip(),
            phone=person.get("phone", "").strip(),
            timezone=person.get("timezone", "").strip(),
            arm=person.get("arm", "").strip().lower(),
        )
        for number, person in enumerate(participants, start=1)
    ]


def _field_of(message: str, row: ParticipantRow | None) -> str | None:
    """Which field an import problem is about: the shared checks name it; the list's own
    checks (a repeated or enrolled address, an arm in a study) are about email or arm."""
    if row is not None:
        for name, text in participant_problems(
            full_name=row.full_name,
            email=row.email,
            phone=row.phone,
            timezone=row.timezone,
            arm=row.arm,
        ):
            if message.endswith(text):
                return name
        if row.email and row.email.lower() in message:
            return "email"
    if "arm" in message:
        return "arm"
    return None


def problems_of(problems: list[Problem], rows: list[ParticipantRow]) -> list[Found]:
    """The import's problems, each with its line, the field it is about and its words."""
    by_line = {row.line: row for row in rows}
    return [
        (
            problem.line,
            _field_of(problem.message, by_line.get(problem.line) if problem.line else None),
            str(problem),
        )
        for problem in problems
    ]


def problems_from_errors(
    errors: Any, line: int | None = None, field: str | None = None
) -> list[Found]:
    """DRF's nested errors (a value of the wrong type, a missing field) as lines and fields."""
    found: list[Found] = []
    if isinstance(errors, dict):
        for name, inner in errors.items():
            named = None if name == "non_field_errors" else name
            # A participant's errors come by position (a dict keyed by index, or a list).
            if named == "participants" and line is None:
                by_index = (
                    dict(enumerate(inner))
                    if isinstance(inner, list)
                    else {k: v for k, v in inner.items() if isinstance(k, int)}
                )
                for index, item in sorted(by_index.items()):
                    if item:
                        found += problems_from_errors(item, index + 1, None)
                if by_index or isinstance(inner, list):
                    continue
            found += problems_from_errors(inner, line, named if named else field)
    elif isinstance(errors, list):
        for inner in errors:
            found += problems_from_errors(inner, line, field)
    else:
        text = str(errors)
        where = f"{field}: " if field else ""
        found.append((line, field, f"Line {line}: {where}{text}" if line else f"{where}{text}"))
    return found
