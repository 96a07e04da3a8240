"""The explorer's list as a CSV or XLSX file: text that a spreadsheet would run as a formula is
quote-prefixed in CSV (engine.clients.files.escape_formula, as the client export does) and
written as text, never as a formula, in XLSX."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import IO, Any

from engine.clients.files import escape_formula
from engine.regulation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.shared.errors import InputInvalid
from engine.shared.notices import coded

#: the most rows an XLSX export holds (the workbook is built in memory; CSV streams, unbounded)
MAX_XLSX_ROWS = 100_000


def csv_lines(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """A CSV file (UTF-8 with a byte-order mark, so Excel reads Cyrillic right) as text chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff"
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([escape_formula(v) for v in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def refuse_oversized_xlsx(total: int, limit: int | None = None) -> None:
    """InputInvalid naming the limit when ``total`` cycles are more than an XLSX file takes."""
    most = MAX_XLSX_ROWS if limit is None else limit
    if total > most:
        raise coded(InputInvalid, "export_xlsx_too_many", {"limit": most},
                    {"fields": {"format": f"XLSX takes at most {most} cycles"}, "limit": most})


def write_xlsx(header: list[str], rows: Iterable[list[str]], target: IO[bytes], limit: int | None = None) -> None:
    """An XLSX workbook written row by row (openpyxl write-only mode); every cell is text.
    A workbook is built in memory before it is sent: more than ``limit`` rows (``MAX_XLSX_ROWS``)
    is refused (InputInvalid naming the limit); callers check the count first (refuse_oversized_xlsx)."""
    from openpyxl import Workbook

    most = MAX_XLSX_ROWS if limit is None else limit
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Cycles")

    def text(value: str) -> Any:
        if not value.startswith("="):
            return value or None
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, not the formula openpyxl would make of it
        return cell

    sheet.append(header)
    for count, row in enumerate(rows, start=1):
        if count > most:  # cycles started after the count (refuse_oversized_xlsx) was taken
            book.save(io.BytesIO())  # closes the sheet's stream and removes its temporary file
            refuse_oversized_xlsx(count, most)
        sheet.append([text(v) for v in row])
    book.save(target)
