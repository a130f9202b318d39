"""What goes into one cell of an exported file: safe text, numbers kept as numbers.

Spreadsheet programs run a cell that begins with = + - @ (and, in some, tab or carriage
return) as a formula: a participant code or cohort name like `=HYPERLINK("http://x")` would
become a live link or worse (OWASP "CSV injection"). Text that begins with one of those is
prefixed with a single quote, in CSV and XLSX alike, so both files say the same thing. Only
text is escaped: numbers are written as numbers, so a change of -3 stays a number a
spreadsheet can add up.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

Cell = str | int | float | Decimal | None

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RATE_PLACES = Decimal("0.0001")

# Characters XLSX (XML 1.0) cannot hold at all; openpyxl refuses them. Tab, LF and CR are fine.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def escape_text(value: str) -> str:
    """Text made safe from formula injection: a leading single quote when it could run."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def cell(value: object) -> Cell:
    """A Python value as it is exported: text escaped, booleans as 1/0, instants in UTC ISO 8601."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    # Characters XLSX cannot hold are dropped first, in CSV too, so the files agree and nothing
    # dropped later can uncover a formula sign.
    return escape_text(_XML_ILLEGAL.sub("", str(value)))


def rate4(value: Decimal | None) -> Decimal | None:
    """A rate as exported: a decimal from 0 to 1 with 4 places, rounded half up."""
    return None if value is None else value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def stat4(value: float | None) -> Decimal | None:
    """A statistic (mean, SD, CI, dz) with 4 decimal places, rounded half up."""
    if value is None:
        return None
    return Decimal(repr(value)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def p_value(value: float | None) -> float | None:
    """A p-value to 4 significant digits: tiny p-values stay readable numbers (1.234e-07)."""
    return None if value is None else float(f"{value:.4g}")


def csv_text(value: Cell) -> str:
    """How a cell is written in CSV: empty for nothing, numbers in plain digits."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)
