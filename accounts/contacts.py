"""Contact lines as people can use them: the phone numbers in them become links to call.

An organization types its crisis contacts as free text, one per line ("Samaritans: 116 123
(24 hours)"). On a phone, a number someone has to copy by hand is one more step at the worst
moment, so each number becomes a tel: link (sms: where the line says to text it). The words stay
exactly as typed; only the number itself is the link, and a line without a number stays text.

Nothing here builds markup: a line is split into parts that the template prints (and escapes)
one by one, so text an organization typed can never become HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A number as people write it: an optional international prefix, an optional area code or
# trunk digit in brackets ("(020)", "+44 (0)20"), then groups of digits joined by a single
# space, dot or hyphen. Not part of a word or of a time ("9:00", "24/7"), so "(24 hours)" or
# "9:00 to 17:00" are left alone.
_NUMBER = re.compile(
    r"""
    (?<![\w+:/])
    (?:\+\s?\d{1,4}[\s.-]?)?
    (?:\(\d{1,5}\)[\s.-]?)?
    \d+(?:[\s.-]\d+)*
    (?![\w:/])
    """,
    re.VERBOSE,
)
# Fewer digits is a count, a floor or a weekday; more than E.164 allows is not a phone number.
_MIN_DIGITS, _MAX_DIGITS = 3, 15
# "text 85258", "SMS 85258", "Text SHOUT to 85258": a number to send a text message to.
_TEXT_BEFORE = re.compile(r"\b(?:text|sms)\b(?:\s+\S+\s+to)?[\s:]*$", re.IGNORECASE)


@dataclass(frozen=True)
class ContactPart:
    """A piece of a contact line: plain text, or a number with the address that calls it."""

    text: str
    href: str = ""


@dataclass(frozen=True)
class ContactLine:
    parts: tuple[ContactPart, ...]

    @property
    def text(self) -> str:
        return "".join(part.text for part in self.parts)

    @property
    def has_link(self) -> bool:
        return any(part.href for part in self.parts)


def _dial_string(number: str) -> str:
    """What a phone dials: "+44 (0)20 7946 0000" → "+442079460000", "116 123" → "116123"."""
    international = number.lstrip().startswith("+")
    if international:
        # The bracketed trunk 0 is dropped when dialling from abroad.
        number = re.sub(r"\(0\)", "", number)
    digits = re.sub(r"\D", "", number)
    return f"+{digits}" if international else digits


def contact_line_parse(line: str) -> ContactLine:
    """Split one typed line into text and numbers, each number with its tel: (or sms:) link."""
    parts: list[ContactPart] = []
    position = 0
    for match in _NUMBER.finditer(line):
        number = match.group(0)
        digits = re.sub(r"\D", "", number)
        if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
            continue
        before = line[position : match.start()]
        if before:
            parts.append(ContactPart(before))
        scheme = "sms" if _TEXT_BEFORE.search(line[: match.start()]) else "tel"
        parts.append(ContactPart(number, f"{scheme}:{_dial_string(number)}"))
        position = match.end()
    if position < len(line):
        parts.append(ContactPart(line[position:]))
    return ContactLine(tuple(parts))


def contact_lines_parse(text: str) -> list[ContactLine]:
    """One ContactLine per non-empty line of `text`."""
    return [contact_line_parse(line.strip()) for line in text.splitlines() if line.strip()]
