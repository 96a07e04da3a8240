"""CSV for Russian users (issue 16): `;` between cells (Russian Excel's list separator), Russian
headers, UTF-8 with a byte-order mark; it imports back unchanged, as the English export does."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from test_imports import seed_for_export, snapshot, wipe_clients

from engine.clients.exports import csv_lines
from engine.platform.root import Reglament


def test_a_russian_export_is_semicolon_separated_with_russian_headers(platform: Reglament, actors) -> None:
    seed_for_export(platform)
    text = "".join(csv_lines(platform.clients.export_clients(actors["head"]), "ru"))
    assert text.startswith("\ufeffНазвание;Тип;ИНН;Отрасль;Регион;Размер;Источник;Статус;Сегмент;Ответственный;"
                           "Контактное лицо;Должность;Телефон;Электронная почта\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert all(len(r) == 14 for r in rows), "every row splits into the columns Excel shows"
    assert [rows[3][0], rows[3][10]] == ["ИП Сидоров, «Ромашка»; \"quoted\"", "Сидоров С."]
    english = "".join(csv_lines(platform.clients.export_clients(actors["head"]), "en"))
    assert english.startswith("\ufeffName,Kind,Tax ID,")


def test_a_russian_export_imports_back_unchanged(platform: Reglament, actors, tmp_path: Path) -> None:
    seed_for_export(platform)
    before = snapshot(platform)
    exported = "".join(csv_lines(platform.clients.export_clients(actors["head"]), "ru"))
    path = tmp_path / "клиенты.csv"
    path.write_text(exported, encoding="utf-8", newline="")
    wipe_clients(platform)
    run = platform.clients.import_file(actors["head"], path)
    assert run.rejected == () and run.imported == 5
    assert snapshot(platform) == before
