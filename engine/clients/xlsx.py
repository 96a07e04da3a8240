"""Reading the active sheet of an XLSX file as rows of text cells, within engine.clients.limits.

The sheet's XML is fed to a pull parser in small chunks and each row handed on as soon as it is
complete, so reading the header reads the first row and no further, and a preview a few rows.
Nothing is trusted: not the sheet's recorded dimension (a sheet may have none), not the sizes
the parts declare (each part is read no further than its declared size, which the limits
bound). While reading, each row's XML, its cells, each cell's text, the rows and the cells of
the sheet are counted against the limits, and the shared strings (the cells' texts) are read
lazily, only as far as the rows read so far refer to them. A DOCTYPE (entity tricks) is refused.

Cells read as openpyxl's ``data_only`` values would: numbers as numbers (whole numbers without
".0"), date-formatted numbers as dates, booleans, the cached results of formulas.
"""
from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import Element, ParseError, XMLPullParser, fromstring

from engine.clients import limits
from engine.clients.limits import FileTooBig
from engine.clients.xlsx_parts import (
    _CHUNK,
    _DIMENSION,
    _OFFICE_DOCUMENT,
    _ROW_TAG,
    _SI,
    _T,
    EXCEL_COLUMNS,
    _check_prologue,
    _column,
    _date,
    _events,
    _local,
    _normal,
    _pull,
    _text_of,
    cell_text,
    unreadable,
)
from engine.shared.notices import Notice

__all__ = ["Book", "EXCEL_COLUMNS", "cell_text", "unreadable"]


class Book:
    """An open XLSX: the active sheet's part, its shared strings read on demand, its date styles."""

    def __init__(self, path: Path) -> None:
        try:
            self.archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise unreadable(exc) from None
        try:
            self._open_book()
        except BaseException:
            self.archive.close()
            raise

    def _open_book(self) -> None:
        parts = {p.filename: p for p in self.archive.infolist()}
        self.parts = parts
        total = sum(p.file_size for p in parts.values())
        if total > limits.MAX_XLSX_UNPACKED:
            raise FileTooBig("unpacked", limits.MAX_XLSX_UNPACKED)
        workbook = self._target("_rels/.rels", "", _OFFICE_DOCUMENT) or "xl/workbook.xml"
        book = self._small(workbook)
        sheets = [s for s in book.iter() if _local(s.tag) == "sheet"]
        if not sheets:
            raise unreadable(Notice("xlsx_no_sheets"))
        active = 0
        for view in book.iter():
            if _local(view.tag) == "workbookView":
                active = int(view.get("activeTab") or 0) if (view.get("activeTab") or "0").isdigit() else 0
                break
        sheet = sheets[active if active < len(sheets) else 0]
        rel_id = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
        rels = self._relations(workbook)
        target = rels.get(rel_id or "", (None, ""))[0]
        if target is None or target not in parts:
            raise unreadable(Notice("xlsx_no_active_sheet"))
        self.sheet = target
        self.epoch_1904 = any(_local(e.tag) == "workbookPr" and e.get("date1904") in ("1", "true")
                              for e in book.iter())
        strings = next((t for t, kind in rels.values() if kind.endswith("/sharedStrings")), None)
        self.shared_part = strings if strings in parts else None
        if self.shared_part is not None and parts[self.shared_part].file_size > limits.MAX_XLSX_SHARED_STRINGS:
            raise FileTooBig("shared_strings", limits.MAX_XLSX_SHARED_STRINGS)
        styles = next((t for t, kind in rels.values() if kind.endswith("/styles")), None)
        self.date_styles = self._date_styles(styles) if styles in parts and styles is not None else frozenset()
        self.strings: list[str] = []
        self._string_source: Iterator[str] | None = None

    # ------------------------------------------------------------ small parts

    def _small(self, name: str) -> Element:
        info = self.parts.get(name)
        if info is None:
            raise unreadable(Notice("xlsx_no_part", {"part": name}))
        if info.file_size > limits.MAX_XLSX_SMALL_PART:
            raise FileTooBig("part", limits.MAX_XLSX_SMALL_PART, detail=f" ({name})")
        try:
            with self.archive.open(info) as f:
                data = f.read(limits.MAX_XLSX_SMALL_PART + 1)
            _check_prologue(data, name)
            return fromstring(data)
        except (ParseError, zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise unreadable(f"{name}: {exc}") from None

    def _relations(self, part: str) -> dict[str, tuple[str | None, str]]:
        """Relationship id -> (target part, type) of a part."""
        folder = PurePosixPath(part).parent
        rels_name = str(folder / "_rels" / (PurePosixPath(part).name + ".rels")).lstrip("./") \
            if str(folder) != "." else f"_rels/{part}.rels"
        if rels_name not in self.parts:
            return {}
        out: dict[str, tuple[str | None, str]] = {}
        for rel in self._small(rels_name).iter():
            if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target") or ""
            path = target.lstrip("/") if target.startswith("/") else _normal(folder / target)
            out[rel.get("Id") or ""] = (path, rel.get("Type") or "")
        return out

    def _target(self, rels_name: str, folder: str, kind: str) -> str | None:
        if rels_name not in self.parts:
            return None
        for rel in self._small(rels_name).iter():
            if _local(rel.tag) == "Relationship" and (rel.get("Type") or "").endswith(kind):
                target = rel.get("Target") or ""
                return target.lstrip("/") if target.startswith("/") else _normal(PurePosixPath(folder) / target)
        return None

    def _date_styles(self, name: str) -> frozenset[int]:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        styles = self._small(name)
        formats: dict[int, str] = {}
        for element in styles.iter():
            if _local(element.tag) == "numFmt" and (element.get("numFmtId") or "").isdigit():
                formats[int(element.get("numFmtId") or 0)] = element.get("formatCode") or ""
        dated: set[int] = set()
        for element in styles.iter():
            if _local(element.tag) == "cellXfs":
                for index, xf in enumerate(x for x in element if _local(x.tag) == "xf"):
                    number = xf.get("numFmtId") or "0"
                    code = formats.get(int(number)) if number.isdigit() else None
                    code = code if code is not None else BUILTIN_FORMATS.get(int(number) if number.isdigit() else 0)
                    if code and is_date_format(code):
                        dated.add(index)
        return frozenset(dated)

    # ------------------------------------------------------------ shared strings

    def string(self, index: int, row: int) -> str:
        """The shared string ``index``, reading the shared strings part only as far as it."""
        if index < 0:
            raise unreadable(Notice("xlsx_missing_text", {"row": str(row), "index": str(index)}))
        if self._string_source is None and self.shared_part is not None and not self.strings:
            self._string_source = self._read_strings(self.shared_part)
        while index >= len(self.strings):
            if self._string_source is None or (text := next(self._string_source, None)) is None:
                self._string_source = None
                raise unreadable(Notice("xlsx_missing_text", {"row": str(row), "index": str(index)}))
            self.strings.append(text)
        return self.strings[index]

    def _read_strings(self, name: str) -> Iterator[str]:
        """The texts of the shared strings part in order, parsed a chunk at a time (the hot loop
        of a big file: kept lean)."""
        parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
        root: Element | None = None
        count = 0
        try:
            with self.archive.open(name) as source:
                first = True
                while chunk := source.read(_CHUNK):
                    if first:
                        _check_prologue(chunk, name)
                        first = False
                    parser.feed(chunk)
                    texts: list[str] = []
                    for event, element in _events(parser):
                        if event == "start":
                            if root is None:
                                root = element
                            continue
                        if element.tag in _SI:
                            if len(element) == 1 and element[0].tag in _T:
                                texts.append(element[0].text or "")
                            else:
                                texts.append(_text_of(element))
                    if root is not None:
                        root.clear()  # the strings read leave no elements behind
                    count += len(texts)
                    if count > limits.MAX_XLSX_STRINGS:
                        raise FileTooBig("strings", limits.MAX_XLSX_STRINGS)
                    for text in texts:
                        if len(text) > limits.MAX_CELL_CHARS:
                            raise FileTooBig("cell_chars", limits.MAX_CELL_CHARS)
                        yield text
                parser.close()
        except ParseError as exc:
            raise unreadable(f"{name}: {exc}") from None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise unreadable(f"{name}: {exc}") from None

    # ------------------------------------------------------------ the sheet

    def rows(self, first: int = 1, scan: int | None = None) -> Iterator[tuple[int, list[Any]]]:
        """(row number, cell values) of the sheet's rows numbered ``first`` or more, blank ones
        too, as far as the sheet's rows go; after ``scan`` row elements it stops."""
        row_number, cells_seen, rows_seen = 0, 0, 0
        in_row = False
        cells: list[tuple[int, Element]] = []
        column = in_this_row = 0
        sheet_data: list[Element] = []

        def started(element: Element) -> None:
            nonlocal row_number, column, in_this_row, in_row
            name = _local(element.tag)
            if name == "row":
                given = element.get("r")
                row_number = int(given) if given and given.isdigit() else row_number + 1
                column = in_this_row = 0
                in_row = True
                cells.clear()
            elif name == "sheetData":
                sheet_data.append(element)

        for element, name in _pull(self.archive, self.sheet, ("c", "row", "sheetData", "dimension"), started,
                                   limits.MAX_XLSX_UNPACKED, row_limit=True,
                                   row=lambda: row_number if in_row else row_number + 1):  # noqa: B023
            if name == "c":
                column = _column(element.get("r")) or column + 1
                cells_seen += 1
                in_this_row += 1
                if in_this_row > EXCEL_COLUMNS or column > EXCEL_COLUMNS:
                    raise FileTooBig("columns", limits.MAX_COLUMNS, row_number)
                if cells_seen > limits.MAX_CELLS:
                    raise FileTooBig("cells", limits.MAX_CELLS, row_number)
                if len(element) == 0:
                    element.clear()  # a cell with only a style: blank, wherever it is
                    continue
                if column > limits.MAX_COLUMNS:
                    raise FileTooBig("columns", limits.MAX_COLUMNS, row_number)
                cells.append((column, element))
            elif name == "row":
                in_row = False
                rows_seen += 1
                if row_number > limits.MAX_ROWS + 1 or rows_seen > limits.MAX_ROWS + 1:
                    raise FileTooBig("rows", limits.MAX_ROWS, row_number)
                if row_number >= first:
                    yield row_number, self._values(cells, row_number)
                cells.clear()
                element.clear()
                if sheet_data:
                    sheet_data[0].clear()  # rows already read leave no trace in memory
                if scan is not None and rows_seen >= scan:
                    return
            elif name == "dimension":
                self.dimension = element.get("ref")
            elif name == "sheetData":
                return

    dimension: str | None = None

    def _values(self, cells: list[tuple[int, Element]], row: int) -> list[Any]:
        width = max((c for c, _ in cells), default=0)
        values: list[Any] = [None] * width
        for column, cell in cells:
            values[column - 1] = self._value(cell, row)
        return values

    def _value(self, cell: Element, row: int) -> Any:
        kind = cell.get("t") or "n"
        raw: str | None = None
        for child in cell:
            name = _local(child.tag)
            if name == "v":
                raw = child.text
            elif name == "is" and kind == "inlineStr":
                raw = _text_of(child)
        if raw is None or raw == "":
            return None
        if len(raw) > limits.MAX_CELL_CHARS:
            raise FileTooBig("cell_chars", limits.MAX_CELL_CHARS, row)
        try:
            if kind == "s":
                return self.string(int(raw), row)
            if kind == "b":
                return raw.strip() in ("1", "true")
            if kind == "n":
                number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
                style = cell.get("s") or "0"
                if style.isdigit() and int(style) in self.date_styles:
                    return _date(number, self.epoch_1904)
                return number
        except ValueError:
            return raw
        return raw  # str, inlineStr, e (an error such as #N/A), d (an ISO date as written)

    def count_estimate(self) -> int:
        """Rows of the sheet, from its recorded dimension or else by counting row tags (no parsing)."""
        if self.dimension:
            match = _DIMENSION.match(self.dimension)
            if match:
                return int(match.group(2) or match.group(1))
        count, tail = 0, b""
        with self.archive.open(self.sheet) as f:
            while chunk := f.read(1 << 20):
                data = tail + chunk
                count += len(_ROW_TAG.findall(data, 0, len(data) - 16)) if len(data) > 16 else 0
                tail = data[-16:] if len(data) > 16 else data
            count += len(_ROW_TAG.findall(tail))
        return count

    def close(self) -> None:
        self._string_source = None
        self.archive.close()
