"""Client files: the columns of an import or export, and reading and writing CSV and XLSX.

Reading is a stream: ``open_table`` gives the headers and an iterator of rows, never the
whole file at once. Rows are numbered as a spreadsheet shows them: the header is row 1, the
first client row 2 (a CSV cell spanning lines stays one row, as in Excel); blank rows are
skipped but keep their numbers.

CSV: UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's "Unicode text"),
otherwise Windows-1251 (what Russian Excel writes); the delimiter is the one of ``,`` ``;``
tab that splits the header into the most columns (an Excel ``sep=;`` first line wins).
XLSX: the active sheet, streamed by engine.clients.xlsx. Both kinds are read within the limits
of engine.clients.limits (rows, columns, cell length, the XML of a row, unpacked sizes, shared
strings), checked before or while the part they bound is read; a file over one is refused with
FileTooBig naming it. Opening a table reads its header row only; a preview asks ``rows`` for
a few rows (``scan``), blank ones counted, and the reading stops there.

Exports quote-prefix (``'``) text that a spreadsheet would run as a formula (starting with
``=``, ``@``, or ``+``/``-`` when it is not a phone number); reading drops that prefix again,
so an exported file imports back unchanged.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from engine.clients import (
    error_texts,  # noqa: F401  (registers the codes raised here)
    limits,
)
from engine.clients.limits import FileTooBig
from engine.clients.xlsx import Book, cell_text
from engine.shared.errors import InputInvalid
from engine.shared.notices import coded


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the English header of exports
    max_length: int
    synonyms: tuple[str, ...]  # normalised headers (see normalise_header) read as this field


#: every field a client file may carry, in export order; "note" is import-only (a client note)
COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", 300, (
        "name", "client", "client name", "company", "company name", "organization", "organisation",
        "account", "account name", "название", "наименование", "компания", "клиент", "организация",
        "название компании", "наименование организации", "название клиента")),
    Column("kind", "Kind", 8, ("kind", "type", "client type", "client kind", "тип", "тип клиента", "вид")),
    Column("tax_id", "Tax ID", 20, ("tax id", "taxid", "tax number", "tin", "inn", "vat", "vat id", "vat number",
                                    "инн")),
    Column("industry", "Industry", 100, ("industry", "sector", "отрасль", "сфера", "сфера деятельности")),
    Column("region", "Region", 100, ("region", "city", "area", "регион", "город", "область")),
    Column("size", "Size", 20, ("size", "company size", "размер", "размер компании")),
    Column("source", "Source", 100, ("source", "lead source", "channel", "источник", "канал")),
    Column("status", "Status", 16, ("status", "client status", "статус")),
    Column("segment", "Segment", 100, ("segment", "сегмент")),
    Column("owner", "Owner", 64, ("owner", "owner login", "manager", "responsible", "account manager",
                                  "ответственный", "менеджер", "владелец")),
    Column("contact", "Contact", 200, ("contact", "contact name", "contact person", "person", "full name",
                                       "фио", "контакт", "контактное лицо", "имя контакта")),
    Column("position", "Position", 200, ("position", "title", "job title", "должность")),
    Column("phone", "Phone", 50, ("phone", "telephone", "tel", "phone number", "mobile", "телефон", "тел",
                                  "мобильный", "номер телефона")),
    Column("email", "E-mail", 254, ("email", "e mail", "mail", "email address", "почта", "электронная почта",
                                    "эл почта", "e mail адрес")),
    Column("note", "Note", 2000, ("note", "notes", "comment", "comments", "description", "примечание",
                                  "комментарий", "заметка", "заметки", "описание")),
)
FIELDS = tuple(c.field for c in COLUMNS)
BY_FIELD = {c.field: c for c in COLUMNS}
#: the columns of an export (and so of a round trip)
EXPORT_COLUMNS = tuple(c for c in COLUMNS if c.field != "note")

_SYNONYMS = {synonym: c.field for c in COLUMNS for synonym in c.synonyms}
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_FORMULA_START = ("=", "@", "+", "-", "\t", "\r")
_PHONE_LIKE = re.compile(r"^[+\-]?[\d\s().\-]+$")


def normalise_header(header: str) -> str:
    return " ".join(_NON_WORD.sub(" ", header.lower().replace("ё", "е")).split())


def guess_mapping(headers: Iterable[str]) -> dict[str, str]:
    """File column -> field for the headers we recognise (English and Russian); each field once."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        field = _SYNONYMS.get(normalise_header(header))
        if field and field not in taken:
            mapping[header] = field
            taken.add(field)
    return mapping


def escape_formula(value: str) -> str:
    if value.startswith(_FORMULA_START) and not _PHONE_LIKE.match(value):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


class Table(Protocol):
    headers: list[str]

    def rows(self, scan: int | None = None) -> Iterator[tuple[int, list[str]]]:
        """(row number, cell texts) of each non-blank row after the header; with ``scan``, of
        the first ``scan`` rows after it, blank ones counted (a preview reads no further)."""

    def count(self) -> int:
        """How many rows ``rows()`` will give (an estimate for XLSX: trailing blank rows count)."""


def _unique(headers: list[str]) -> list[str]:
    """Headers as mapping keys: blanks named by position, repeats numbered ("Phone (2)")."""
    seen: dict[str, int] = {}
    out = []
    for index, header in enumerate(headers, start=1):
        header = header.strip() or f"Column {index}"
        seen[header] = seen.get(header, 0) + 1
        out.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return out


def _blank(cells: list[str]) -> bool:
    return not any(cells)


def _checked_record(record: list[str], number: int) -> list[str]:
    """A CSV record within the limits of columns and cell length."""
    if len(record) > limits.MAX_COLUMNS:
        raise FileTooBig("columns", limits.MAX_COLUMNS, number)
    if any(len(cell) > limits.MAX_CELL_CHARS for cell in record):
        raise FileTooBig("cell_chars", limits.MAX_CELL_CHARS, number)
    return record


# ---------------------------------------------------------------- CSV

def _encoding(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1251"
    return "utf-8"


class CsvTable:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.encoding = _encoding(path)
        with self._open() as f:
            first = self._line(f)
            self.skip_sep_line = first.lower().startswith("sep=") and len(first.strip()) == 5
            if self.skip_sep_line:
                self.delimiter = first.strip()[4]
                first = self._line(f)
            else:
                self.delimiter = max((",", ";", "\t"), key=lambda d: len(next(csv.reader([first], delimiter=d), [])))
        header = next(csv.reader([first], delimiter=self.delimiter), [])
        self.headers = _unique([unescape_formula(h.strip()) for h in _checked_record(header, 1)])

    def _open(self) -> IO[str]:
        return self.path.open("r", encoding=self.encoding, newline="")

    @staticmethod
    def _line(f: IO[str]) -> str:
        line = f.readline(limits.MAX_ROW_BYTES)
        if len(line) >= limits.MAX_ROW_BYTES and not line.endswith("\n"):
            raise FileTooBig("row_bytes", limits.MAX_ROW_BYTES, 1)
        return line

    def _records(self, scan: int | None = None) -> Iterator[tuple[int, list[str]]]:
        with self._open() as f:
            if self.skip_sep_line:
                f.readline()
            reader = csv.reader(f, delimiter=self.delimiter)
            number = 1
            try:
                next(reader, None)  # the header
                for number, record in enumerate(reader, start=2):
                    if number > limits.MAX_ROWS + 1:
                        raise FileTooBig("rows", limits.MAX_ROWS, number)
                    cells = [unescape_formula(c.strip()) for c in _checked_record(record, number)]
                    if not _blank(cells):
                        yield number, cells
                    if scan is not None and number > scan:
                        return
            except (csv.Error, UnicodeError) as exc:
                raise coded(InputInvalid, "import_csv_unreadable_after",
                            {"row": str(number), "reason": str(exc)}) from None

    def rows(self, scan: int | None = None) -> Iterator[tuple[int, list[str]]]:
        return self._records(scan)

    def count(self) -> int:
        return sum(1 for _ in self._records())


# ---------------------------------------------------------------- XLSX

class XlsxTable:
    """The active sheet, streamed by engine.clients.xlsx within engine.clients.limits: opening
    it reads the first row and nothing more of the sheet."""

    def __init__(self, path: Path) -> None:
        self.book = Book(path)
        try:
            first = next(self.book.rows(1, scan=1), (0, []))
            self.headers = _unique([cell_text(v, unescape_formula) for v in first[1]] if first[0] == 1 else [])
        except BaseException:
            self.book.close()
            raise

    def rows(self, scan: int | None = None) -> Iterator[tuple[int, list[str]]]:
        for number, values in self.book.rows(2, scan):
            cells = [cell_text(v, unescape_formula) for v in values]
            if not _blank(cells):
                yield number, cells

    def count(self) -> int:
        return max(0, self.book.count_estimate() - 1)

    def close(self) -> None:
        self.book.close()


def kind_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    raise coded(InputInvalid, "import_file_kind", {"filename": filename})


@contextmanager
def open_table(path: Path, filename: str | None = None) -> Iterator[Table]:
    """The file as a table of text cells; InputInvalid when it cannot be read or has no header."""
    if kind_of(filename or path.name) == "xlsx":
        table = XlsxTable(path)
        try:
            yield _checked(table)
        finally:
            table.close()
    else:
        try:
            csv_table = CsvTable(path)
        except (csv.Error, UnicodeError) as exc:
            raise coded(InputInvalid, "import_csv_unreadable", {"reason": str(exc)}) from None
        yield _checked(csv_table)


def _checked(table: Table) -> Table:
    if not any(not h.startswith("Column ") for h in table.headers):
        raise coded(InputInvalid, "import_no_header", {})
    return table


# ---------------------------------------------------------------- writing

def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """A CSV file (UTF-8 with a byte-order mark, so Excel reads Cyrillic right) as text chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff"
    writer.writerow([c.header for c in EXPORT_COLUMNS])
    for count, row in enumerate(rows, start=1):
        writer.writerow([escape_formula(v) for v in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(rows: Iterable[list[str]], target: IO[bytes]) -> None:
    """An XLSX workbook written row by row (openpyxl write-only mode); every cell is text, also
    text starting with "=" (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Clients")

    def text(value: str) -> Any:
        if not value.startswith("="):
            return value or None
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, not the formula openpyxl would make of it
        return cell

    sheet.append([c.header for c in EXPORT_COLUMNS])
    for row in rows:
        sheet.append([text(v) for v in row])
    book.save(target)
