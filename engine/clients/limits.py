"""What reading an uploaded client file may cost, and the error that names the limit.

Every limit is checked before, or while, the part it bounds is read: a file over one is refused
at once with ``FileTooBig`` (an InputInvalid whose details say which limit: ``{"limit":
{"what", "limit", "row"}}``), so that an upload well inside the request size cannot keep the
server busy for minutes or unpack into gigabytes.
"""
from __future__ import annotations

from engine.shared.errors import InputInvalid

MB = 1024 * 1024
#: a file with more rows than this is refused (split it)
MAX_ROWS = 1_000_000
#: cells in one row (a client file needs about fifteen columns; Excel holds 16384)
MAX_COLUMNS = 1000
#: characters in one cell (the most an Excel cell holds)
MAX_CELL_CHARS = 32_767
#: cells of a whole sheet, blank ones included
MAX_CELLS = 20_000_000
#: the XML of one row of a sheet (and of whatever comes between two rows)
MAX_ROW_BYTES = 8 * MB
#: an XLSX is a zip: what its parts may unpack to altogether
MAX_XLSX_UNPACKED = 1024 * MB
#: the shared strings part (the texts of the cells), which is held in memory while importing
MAX_XLSX_SHARED_STRINGS = 48 * MB
#: how many texts the shared strings part may hold
MAX_XLSX_STRINGS = 1_000_000
#: the workbook, its relationships and styles, read whole
MAX_XLSX_SMALL_PART = 16 * MB

#: what each limit counts, in English (the web says it in the user's language from the code)
_WHAT = {
    "rows": "rows",
    "columns": "columns in a row",
    "cell_chars": "characters in a cell",
    "cells": "cells",
    "row_bytes": "of XML in one row",
    "unpacked": "unpacked",
    "shared_strings": "of texts (shared strings)",
    "strings": "texts (shared strings)",
    "part": "in one part of the workbook",
}
_BYTES = ("row_bytes", "unpacked", "shared_strings", "part")


class FileTooBig(InputInvalid):
    """A file over one of the limits above."""

    def __init__(self, what: str, limit: int, row: int | None = None, detail: str = "") -> None:
        where = f" (row {row})" if row is not None else ""
        shown = (f"{limit // MB} MB" if limit % MB == 0 else f"{limit} bytes") if what in _BYTES else f"{limit}"
        super().__init__(f"the file is over a limit of what an import reads{where}: at most {shown} "
                         f"{_WHAT[what]}{detail}. Split it, shorten it or save it as CSV",
                         {"limit": {"what": what, "limit": shown, "row": row}})
        self.what, self.limit = what, limit
