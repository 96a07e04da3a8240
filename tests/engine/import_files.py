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


# ---------------------------------------------------------------- hand-made XLSX (hostile ones too)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def column_letters(number: int) -> str:
    """A = 1, Z = 26, AA = 27..."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def inline_row(number: int, values: Sequence[str]) -> str:
    cells = "".join(f'<c r="{column_letters(i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
                    for i, v in enumerate(values, start=1) if v)
    return f'<row r="{number}">{cells}</row>'


def write_raw_xlsx(path: Path, sheet_rows: Iterable[str], *, dimension: str | None = None,
                   shared_strings: Iterable[str] | None = None) -> Path:
    """An XLSX written part by part, as a hostile tool could: ``sheet_rows`` are the <row>
    elements of the sheet's XML, streamed into the zip (so a test can make a sheet of hundreds of
    megabytes from a generator), ``shared_strings`` the <si> texts (streamed too); no
    <dimension> unless given."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' + (
                       '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                       'officedocument.spreadsheetml.sharedStrings+xml"/>' if shared_strings is not None else "")
                   + '</Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
                                  f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
                                      '<sheet name="Clients" sheetId="1" r:id="rId1"/></sheets></workbook>')
        strings_rel = (f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
                       if shared_strings is not None else "")
        z.writestr("xl/_rels/workbook.xml.rels",
                   f'<?xml version="1.0"?><Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
                   f'Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>{strings_rel}</Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            head = f'<dimension ref="{dimension}"/>' if dimension else ""
            sheet.write(f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}">{head}<sheetData>'.encode())
            buffer: list[str] = []
            for row in sheet_rows:
                buffer.append(row)
                if len(buffer) >= 1000:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
            sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode())
        if shared_strings is not None:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
                strings.write(f'<?xml version="1.0"?><sst xmlns="{_MAIN}">'.encode())
                buffer = []
                for text in shared_strings:
                    buffer.append(f"<si><t>{text}</t></si>")
                    if len(buffer) >= 10000:
                        strings.write("".join(buffer).encode())
                        buffer.clear()
                strings.write(("".join(buffer) + "</sst>").encode())
    return path
