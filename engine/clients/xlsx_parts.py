"""The pieces of an XLSX file the streaming reader needs: the pull parser's events, cell
references and values, dates, and reading one part of the archive within limits."""
from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import PurePosixPath
from typing import IO, Any, cast
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from engine.clients import (
    error_texts,  # noqa: F401  (registers the codes raised here)
    limits,
)
from engine.clients.limits import FileTooBig
from engine.shared.errors import InputInvalid
from engine.shared.notices import Notice, coded

_CHUNK = 64 * 1024


_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


_ELEMENT = re.compile(rb"<[A-Za-z_]")


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")


_COLUMN = re.compile(r"^\$?([A-Za-z]{1,3})\$?\d*$")


_DIMENSION = re.compile(r"^[A-Za-z]{1,3}(\d+)(?::[A-Za-z]{1,3}(\d+))?$")


_OFFICE_DOCUMENT = "/officeDocument"


_NAMESPACES = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
               "http://purl.oclc.org/ooxml/spreadsheetml/main")


_SI = frozenset(f"{{{n}}}si" for n in _NAMESPACES) | {"si"}


_T = frozenset(f"{{{n}}}t" for n in _NAMESPACES) | {"t"}


#: the columns a spreadsheet has at most: more cells in a row is no spreadsheet
EXCEL_COLUMNS = 16_384


def unreadable(reason: object) -> InputInvalid:
    """InputInvalid: the file is no XLSX we can read, and why (a Notice, or what a reader said)."""
    return coded(InputInvalid, "import_xlsx_unreadable", {"reason": reason if isinstance(reason, Notice) else str(reason)})


def _events(parser: XMLPullParser[Element]) -> Iterator[tuple[str, Element]]:
    """The parser's pending (event, element) pairs ("start" and "end" events only)."""
    return cast(Iterator[tuple[str, Element]], parser.read_events())


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _column(reference: str | None) -> int | None:
    """The column number (A = 1) of a cell reference like "C7"; None when it has none."""
    match = _COLUMN.match(reference or "")
    if not match:
        return None
    number = 0
    for letter in match.group(1).upper():
        number = number * 26 + ord(letter) - 64
    return number


def _text_of(element: Element) -> str:
    """The text of a string item (<si> or <is>): its <t>, or its runs' <t>, not phonetic runs."""
    parts: list[str] = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _check_prologue(head: bytes, part: str) -> None:
    """No DOCTYPE or entity declarations before (or in) the first chunk of a part."""
    if _DOCTYPE.search(head):
        raise unreadable(Notice("xlsx_doctype", {"part": part}))
    if head and not _ELEMENT.search(head):
        raise unreadable(Notice("xlsx_no_element", {"part": part}))


def _normal(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


def _date(number: float, epoch_1904: bool) -> Any:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    try:
        return from_excel(number, CALENDAR_MAC_1904 if epoch_1904 else CALENDAR_WINDOWS_1900)
    except (OverflowError, ValueError):
        return "#VALUE!"


def _pull(archive: zipfile.ZipFile, name: str, wanted: tuple[str, ...], started: Callable[[Element], None],
          size_limit: int, row_limit: bool = False,
          row: Callable[[], int] = lambda: 0) -> Iterator[tuple[Element, str]]:
    """(element, local name) at the end of each element named in ``wanted``, the part fed to the
    parser a chunk at a time; ``started`` sees every start. With ``row_limit`` the XML between
    two row ends is bounded by MAX_ROW_BYTES."""
    parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
    fed = since_row = 0
    try:
        with archive.open(name) as source:
            stream: IO[bytes] = source
            first = True
            while chunk := stream.read(_CHUNK):
                if first:
                    _check_prologue(chunk, name)
                    first = False
                fed += len(chunk)
                since_row += len(chunk)
                if fed > size_limit:
                    raise FileTooBig("unpacked" if row_limit else "shared_strings", size_limit)
                parser.feed(chunk)
                for event, element in _events(parser):
                    local = _local(element.tag)
                    if event == "start":
                        started(element)
                    elif local in wanted:
                        if local == "row":
                            since_row = 0
                        yield element, local
                if row_limit and since_row > limits.MAX_ROW_BYTES:
                    raise FileTooBig("row_bytes", limits.MAX_ROW_BYTES, row())
            parser.close()
            for event, element in _events(parser):
                if event == "end" and _local(element.tag) in wanted:
                    yield element, _local(element.tag)
    except ParseError as exc:
        raise unreadable(f"{name}: {exc}") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise unreadable(f"{name}: {exc}") from None


def cell_text(value: Any, unescape: Callable[[str], str]) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return unescape(str(value).strip())
