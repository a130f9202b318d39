"""Writing tables out: streamed CSV, a streamed zip of CSVs, and XLSX through a temporary file.

Memory stays flat: CSV rows are encoded into chunks of about CHUNK_BYTES and handed on as
they are made; a zip is written into a small sink that is emptied after every chunk (zip
members carry data descriptors, so nothing needs seeking back); openpyxl's write-only workbook
keeps each sheet in its own temporary file, and the finished workbook goes to an anonymous
temporary file that is streamed and disappears when closed.

The SHA-256 checksum is of exactly the bytes a person receives. A streamed file's checksum and
row count exist only once its last byte has been produced, so `on_finish` is called at the end
of the stream (an interrupted download is never finished); an XLSX file is complete before it
is sent, so its checksum is taken from the temporary file at once.

CSV: UTF-8 without a byte-order mark, a header row, comma separated, "\\n" line endings (the
same bytes PostgreSQL's COPY writes, so the fast path and the portable one agree).
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

# openpyxl ships no type information.
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.worksheet._write_only import WriteOnlyWorksheet  # type: ignore[import-untyped]

from sessions.reports.exports.cells import Cell, csv_text
from sessions.reports.exports.scope import Progress, Table

CHUNK_BYTES = 64 * 1024
FOUR_PLACES = "0.0000"
XLSX_MAX_ROWS = 1_048_576  # per sheet, header included


class CsvRows:
    """CSV rows into a text buffer with "\\n" line endings, quoting CR and LF inside fields.

    Python's csv module quotes a field only for the characters of its line terminator, so with
    "\\n" a carriage return inside a field (a participant code that begins with one, escaped
    but still there) would go out unquoted and split the row in most readers. Rows are
    therefore written with "\\r\\n" (both quoted) and the terminator cut back to "\\n".
    """

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self._writer = csv.writer(self.buffer, lineterminator="\r\n")

    def write(self, values: Iterable[Cell]) -> None:
        self._writer.writerow([csv_text(v) for v in values])
        end = self.buffer.tell()
        self.buffer.seek(end - 2)
        self.buffer.write("\n")
        self.buffer.truncate()

    def size(self) -> int:
        return self.buffer.tell()

    def take(self) -> bytes:
        data = self.buffer.getvalue().encode("utf-8")
        self.buffer.seek(0)
        self.buffer.truncate()
        return data


def csv_line(values: Iterable[Cell]) -> bytes:
    rows = CsvRows()
    rows.write(values)
    return rows.take()


def csv_chunks(table: Table, progress: Progress) -> Iterator[bytes]:
    """One table as CSV bytes, header first, in chunks of about CHUNK_BYTES."""
    yield csv_line(table.columns)
    if table.csv_body is not None:
        yield from table.csv_body(progress)
        return
    rows = CsvRows()
    for row in table.rows():
        rows.write(row)
        if table.counted:
            progress.rows += 1
        if rows.size() >= CHUNK_BYTES:
            yield rows.take()
    if rows.size():
        yield rows.take()


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream whose bytes are taken out as they arrive."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self._parts.append(chunk)
        return len(chunk)

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def zip_chunks(tables: list[Table], progress: Progress) -> Iterator[bytes]:
    """Several tables as one zip of CSV files (`<table>.csv`), streamed."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            with archive.open(f"{table.name}.csv", mode="w", force_zip64=True) as member:
                for chunk in csv_chunks(table, progress):
                    member.write(chunk)
                    if data := sink.drain():
                        yield data
            if data := sink.drain():
                yield data
    if data := sink.drain():
        yield data


def finishing(
    chunks: Iterator[bytes], progress: Progress, on_finish: Callable[[int, str], None]
) -> Iterator[bytes]:
    """Pass the chunks on, hashing them; report rows and checksum after the last one."""
    digest = hashlib.sha256()
    for chunk in chunks:
        if chunk:
            digest.update(chunk)
            yield chunk
    on_finish(progress.rows, digest.hexdigest())


def _xlsx_value(sheet: WriteOnlyWorksheet, value: Cell) -> object:
    if isinstance(value, Decimal) and value.as_tuple().exponent == -4:
        # Shown with its 4 places, as in the CSV, yet still a number to the spreadsheet.
        styled = WriteOnlyCell(sheet, value=value)
        styled.number_format = FOUR_PLACES
        return styled
    return value


@dataclass(frozen=True)
class WrittenFile:
    file: IO[bytes]
    checksum: str
    size: int


def xlsx_file(tables: list[Table], progress: Progress) -> WrittenFile:
    """Every table on its own sheet, in an anonymous temporary file positioned at its start.

    A sheet holds at most XLSX_MAX_ROWS rows (Excel's limit); a longer table goes on into
    `<name>_2`, `<name>_3`, ... each with the header again.
    """
    workbook = Workbook(write_only=True)
    for table in tables:
        part, rows_here = 1, XLSX_MAX_ROWS  # start a sheet on the first row
        sheet: Any = None  # WriteOnlyWorksheet, made on the first row
        for row in table.rows():
            if rows_here >= XLSX_MAX_ROWS:
                sheet = workbook.create_sheet(
                    title=table.name if part == 1 else f"{table.name}_{part}"
                )
                sheet.append(list(table.columns))
                part, rows_here = part + 1, 1
            sheet.append([_xlsx_value(sheet, v) for v in row])
            rows_here += 1
            if table.counted:
                progress.rows += 1
        if sheet is None:  # no rows: the header alone
            workbook.create_sheet(title=table.name).append(list(table.columns))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response that sends it
    workbook.save(handle)
    handle.seek(0)
    digest = hashlib.sha256()
    size = 0
    while block := handle.read(CHUNK_BYTES):
        digest.update(block)
        size += len(block)
    handle.seek(0)
    return WrittenFile(file=handle, checksum=digest.hexdigest(), size=size)


# Progress is defined with Table in scope.py; it is exported here too because whoever writes
# tables out with these functions needs one.
__all__ = [
    "CHUNK_BYTES",
    "XLSX_MAX_ROWS",
    "CsvRows",
    "Progress",
    "WrittenFile",
    "csv_chunks",
    "csv_line",
    "finishing",
    "xlsx_file",
    "zip_chunks",
]
