"""The downloaded file: one JSON document, or a zip of one CSV file per table, each with a README
that says what every table holds and what is left out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from typing import Any

from django.utils import timezone

from accounts.models import User
from sessions.reports.exports.cells import escape_text
from sessions.rights.download.collect import DataTable, local_time

README = """\
Your data from Stillwater
=========================

This is a copy of everything Stillwater holds about you, made on {made}.
Times are in your time zone ({zone}), written like 2026-09-01T18:00:00+01:00
(the part after + or - says how far that is from UTC). Dates are written year-month-day.

{format_note}

What each part holds
--------------------
{tables}

What is not included
--------------------
Notes your course team writes for themselves are not included: facilitator notes about
sessions, follow-up to-dos after a missed session, and the team's notes after an answer
that needed a follow-up. These are working notes for the team only. If you want to know
what they say about you, ask your coordinator.

Scores are the numbers worked out from your answers. Staff flags and labels are not
included. Your course team can explain what your scores mean.

If something here is wrong, tell your course team. You can also leave your course or
ask for your details to be erased from the "My details" page.
"""

JSON_NOTE = "This file holds every part as a list of rows, under the names listed below."
CSV_NOTE = (
    "Each part is its own CSV file in this zip, named after the part (for example attendance.csv)."
)


def _readme(tables: list[DataTable], *, user: User, now: dt.datetime, format_note: str) -> str:
    listing = "\n".join(f"- {t.name}: {t.description}" for t in tables)
    return README.format(
        made=local_time(now, user.zoneinfo),
        zone=user.timezone,
        format_note=format_note,
        tables=listing,
    )


def participant_data_json(
    tables: list[DataTable], *, user: User, now: dt.datetime | None = None
) -> bytes:
    """One JSON document: the README text, when it was made, then every table as a list of rows."""
    now = now or timezone.now()
    document: dict[str, Any] = {
        "readme": _readme(tables, user=user, now=now, format_note=JSON_NOTE),
        "made_at": local_time(now, user.zoneinfo),
        "time_zone": user.timezone,
    }
    for table in tables:
        document[table.name] = [{c: r.get(c) for c in table.columns} for r in table.rows]
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        # A note starting with = would run as a formula when the file is opened in a spreadsheet.
        return escape_text(value)
    return str(value)


def _csv(table: DataTable) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_value(row.get(c)) for c in table.columns])
    # A byte-order mark so spreadsheet programs read accents and other scripts correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def participant_data_zip(
    tables: list[DataTable], *, user: User, now: dt.datetime | None = None
) -> bytes:
    """A zip of README.txt and one CSV file per table."""
    now = now or timezone.now()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(tables, user=user, now=now, format_note=CSV_NOTE))
        for table in tables:
            archive.writestr(f"{table.name}.csv", _csv(table))
    return buffer.getvalue()
