"""Reading a list of participants from CSV text: every row checked, every problem named by line.

A plain function, so the rules are tested without HTTP; the import service adds the checks
that need the database (addresses already in the cohort) and the page shows both the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.models import timezone_choices

from .models import Arm

MAX_ROWS = 500
COLUMNS = ("name", "email", "phone", "timezone", "arm")
REQUIRED_COLUMNS = ("name", "email")
EXAMPLE_HEADER = "name,email,phone,timezone"
MAX_NAME = 200
MAX_PHONE = 32
# The address columns hold 254 characters; validate_email lets up to 320 through.
MAX_EMAIL = 254


class CsvDecodeError(ValueError):
    """The uploaded bytes are not UTF-8 text; the message says how to fix that."""


@dataclass(frozen=True)
class ParticipantRow:
    """One participant to invite, as read from line `line` of the list."""

    line: int
    full_name: str
    email: str
    phone: str = ""
    timezone: str = ""
    arm: str = ""


@dataclass(frozen=True)
class Problem:
    """Something wrong with the list; `line` is None when it is about the list as a whole."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ParseResult:
    rows: list[ParticipantRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def csv_decode(data: bytes) -> str:
    """The text of an uploaded file; a byte-order mark (added by Excel) is dropped."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvDecodeError(
            "The file is not saved as UTF-8 text, so names with accents would come out wrong. "
            "In your spreadsheet choose “Save as”, then “CSV UTF-8”, and upload that file."
        ) from None


@cache
def _zones_by_lower_name() -> dict[str, str]:
    # People type "europe/london"; the canonical spelling is what we store.
    return {name.lower(): name for name, _label in timezone_choices()}


def timezone_canonical(value: str) -> str | None:
    """The IANA spelling of a zone name typed in any case, or None for an unknown zone."""
    return _zones_by_lower_name().get(value.strip().lower())


def email_is_valid(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _header_problems(header: list[str], line: int) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(line, f"the column “{name}” appears twice."))
        seen.add(name)
        if name not in COLUMNS:
            problems.append(
                Problem(
                    line,
                    f"the column “{name}” is not one we know. The columns are name, email, "
                    "phone, timezone and arm (phone, timezone and arm may be left out).",
                )
            )
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            problems.append(
                Problem(
                    line,
                    f"the first line must name the columns, for example “{EXAMPLE_HEADER}”; "
                    f"the “{name}” column is missing.",
                )
            )
    return problems


def participant_problems(
    *, full_name: str, email: str, phone: str = "", timezone: str = "", arm: str = ""
) -> list[tuple[str, str]]:
    """What is wrong with one participant's details, as (field, message) pairs; empty when fine.

    Shared by the list import and the one-at-a-time form so both refuse the same things.
    """
    problems = []
    if not full_name:
        problems.append(("full_name", "the name is missing."))
    elif len(full_name) > MAX_NAME:
        problems.append(("full_name", f"the name is longer than {MAX_NAME} characters."))
    if not email:
        problems.append(("email", "the e-mail address is missing."))
    elif len(email) > MAX_EMAIL:
        problems.append(("email", f"the e-mail address is longer than {MAX_EMAIL} characters."))
    elif not email_is_valid(email):
        problems.append(("email", f"“{email}” is not an e-mail address."))
    if len(phone) > MAX_PHONE:
        problems.append(("phone", f"the phone number is longer than {MAX_PHONE} characters."))
    if timezone and not timezone_canonical(timezone):
        problems.append(
            ("timezone", f"“{timezone}” is not a time zone name such as Europe/London.")
        )
    if arm and arm.lower() not in (Arm.INTERVENTION, Arm.CONTROL):
        problems.append(
            (
                "arm",
                f"the arm “{arm}” is not known; use intervention or control, "
                "or leave it empty for intervention.",
            )
        )
    return problems


def _row(
    line: int, values: dict[str, str], seen_emails: dict[str, int], enrolled: Collection[str]
) -> tuple[ParticipantRow | None, list[Problem]]:
    name = values.get("name", "")
    email = values.get("email", "").lower()
    phone = values.get("phone", "")
    zone = values.get("timezone", "")
    arm = values.get("arm", "")
    problems = [
        Problem(line, message)
        for _field, message in participant_problems(
            full_name=name, email=values.get("email", ""), phone=phone, timezone=zone, arm=arm
        )
    ]
    if email and email_is_valid(email):
        if email in seen_emails:
            problems.append(
                Problem(line, f"{email} is already on line {seen_emails[email]} of this list.")
            )
        elif email in enrolled:
            problems.append(Problem(line, f"{email} is already enrolled in this cohort."))
        seen_emails.setdefault(email, line)
    if problems:
        return None, problems
    row = ParticipantRow(
        line=line,
        full_name=name,
        email=email,
        phone=phone,
        timezone=(timezone_canonical(zone) or "") if zone else "",
        # Empty: the cohort decides (intervention, or "pending" in a randomized study).
        arm=arm.lower(),
    )
    return row, []


def parse_participants(text: str, *, enrolled_emails: Collection[str] = ()) -> ParseResult:
    """Every participant in a CSV list with a header row, or every problem with its line number.

    `enrolled_emails` (lower-case) are addresses already in the cohort. Nothing is created
    from a list with any problem, so all of them are reported at once.
    """
    result = ParseResult()
    empty = Problem(
        None,
        f"The list is empty. Paste the participants, starting with the line “{EXAMPLE_HEADER}”, "
        "or choose a file.",
    )
    if not text.strip():
        result.problems.append(empty)
        return result

    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header: list[str] | None = None
    header_line = 1
    records: list[tuple[int, list[str]]] = []
    try:
        for raw in reader:
            values = [value.strip() for value in raw]
            # Spreadsheets export trailing empty rows as ",,,"; they are nobody.
            if not any(values):
                continue
            if header is None:
                header = [value.lower() for value in values]
                header_line = reader.line_num
                continue
            records.append((reader.line_num, values))
    except csv.Error as exc:
        result.problems.append(
            Problem(reader.line_num, f"this line cannot be read as CSV ({exc}).")
        )
        return result

    if header is None:
        result.problems.append(empty)
        return result
    problems = _header_problems(header, header_line)
    if problems:
        result.problems.extend(problems)
        return result
    if not records:
        result.problems.append(
            Problem(None, "There are no participants in the list, only the column names.")
        )
        return result
    if len(records) > MAX_ROWS:
        result.problems.append(
            Problem(
                None,
                f"The list has {len(records)} participants; at most {MAX_ROWS} can be added "
                "at once. Please split it into smaller lists.",
            )
        )
        return result

    enrolled = {email.lower() for email in enrolled_emails}
    seen_emails: dict[str, int] = {}
    for line, values in records:
        if len(values) != len(header):
            result.problems.append(
                Problem(
                    line,
                    f"expected {len(header)} values ({', '.join(header)}) but found "
                    f"{len(values)}. A value with a comma in it needs quotation marks around it.",
                )
            )
            continue
        row, row_problems = _row(
            line, dict(zip(header, values, strict=True)), seen_emails, enrolled
        )
        result.problems.extend(row_problems)
        if row is not None:
            result.rows.append(row)
    if result.problems:
        result.rows = []
    return result
