"""Running an export: record it, build its files, and finish the record when the bytes are out."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Organization, User
from sessions.reports.definitions import DEFINITIONS
from sessions.reports.exports.cells import cell
from sessions.reports.exports.columns import KINDS, column_meaning
from sessions.reports.exports.scope import ExportScope, Progress, Table
from sessions.reports.exports.tables import tables_for
from sessions.reports.exports.writers import csv_chunks, finishing, xlsx_file, zip_chunks
from sessions.reports.models import ExportRecord
from sessions.reports.services import (
    export_record_audit,
    export_record_finish,
    export_record_start,
)

FORMATS = ("csv", "xlsx")
FILES: dict[str, tuple[str, ...]] = {"responses": ("responses", "scores", "dictionary")}
CODEBOOK_COLUMNS = ("section", "name", "meaning")

ESCAPING = (
    "Text that begins with =, +, -, @, a tab or a carriage return is written with a single "
    "quote in front (') so that spreadsheet programs do not run it as a formula. Numbers are "
    "never escaped: a negative change is a number."
)
ROUNDING = (
    "Rates and shares: decimals from 0 to 1 with 4 places; means, SDs, confidence limits and "
    "effect sizes: 4 places; p-values: 4 significant digits. Rounding is half up."
)
CSV_FORMAT = (
    "CSV: UTF-8 (no byte-order mark), comma separated, a header row, LF line endings. Kinds "
    "with several files (responses) download as a zip of CSV files with this codebook as "
    "codebook.csv; ?file=<name> (or --file) gives one of them alone."
)


class ExportError(ValueError):
    """An export cannot be made as asked; the message says what to choose instead."""


@dataclass
class ExportOutput:
    """A finished or streaming export: send `chunks` (CSV, zip) or `file` (XLSX)."""

    filename: str
    content_type: str
    chunks: Iterator[bytes] | None = None
    file: IO[bytes] | None = None
    record: ExportRecord | None = field(default=None)


def file_choices(kind: str) -> tuple[str, ...]:
    return FILES.get(kind, ())


def _check(kind: str, fmt: str, file: str | None) -> None:
    if kind not in KINDS:
        raise ExportError(f"There is no “{kind}” export. Choose one of: {', '.join(KINDS)}.")
    if fmt not in FORMATS:
        raise ExportError(f"“{fmt}” is not a format we export. Choose csv or xlsx.")
    if file:
        if kind not in FILES:
            raise ExportError(f"The {kind} export has only one file.")
        if file not in FILES[kind]:
            raise ExportError(
                f"The {kind} export has no file “{file}”. Choose one of: {', '.join(FILES[kind])}."
            )
        if fmt != "csv":
            raise ExportError(
                "Choosing one file works for CSV only; XLSX has every file as a sheet."
            )


def codebook_table(
    *, kind: str, fmt: str, tables: list[Table], about: list[tuple[str, str]]
) -> Table:
    """The definitions, every column's meaning and what was exported, as a table of its own."""
    rows: list[list[str | None]] = [["export", name, meaning] for name, meaning in about]
    rows += [
        ["export", "kind", kind],
        ["export", "format", fmt],
        ["export", "text escaping", ESCAPING],
        ["export", "rounding", ROUNDING],
    ]
    if fmt == "csv":
        rows.append(["export", "csv", CSV_FORMAT])
    rows += [["definition", name, words] for name, words in DEFINITIONS]
    for table in tables:
        rows += [[f"{table.name} column", c, column_meaning(c)] for c in table.columns]
    return Table(
        "codebook",
        CODEBOOK_COLUMNS,
        lambda: iter([[cell(v) for v in row] for row in rows]),
        counted=False,
    )


def export_build(
    *,
    kind: str,
    fmt: str,
    scope: ExportScope,
    on_finish: Callable[[int, str], None],
    file: str | None = None,
    about: list[tuple[str, str]] | None = None,
    now: dt.datetime | None = None,
) -> ExportOutput:
    """The export's bytes (CSV/zip stream, or an XLSX file); `on_finish(rows, sha256)` at the end."""
    _check(kind, fmt, file)
    tables = tables_for(kind, scope)
    if file:
        tables = [t for t in tables if t.name == file]
    stamp = (now or timezone.now()).strftime("%Y%m%d-%H%M")
    stem = f"stillwater-{kind}{f'-{file}' if file else ''}-{stamp}"
    codebook = codebook_table(kind=kind, fmt=fmt, tables=tables, about=about or [])
    progress = Progress()
    if fmt == "csv" and len(tables) == 1:
        return ExportOutput(
            filename=f"{stem}.csv",
            content_type="text/csv; charset=utf-8",
            chunks=finishing(csv_chunks(tables[0], progress), progress, on_finish),
        )
    if fmt == "csv":
        return ExportOutput(
            filename=f"{stem}.zip",
            content_type="application/zip",
            chunks=finishing(zip_chunks([*tables, codebook], progress), progress, on_finish),
        )
    written = xlsx_file([*tables, codebook], progress)
    on_finish(progress.rows, written.checksum)
    return ExportOutput(
        filename=f"{stem}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file=written.file,
    )


def export_start(
    *,
    user: User | None,
    organization: Organization | None,
    kind: str,
    fmt: str,
    scope: ExportScope,
    filters: dict[str, object],
    file: str | None = None,
    source: str = "page",
    request: HttpRequest | None = None,
) -> ExportOutput:
    """Record an export (who, what, filters) and build it; rows and checksum are added at its end.

    Each export also makes exactly one audit event: when its last byte is out (with rows and
    checksum), or, for a download cut off part way, when the stream is closed.
    """
    _check(kind, fmt, file)
    record = export_record_start(
        user=user,
        organization=organization,
        kind=kind,
        format=fmt,
        filters=filters,
        identifiable=scope.identifiable,
        source=source,
    )

    audited = False

    def audit(**outcome: object) -> None:
        nonlocal audited
        audited = True
        export_record_audit(record=record, user=user, request=request, outcome=outcome)

    def finish(rows: int, checksum: str) -> None:
        export_record_finish(record=record, row_count=rows, checksum=checksum)
        audit(completed=True, row_count=rows, checksum=checksum)

    about = [
        ("exported by", record.actor),
        ("organization", organization.name if organization else "every organization"),
        ("exported at", record.created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("filters", json.dumps(filters, sort_keys=True) if filters else "none"),
        (
            "identifiable",
            "yes: names and e-mail addresses included"
            if scope.identifiable
            else "no: participant codes only",
        ),
    ]
    output = export_build(
        kind=kind,
        fmt=fmt,
        scope=scope,
        on_finish=finish,
        file=file,
        about=about,
        now=record.created_at,
    )
    output.record = record
    if output.chunks is not None:
        output.chunks = _closing(output.chunks, lambda: audited, lambda: audit(completed=False))
    return output


def _closing(
    chunks: Iterator[bytes], done: Callable[[], bool], on_cut_off: Callable[[], None]
) -> Iterator[bytes]:
    """Pass the chunks on; if the stream ends before its last byte (closed, failed), say so."""
    try:
        yield from chunks
    finally:
        if not done():
            on_cut_off()
