"""Reading uploaded client files is bounded (issue 14): hostile XLSX files, built here part by
part, are refused or previewed at once, however they are made; the limits are named."""
from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from import_files import inline_row, write_csv, write_raw_xlsx
from import_files import write_xlsx as write_xlsx_fixture

from engine.clients import imports, limits
from engine.clients.files import open_table
from engine.platform.root import Reglament
from engine.shared.errors import InputInvalid

HEADERS = ["Name", "Phone", "E-mail"]
FAST = 5.0  # seconds: the old reader took minutes over the same files


@pytest.fixture(autouse=True)
def uploads(platform: Reglament, tmp_path: Path) -> None:
    platform.uploads = imports.Uploads(platform.command, platform.query, tmp_path / "uploads", platform.ctx.now)


def upload(platform: Reglament, actor, path: Path) -> tuple[dict, float]:
    started = time.monotonic()
    with path.open("rb") as f:
        preview = platform.clients.upload_clients_file(actor, path.name, f)
    return preview, time.monotonic() - started


def refused(platform: Reglament, actor, path: Path) -> tuple[InputInvalid, float]:
    started = time.monotonic()
    with pytest.raises(InputInvalid) as caught, path.open("rb") as f:
        platform.clients.upload_clients_file(actor, path.name, f)
    return caught.value, time.monotonic() - started


def test_a_sheet_without_a_dimension_and_200000_styled_blank_rows_far_right_previews_at_once(
        platform: Reglament, actors, tmp_path: Path) -> None:
    """The old reader padded every row to column XFD and read the whole sheet for a preview
    (a 1 MB file: about two minutes)."""
    def sheet():
        yield inline_row(1, HEADERS)
        yield inline_row(2, ["Alfa Retail", "+7 916 000-00-01", "a@alfa.example"])
        for number in range(3, 200_000):
            yield f'<row r="{number}"><c r="XFD{number}" s="1"/></row>'

    path = write_raw_xlsx(tmp_path / "no-dimension.xlsx", sheet())
    preview, seconds = upload(platform, actors["anna"], path)
    assert seconds < FAST
    assert list(preview.headers) == HEADERS
    assert [list(r.cells) for r in preview.rows] == [["Alfa Retail", "+7 916 000-00-01", "a@alfa.example"]]
    assert preview.rows[0].result is not None and preview.rows[0].result.accepted


def test_the_header_reads_only_the_shared_strings_it_needs(platform: Reglament, actors, tmp_path: Path) -> None:
    """900,000 texts (the old reader loaded them all, about ten seconds, for the header)."""
    rows = ['<row r="1">' + "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABC")) + "</row>",
            '<row r="2"><c r="A2" t="s"><v>3</v></c></row>']
    path = write_raw_xlsx(tmp_path / "texts.xlsx", rows,
                          shared_strings=[*HEADERS, "Alfa Retail", *(f"text {i}" for i in range(900_000))])
    preview, seconds = upload(platform, actors["anna"], path)
    assert seconds < 1.5
    assert list(preview.headers) == HEADERS and list(preview.rows[0].cells) == ["Alfa Retail", "", ""]


def test_shared_strings_over_the_limit_are_refused_before_they_are_read(platform: Reglament, actors,
                                                                       tmp_path: Path) -> None:
    path = write_raw_xlsx(tmp_path / "bomb.xlsx", [inline_row(1, HEADERS)],
                          shared_strings=("z" * 30_000 for _ in range(2_000)))  # 60 MB, 200 KB packed
    assert path.stat().st_size < 1024 * 1024
    error, seconds = refused(platform, actors["anna"], path)
    assert seconds < FAST
    assert "at most 48 MB of texts (shared strings)" in error.message
    assert error.details["limit"] == {"what": "shared_strings", "limit": "48 MB", "row": None}


def test_too_many_shared_strings_are_refused(platform: Reglament, actors, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_XLSX_STRINGS", 50_000)
    path = write_raw_xlsx(tmp_path / "texts.xlsx", [inline_row(1, HEADERS),
                                                    '<row r="2"><c r="A2" t="s"><v>60000</v></c></row>'],
                          shared_strings=(str(i) for i in range(70_000)))
    error, seconds = refused(platform, actors["anna"], path)
    assert seconds < FAST and "at most 50000 texts (shared strings)" in error.message


def test_a_header_of_16000_columns_is_refused_at_its_first_row(platform: Reglament, actors,
                                                              tmp_path: Path) -> None:
    wide = ['<row r="1">' + "".join(f'<c t="inlineStr"><is><t>H{i}</t></is></c>' for i in range(16_000)) + "</row>"]
    rows = wide + [f'<row r="{n}">' + "<c><v>1</v></c>" * 16_000 + "</row>" for n in range(2, 60)]
    path = write_raw_xlsx(tmp_path / "columns.xlsx", rows)
    error, seconds = refused(platform, actors["anna"], path)
    assert seconds < FAST
    assert "(row 1): at most 1000 columns in a row" in error.message
    assert error.details["limit"]["what"] == "columns"


def test_a_very_wide_row_is_refused_after_reading_no_more_than_the_limit(platform: Reglament, actors,
                                                                         tmp_path: Path) -> None:
    path = write_raw_xlsx(tmp_path / "wide.xlsx", [inline_row(1, HEADERS), inline_row(2, ["x" * 30_000_000])])
    error, seconds = refused(platform, actors["anna"], path)
    assert seconds < FAST
    assert "(row 2): at most 8 MB of XML in one row" in error.message


def test_a_cell_longer_than_a_spreadsheet_cell_is_refused(platform: Reglament, actors, tmp_path: Path) -> None:
    path = write_raw_xlsx(tmp_path / "cell.xlsx", [inline_row(1, HEADERS), inline_row(2, ["y" * 40_000])])
    preview_error, _ = refused(platform, actors["anna"], path)
    assert "(row 2): at most 32767 characters in a cell" in preview_error.message


def test_a_doctype_is_refused(platform: Reglament, actors, tmp_path: Path) -> None:
    path = write_raw_xlsx(tmp_path / "entities.xlsx", [inline_row(1, HEADERS)])
    import zipfile

    patched = tmp_path / "doctype.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                data = data.replace(b'<?xml version="1.0"?>',
                                    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]>')
            target.writestr(item, data)
    error, _ = refused(platform, actors["anna"], patched)
    assert "declares a DOCTYPE" in error.message


def test_an_import_over_the_row_limit_stops_with_the_limit_named(platform: Reglament, actors, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_ROWS", 100)
    rows = [inline_row(n, [f"Client {n}", "", ""]) for n in range(2, 160)]
    path = write_raw_xlsx(tmp_path / "rows.xlsx", [inline_row(1, HEADERS), *rows])  # no dimension
    run = platform.clients.import_file(actors["head"], path)
    assert run.status == "failed" and "at most 100 rows (the file has 158)" in run.error
    csv_path = write_csv(tmp_path / "rows.csv", HEADERS, [[f"Client {n}", "", ""] for n in range(150)])
    run = platform.clients.import_file(actors["head"], csv_path)
    assert run.status == "failed" and "(row 102): at most 100 rows" in run.error
    assert run.imported == 0
    with open_table(path) as table, pytest.raises(InputInvalid, match=r"\(row 102\): at most 100 rows"):
        list(table.rows())  # reading past the limit stops there, whatever the count said


def test_a_csv_with_too_many_columns_or_too_long_a_cell_is_refused(platform: Reglament, actors,
                                                                   tmp_path: Path) -> None:
    path = write_csv(tmp_path / "wide.csv", [f"Column {i}" for i in range(2_000)], [])
    error, _ = refused(platform, actors["anna"], path)
    assert "(row 1): at most 1000 columns in a row" in error.message
    path = write_csv(tmp_path / "long.csv", HEADERS, [["Alfa", "", "e" * 40_000]])
    error, _ = refused(platform, actors["anna"], path)
    assert "(row 2): at most 32767 characters in a cell" in error.message


def test_a_preview_reads_a_few_rows_of_a_file_of_blank_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "blank.csv", HEADERS, [["", "", ""]] * 300_000 + [["Late", "", ""]])
    started = time.monotonic()
    with open_table(path) as table:
        assert list(table.rows(scan=imports.PREVIEW_SCAN)) == []
    assert time.monotonic() - started < 1.0


def test_dates_numbers_booleans_and_texts_read_as_the_spreadsheet_shows_them(tmp_path: Path) -> None:
    path = write_xlsx_fixture(tmp_path / "values.xlsx", ["Name", "Since", "Count", "Active", "Share"],
                              [["Alfa", date(2024, 3, 1), 12, True, 0.5], ["Beta", None, 7.0, False, None]])
    with open_table(path) as table:
        assert table.headers == ["Name", "Since", "Count", "Active", "Share"]
        assert list(table.rows()) == [(2, ["Alfa", "2024-03-01", "12", "true", "0.5"]),
                                      (3, ["Beta", "", "7", "false"])]
        assert table.count() == 2
