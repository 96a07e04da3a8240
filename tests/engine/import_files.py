"""Generators of client files for import tests: written into the test's tmp_path, never committed."""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

HEADERS = ["Name", "Kind", "Tax ID", "Industry", "Region", "Size", "Source", "Status", "Segment", "Owner",
           "Contact", "Position", "Phone", "E-mail"]


def tax_id(i: int, kind: str | None = None) -> str:
    """A valid tax id, unique by i: 10 digits for a company (even i), 12 for a person (odd i)."""
    from engine.clients.tax_ids import with_check_digits

    person = (kind or ("company", "person")[i % 2]) == "person"
    return with_check_digits(f"77{i:08d}" if person else f"77{i:07d}")


def good_row(i: int) -> list[str]:
    """The i-th generated client (columns as HEADERS): unique name, tax id, phone and e-mail."""
    values = {
        "Name": f"Client {i:05d}", "Kind": ("company", "person")[i % 2], "Tax ID": tax_id(i),
        "Industry": ("Retail", "Food")[i % 2], "Region": f"Region {i % 7}",
        "Size": ("micro", "small", "medium", "large")[i % 4], "Source": "exhibition",
        "Status": ("lead", "prospect", "customer")[i % 3],
        "Segment": ("Retail", "Manufacturing", "Public sector")[i % 3],
        "Owner": ("anna", "boris")[i % 2], "Contact": f"Person {i}", "Position": "Buyer",
        "Phone": f"+7 916 {i:07d}", "E-mail": f"person{i}@client{i}.example",
    }
    return [values[h] for h in HEADERS]


def set_cell(row: list[str], header: str, value: str) -> list[str]:
    row[HEADERS.index(header)] = value
    return row


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]], delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def row_number(index: int) -> int:
    """The spreadsheet row of the index-th (0-based) row under the header."""
    return index + 2
