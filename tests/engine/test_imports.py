"""Importing clients from CSV and XLSX files, and exporting them back (engine/imports.py,
engine/exports.py): what gets in, what is rejected and why, batches and failures, who may."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from import_files import HEADERS, good_row, row_number, set_cell, tax_id, write_csv
from import_files import write_xlsx as write_xlsx_fixture
from sqlalchemy import delete, func, select

from engine.clients import imports
from engine.clients.files import csv_lines, write_xlsx
from engine.clients.views import ImportRunView
from engine.organization import distribution
from engine.platform.root import Reglament
from engine.shared.access import Actor
from engine.shared.errors import Forbidden
from storage import keys
from storage.models import Client, ClientEvent, Contact, ImportRun, Segment, User
from storage.repositories import client_files as client_files_repo

# ---------------------------------------------------------------- helpers

INN_A, INN_B, INN_C = tax_id(701, "company"), tax_id(702, "company"), tax_id(703, "company")
TYPO = tax_id(1699)[:-1] + str((int(tax_id(1699)[-1]) + 1) % 10)  # a person's, last digit wrong

def existing_client(platform: Reglament, name: str, tax_id: str | None = None, phone: str | None = None,
                    email: str | None = None, owner: str = "anna") -> int:
    with platform.command() as s:
        owner_id = s.scalar(select(User.id).where(User.login == owner))
        client = Client(name=name, name_key=keys.name_key(name), tax_id=tax_id, owner_id=owner_id)
        s.add(client)
        s.flush()
        if phone or email:
            s.add(Contact(client_id=client.id, name="Someone", phone=phone, phone_key=keys.phone_key(phone),
                          email=email, email_key=keys.email_key(email)))
        return client.id


def clients_in_db(platform: Reglament) -> dict[str, Client]:
    with platform.query() as s:
        return {c.name: c for c in s.scalars(select(Client)).all()}


def contacts_of(platform: Reglament, name: str) -> list[tuple[str, str | None, str | None]]:
    with platform.query() as s:
        rows = s.execute(select(Contact.name, Contact.phone, Contact.email).join(Client)
                         .where(Client.name == name).order_by(Contact.id)).all()
        return [tuple(r) for r in rows]


def events_of(platform: Reglament, type_: str) -> list[ClientEvent]:
    with platform.query() as s:
        return list(s.scalars(select(ClientEvent).where(ClientEvent.type == type_).order_by(ClientEvent.id)))


def reasons(run: ImportRunView) -> dict[int, str]:
    return {item["row"]: item["reason"] for item in run.rejected or ()}


def wipe_clients(platform: Reglament) -> None:
    with platform.command() as s:
        for model in (ClientEvent, Contact, Client, ImportRun):
            s.execute(delete(model))


# ---------------------------------------------------------------- a big file with bad rows

def test_ten_thousand_rows_import_except_each_bad_row_which_is_reported_with_its_reason(
        platform: Reglament, actors: dict[str, Actor], tmp_path: Path) -> None:
    twin_tax = tax_id(999_999, "company")
    tax_twin = existing_client(platform, "Existing Tax", tax_id=twin_tax)
    phone_twin = existing_client(platform, "Existing Phone", phone="+7 (495) 111-22-33",
                                 email="Office@Existing.example")
    name_twin = existing_client(platform, "Existing Name")
    rows = [good_row(i) for i in range(10_000)]
    bad = {  # row index -> (change, reason)
        99: ("Name", "", "name is missing"),
        199: ("Segment", "Banks", "unknown segment 'Banks' (known: Manufacturing, Public sector, Retail)"),
        299: ("Owner", "zed", "no user with login 'zed'"),
        349: ("Owner", "alex", "'alex' cannot own clients (not an active manager, head or admin)"),
        399: ("Status", "vip", "Status 'vip' is not one of: lead, prospect, customer, inactive"),
        499: ("Size", "huge", "Size 'huge' is not one of: micro, small, medium, large"),
        549: ("Kind", "robot", "Kind 'robot' is not one of: company, person"),
        599: ("E-mail", "nobody-at-example", "bad e-mail 'nobody-at-example'"),
        699: ("Phone", "n/a", "phone 'n/a' has no digits"),
        799: ("Name", "X" * 301, "Name is too long (at most 300 characters)"),
        898: ("Tax ID", twin_tax, f"duplicate of client #{tax_twin} Existing Tax: same tax id {twin_tax}"),
        999: ("Phone", "8 495 111 22 33",
              f"duplicate of client #{phone_twin} Existing Phone: same phone 8 495 111 22 33"),
        1099: ("E-mail", "office@existing.EXAMPLE",
               f"duplicate of client #{phone_twin} Existing Phone: same e-mail office@existing.EXAMPLE"),
        1298: ("Tax ID", tax_id(10), f"duplicate of row 12: same tax id {tax_id(10)}"),
        1699: ("Tax ID", TYPO, f"Tax ID {TYPO}: is not a valid tax id: its check digit does not match (a typo?)"),
        1749: ("Tax ID", tax_id(0, "company"), f"Tax ID {tax_id(0, 'company')}: a person's tax id has 12 digits, "
                                               "not 10 (10 digits is a company's)"),
        1399: ("Phone", "+7 916 0000020", "duplicate of row 22: same phone +7 916 0000020"),
    }
    for index, (header, value, _) in bad.items():
        set_cell(rows[index], header, value)
    # the same name as an existing client without a tax id: a duplicate (tax id left empty)
    set_cell(set_cell(rows[1199], "Name", "Existing Name LLC"), "Tax ID", "")
    bad[1199] = ("", "", f"duplicate of client #{name_twin} Existing Name: same name")
    # a row repeating the client of row index 30 without a contact of its own
    rows[1499] = good_row(30)[:HEADERS.index("Contact")] + ["", "", "", ""]
    bad[1499] = ("", "", f"duplicate of row 32: same tax id {tax_id(30)}")
    # two problems in one row: both are named
    set_cell(set_cell(rows[1599], "Status", "vip"), "E-mail", "bad")
    bad[1599] = ("", "", "Status 'vip' is not one of: lead, prospect, customer, inactive; bad e-mail 'bad'")
    # the same name as an existing client, but another tax id: another legal entity, imported
    set_cell(rows[1999], "Name", "Existing Tax")
    # a second contact of the client of row index 40: imported onto that client
    rows[1799] = good_row(40)[:HEADERS.index("Contact")] + ["Second Person", "Director", "+7 903 555 00 40", ""]
    set_cell(rows[9999], "Name", "")
    bad[9999] = ("Name", "", "name is missing")
    path = write_csv(tmp_path / "clients.csv", HEADERS, rows + [[]])  # a trailing blank line: skipped

    run = platform.clients.import_file(actors["head"], path)

    expected = {row_number(i): reason for i, (_, _, reason) in bad.items()}
    assert reasons(run) == expected
    assert run.status == "done" and run.error is None
    assert run.total == run.processed == 10_000
    assert run.imported == 10_000 - len(bad)
    imported_names = {rows[i][0] for i in range(10_000) if i not in bad}
    assert set(clients_in_db(platform)) == imported_names | {"Existing Phone", "Existing Name"}
    with platform.query() as s:  # nothing else: one client per imported row but the extra contact's
        assert s.scalar(select(func.count()).select_from(Client)) == 3 + run.imported - 1
        assert s.scalar(select(func.count()).select_from(Contact)) == 1 + run.imported
        assert s.scalar(select(func.count()).select_from(Client).where(Client.name == "Existing Tax")) == 2
    in_db = clients_in_db(platform)
    assert contacts_of(platform, good_row(40)[0]) == [("Person 40", "+7 916 0000040", "person40@client40.example"),
                                                      ("Second Person", "+7 903 555 00 40", None)]
    client = in_db["Client 00007"]
    assert (client.kind, client.tax_id, client.industry, client.region, client.size, client.source,
            client.status) == ("person", tax_id(7), "Food", "Region 0", "large", "exhibition", "prospect")
    assert len(events_of(platform, "imported")) == run.imported


# ---------------------------------------------------------------- formats

def test_an_excel_file_imports_with_numbers_as_text_and_rows_numbered_as_excel_shows_them(
        platform: Reglament, actors, tmp_path: Path) -> None:
    path = write_xlsx_fixture(tmp_path / "clients.xlsx", ["Company", "INN", "Segment", "Phone", "Email"], [
        ["Alfa Retail", int(INN_A), "Retail", 79161234567, "a@alfa.example"],
        [None, None, None, None, None],  # a blank row: skipped, but the rows below keep their numbers
        ["Beta Foods", float(INN_B), "manufacturing", "+7 916 765-43-21", None],
        ["Gamma Steel", int(INN_C), "Retail", None, "not an e-mail"],
    ])

    run = platform.clients.import_file(actors["head"], path)

    assert run.mapping == {"Company": "name", "INN": "tax_id", "Segment": "segment", "Phone": "phone",
                              "Email": "email"}
    assert reasons(run) == {5: "bad e-mail 'not an e-mail'"}
    assert run.imported == 2
    clients = clients_in_db(platform)
    assert clients["Alfa Retail"].tax_id == INN_A and clients["Beta Foods"].tax_id == INN_B
    assert contacts_of(platform, "Alfa Retail") == [("", "79161234567", "a@alfa.example")]
    with platform.query() as s:
        segment_names = dict(s.execute(select(Client.name, Segment.name).join(Segment)).all())
    assert segment_names == {"Alfa Retail": "Retail", "Beta Foods": "Manufacturing"}  # names match in any case


def test_a_russian_excel_csv_in_windows_1251_with_semicolons_imports_with_its_headers_recognised(
        platform: Reglament, actors, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "клиенты.csv",
                     ["Название", "ИНН", "Отрасль", "Регион", "Сегмент", "Ответственный", "ФИО", "Должность",
                      "Телефон", "Почта", "Примечание"],
                     [["ООО «Ромашка»", f"{INN_A[:4]} {INN_A[4:7]} {INN_A[7:]}", "Торговля", "Москва", "Retail", "boris",
                       "Иванов Иван",
                       "Директор", "8 (916) 123-45-67", "ivan@romashka.ru", "Звонить после обеда; не в пятницу"],
                      ["Лютик", "", "Производство", "Тверь", "Производство", "", "", "", "", "", ""]],
                     delimiter=";", encoding="cp1251")
    assert "ООО".encode("cp1251") in path.read_bytes()

    run = platform.clients.import_file(actors["head"], path)

    assert run.mapping == {"Название": "name", "ИНН": "tax_id", "Отрасль": "industry", "Регион": "region",
                              "Сегмент": "segment", "Ответственный": "owner", "ФИО": "contact",
                              "Должность": "position", "Телефон": "phone", "Почта": "email", "Примечание": "note"}
    assert reasons(run) == {3: "unknown segment 'Производство' (known: Manufacturing, Public sector, Retail)"}
    client = clients_in_db(platform)["ООО «Ромашка»"]
    assert (client.tax_id, client.industry, client.region) == (INN_A, "Торговля", "Москва")
    assert client.owner_id == actors["boris"].id
    with platform.query() as s:
        contact = s.scalar(select(Contact).where(Contact.client_id == client.id))
        assert (contact.name, contact.position, contact.phone_key) == ("Иванов Иван", "Директор", "79161234567")
    [note] = events_of(platform, "note")
    assert note.client_id == client.id and note.data["text"] == "Звонить после обеда; не в пятницу"
    [imported] = events_of(platform, "imported")
    assert imported.data == {"run": run.id, "file": "клиенты.csv", "row": 2}


def test_a_utf8_csv_with_a_byte_order_mark_and_tabs_is_read_too(platform: Reglament, actors, tmp_path) -> None:
    path = tmp_path / "clients.tsv"
    path.write_bytes("\ufeffName\tE-mail\nАльфа\ta@alfa.example\n".encode())
    run = platform.clients.import_file(actors["head"], path)
    assert run.mapping == {"Name": "name", "E-mail": "email"} and run.imported == 1
    assert contacts_of(platform, "Альфа") == [("", None, "a@alfa.example")]


# ---------------------------------------------------------------- several rows of one client

def test_later_rows_of_a_client_created_by_the_file_add_its_contacts_unless_they_disagree(
        platform: Reglament, actors, tmp_path: Path) -> None:
    headers = ["Name", "Tax ID", "Industry", "Contact", "Phone"]
    path = write_csv(tmp_path / "c.csv", headers, [
        ["Alfa", INN_A, "Retail", "Anna A", "+7 900 000 00 01"],
        ["Alfa", INN_A, "Retail", "Boris B", "+7 900 000 00 02"],  # the same client: a second contact
        ["Alfa", "", "", "Vera V", "+7 900 000 00 03"],  # by name, columns left empty: a third
        ["Alfa", INN_A, "Food", "Gleb G", "+7 900 000 00 04"],  # another industry: not the same
        ["Alfa", INN_B, "Retail", "Dina D", "+7 900 000 00 05"],  # another tax id: another client
        ["Alfa", "", "", "Anna again", "+7 900 000 00 01"],  # a contact already in the file
        ["Beta", "", "", "", ""],
        ["Beta", "", "", "", ""],  # no contact to add: a duplicate
    ])

    run = platform.clients.import_file(actors["head"], path)

    assert reasons(run) == {5: f"duplicate of row 2: same tax id {INN_A}",
                            7: "duplicate of row 2: same phone +7 900 000 00 01",
                            9: "duplicate of row 8: same name"}
    assert run.imported == 5
    with platform.query() as s:
        alfas = s.scalars(select(Client).where(Client.name == "Alfa").order_by(Client.id)).all()
        assert [c.tax_id for c in alfas] == [INN_A, INN_B]
        assert [c.name for c in s.scalars(select(Contact).where(Contact.client_id == alfas[0].id)
                                          .order_by(Contact.id))] == ["Anna A", "Boris B", "Vera V"]
    rows = sorted(e.data["row"] for e in events_of(platform, "imported") if e.client_id == alfas[0].id)
    assert rows == [2, 3, 4]


# ---------------------------------------------------------------- failures

def test_a_crash_in_the_third_batch_leaves_a_failed_run_that_counts_exactly_what_was_imported(
        platform: Reglament, actors, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [good_row(i) for i in range(450)]
    set_cell(rows[150], "E-mail", "broken")  # one rejected row in the second batch
    path = write_csv(tmp_path / "c.csv", HEADERS, rows)
    monkeypatch.setattr(imports, "BATCH_SIZE", 100)
    calls = []
    original = client_files_repo.insert_contacts

    def insert_contacts(session: Any, rows: list[dict[str, Any]]) -> None:
        calls.append(len(rows))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        original(session, rows)

    monkeypatch.setattr(client_files_repo, "insert_contacts", insert_contacts)

    run = platform.clients.import_file(actors["head"], path)

    assert run.status == "failed" and run.finished_at is not None
    assert run.error == "stopped at the batch starting at row 202: RuntimeError: disk full"
    assert (run.processed, run.imported, reasons(run)) == (200, 199, {152: "bad e-mail 'broken'"})
    with platform.query() as s:
        assert s.scalar(select(func.count()).select_from(Client)) == run.imported
        assert s.scalar(select(func.count()).select_from(Contact)) == run.imported
    assert set(clients_in_db(platform)) == {good_row(i)[0] for i in range(200) if i != 150}
    assert platform.clients.import_runs(actors["head"])[0].status == "failed"  # a later look shows it


def test_a_file_without_a_name_column_is_refused_before_anything_starts(platform, actors, tmp_path) -> None:
    path = write_csv(tmp_path / "c.csv", ["Phone", "E-mail"], [["+7 900 1", "a@b.example"]])
    with pytest.raises(imports.InputInvalid, match="no column is mapped to name"):
        platform.clients.import_file(actors["head"], path)
    with pytest.raises(imports.InputInvalid, match="two columns are mapped to name"):
        platform.clients.import_file(actors["head"], path, {"Phone": "name", "E-mail": "name"})
    assert platform.clients.import_runs(actors["head"]) == []


def test_an_xlsx_that_unpacks_to_more_than_an_import_reads_is_refused_before_it_is_opened(
        platform: Reglament, actors, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.clients import limits as client_limits

    path = write_xlsx_fixture(tmp_path / "big.xlsx", ["Company", "Note"], [["Alfa Retail", "x" * 4000]])
    monkeypatch.setattr(client_limits, "MAX_XLSX_UNPACKED", 10_000)  # a zip bomb, in small
    with pytest.raises(imports.InputInvalid, match="at most 10000 bytes unpacked"):
        platform.clients.import_file(actors["head"], path)
    assert clients_in_db(platform) == {} and platform.clients.import_runs(actors["head"]) == []


# ---------------------------------------------------------------- who may

def test_an_analyst_may_not_import(platform: Reglament, actors, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", ["Name"], [["Alfa"]])
    with pytest.raises(Forbidden, match="alex may not import clients"):
        platform.clients.import_file(actors["alex"], path)
    assert clients_in_db(platform) == {} and platform.clients.import_runs(actors["head"]) == []


def test_a_manager_imports_only_clients_of_his_own(platform: Reglament, actors, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    distributed: list[list[str]] = []
    monkeypatch.setattr(distribution, "distribute_new",
                        lambda session, now, login, clients: distributed.append([c.name for c in clients]) or [])
    path = write_csv(tmp_path / "c.csv", ["Name", "Owner"], [["Alfa", ""], ["Beta", "Anna"], ["Gamma", "boris"]])

    run = platform.clients.import_file(actors["anna"], path)

    assert reasons(run) == {4: "a manager imports only clients of his own, not of 'boris'"}
    clients = clients_in_db(platform)
    assert {name: c.owner_id for name, c in clients.items()} == {"Alfa": actors["anna"].id, "Beta": actors["anna"].id}
    assert distributed == []  # nothing unowned


def test_a_heads_import_sends_clients_without_an_owner_to_distribution_batch_by_batch(
        platform: Reglament, actors, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = distribution.distribute_new
    distributed: list[list[str]] = []

    def spy(session: Any, now: Any, login: str | None, clients: list[Client]) -> Any:
        distributed.append([c.name for c in clients])
        assert login == "head"
        return real(session, now, login, clients)

    monkeypatch.setattr(distribution, "distribute_new", spy)
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    path = write_csv(tmp_path / "c.csv", ["Name", "Owner"], [["A", ""], ["B", "boris"], ["C", ""], ["D", ""]])

    run = platform.clients.import_file(actors["head"], path)

    assert run.imported == 4 and distributed == [["A"], ["C", "D"]]
    assert clients_in_db(platform)["B"].owner_id == actors["boris"].id


def test_import_reports_are_their_authors_and_those_who_read_everything(platform: Reglament, actors,
                                                                         tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", ["Name"], [["Alfa"]])
    run = platform.clients.import_file(actors["head"], path)
    with pytest.raises(Forbidden):
        platform.clients.import_run(actors["anna"], run.id)
    assert platform.clients.import_runs(actors["anna"]) == []
    assert [r.id for r in platform.clients.import_runs(actors["alex"])] == [run.id]
    assert platform.clients.import_run(actors["alex"], run.id).imported == 1


# ---------------------------------------------------------------- the command line

def test_the_command_line_imports_with_a_mapping_and_writes_the_rejected_rows_beside_the_file(
        platform: Reglament, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from web import cli

    monkeypatch.setattr(cli, "_platform", lambda: platform)
    path = write_csv(tmp_path / "firms.csv", ["Firm", "Phone", "Remark"], [
        ["Alfa", "+7 900 111 22 33", "call back"], ["", "+7 900 111 22 44", "no name"], ["Beta", "", ""]])

    result = CliRunner().invoke(cli.main, ["import-clients", str(path), "--map", "Firm=name", "--map", "Remark=",
                                           "--as", "head"])

    assert result.exit_code == 0, result.output
    assert "columns: Firm -> name, Phone -> phone" in result.output
    assert "done; 3 of 3 rows read, 2 imported, 1 rejected" in result.output
    rejected = tmp_path / "firms.csv.rejected.csv"
    assert f"rejected rows with their reasons: {rejected}" in result.output
    with rejected.open(encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f)) == [["Row", "Reason", "Firm", "Phone", "Remark"],
                                       ["3", "name is missing", "", "+7 900 111 22 44", "no name"]]
    assert set(clients_in_db(platform)) == {"Alfa", "Beta"}
    assert platform.clients.import_runs(next(a for a in platform.accounts.users() if a.login == "head"))[0].created_by == "head"


def test_the_command_line_refuses_an_analyst_and_a_bad_mapping(platform: Reglament, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from web import cli

    monkeypatch.setattr(cli, "_platform", lambda: platform)
    path = write_csv(tmp_path / "c.csv", ["Name"], [["Alfa"]])
    result = CliRunner().invoke(cli.main, ["import-clients", str(path), "--as", "alex"])
    assert result.exit_code == 2 and "Not imported: alex may not import clients" in result.output
    result = CliRunner().invoke(cli.main, ["import-clients", str(path), "--map", "Name=title"])
    assert result.exit_code == 2 and "'title' is not a field" in result.output
    assert clients_in_db(platform) == {}


# ---------------------------------------------------------------- export and round trip

def seed_for_export(platform: Reglament) -> None:
    """Clients with every field, none to two contacts, text a spreadsheet would take for a formula."""
    with platform.command() as s:
        users = dict(s.execute(select(User.login, User.id)).all())
        segments = dict(s.execute(select(Segment.name, Segment.id)).all())
        specs = [
            ("Alfa Retail", "company", INN_A, "Retail", "Moscow", "large", "exhibition", "customer",
             "Retail", "anna", [("Maria Ivanova", "Buyer", "+7 916 000-00-01", "maria@alfa.example"),
                                ("Oleg Petrov", None, None, "oleg@alfa.example")]),
            ("ИП Сидоров, «Ромашка»; \"quoted\"", "person", None, "Торговля", "Тверь", "micro", None, "lead",
             None, "boris", [("Сидоров С.", "Владелец", "8 (4822) 12-34-56", None)]),
            ("=HYPERLINK(\"http://evil.example\")", "company", INN_B, "-minus", "@home", None, "+plus",
             "prospect", "Manufacturing", "anna", []),
            ("Gamma Steel", "company", INN_C, None, None, "medium", None, "inactive", "Public sector",
             "boris", [("", None, "+7 900 000 00 03", None)]),
        ]
        for name, kind, tax, industry, region, size, source, status, segment, owner, contacts in specs:
            client = Client(name=name, name_key=keys.name_key(name), kind=kind, tax_id=tax, industry=industry,
                            region=region, size=size, source=source, status=status,
                            segment_id=segments.get(segment), owner_id=users[owner])
            s.add(client)
            s.flush()
            for contact_name, position, phone, email in contacts:
                s.add(Contact(client_id=client.id, name=contact_name, position=position, phone=phone,
                              phone_key=keys.phone_key(phone), email=email, email_key=keys.email_key(email)))


def snapshot(platform: Reglament) -> list[tuple[Any, ...]]:
    """Every client and contact field, in creation order, without ids."""
    with platform.query() as s:
        out = []
        for c in s.scalars(select(Client).order_by(Client.id)):
            contacts = [(k.name, k.position, k.phone, k.phone_key, k.email, k.email_key) for k in c.contacts]
            out.append((c.name, c.name_key, c.kind, c.tax_id, c.industry, c.region, c.size, c.source, c.status,
                        c.segment.name if c.segment else None, c.owner.login if c.owner else None, contacts))
        return out


def test_a_csv_export_imports_back_into_an_empty_database_unchanged(platform: Reglament, actors,
                                                                    tmp_path: Path) -> None:
    seed_for_export(platform)
    before = snapshot(platform)
    exported = "".join(csv_lines(platform.clients.export_clients(actors["head"])))
    assert "'=HYPERLINK" in exported and "'-minus" in exported and "'@home" in exported  # not formulas
    assert "+7 916 000-00-01" in exported  # a phone stays as written
    path = tmp_path / "export.csv"
    path.write_text(exported, encoding="utf-8", newline="")
    wipe_clients(platform)

    run = platform.clients.import_file(actors["head"], path)

    assert run.rejected == () and run.imported == 5  # rows: one per contact
    assert snapshot(platform) == before
    assert "".join(csv_lines(platform.clients.export_clients(actors["head"]))) == exported


def test_an_xlsx_export_imports_back_into_an_empty_database_unchanged(platform: Reglament, actors,
                                                                      tmp_path: Path) -> None:
    seed_for_export(platform)
    before = snapshot(platform)
    path = tmp_path / "export.xlsx"
    with path.open("wb") as f:
        write_xlsx(platform.clients.export_clients(actors["head"]), f)
    wipe_clients(platform)

    run = platform.clients.import_file(actors["head"], path)

    assert run.rejected == () and run.imported == 5  # rows: one per contact
    assert snapshot(platform) == before


def test_an_export_has_a_managers_own_clients_and_the_list_filters(platform: Reglament, actors) -> None:
    seed_for_export(platform)
    anna = [row[0] for row in platform.clients.export_clients(actors["anna"])]
    assert anna == ["Alfa Retail", "Alfa Retail", "=HYPERLINK(\"http://evil.example\")"]  # a row per contact
    everyone = list(platform.clients.export_clients(actors["alex"]))
    assert len(everyone) == 5
    found = list(platform.clients.export_clients(actors["head"], imports_filters(text="steel")))
    assert [r[0] for r in found] == ["Gamma Steel"]
    assert [r[0] for r in platform.clients.export_clients(actors["head"], imports_filters(segment="Retail"))] == [
        "Alfa Retail", "Alfa Retail"]
    assert [r[0] for r in platform.clients.export_clients(actors["head"], imports_filters(owner="boris", status="lead"))] == [
        "ИП Сидоров, «Ромашка»; \"quoted\""]


def imports_filters(**kwargs: str) -> Any:
    from engine.clients.records import Filters

    return Filters(**kwargs)


def test_the_csv_export_is_excel_friendly(platform: Reglament, actors) -> None:
    seed_for_export(platform)
    text = "".join(csv_lines(platform.clients.export_clients(actors["head"])))
    assert text.startswith("\ufeffName,Kind,Tax ID,Industry,Region,Size,Source,Status,Segment,Owner,Contact,"
                           "Position,Phone,E-mail\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1] == ["Alfa Retail", "company", INN_A, "Retail", "Moscow", "large", "exhibition",
                       "customer", "Retail", "anna", "Maria Ivanova", "Buyer", "+7 916 000-00-01",
                       "maria@alfa.example"]


def test_a_manager_importing_a_duplicate_of_another_managers_client_is_not_told_whose_it_is(
        platform: Reglament, actors, tmp_path: Path) -> None:
    existing_client(platform, "Secret Alfa", tax_id=INN_A, phone="+7 495 100-00-01", owner="anna")
    mine = existing_client(platform, "Own Beta", tax_id=INN_B, owner="boris")
    path = write_csv(tmp_path / "c.csv", ["Name", "INN", "Phone"],
                     [["Other Name", INN_A, ""], ["Third", "", "8 495 100 00 01"], ["Beta copy", INN_B, ""]])
    run = platform.clients.import_file(actors["boris"], path)
    assert reasons(run) == {2: f"duplicate of a client of another manager: same tax id {INN_A}",
                            3: "duplicate of a client of another manager: same phone 8 495 100 00 01",
                            4: f"duplicate of client #{mine} Own Beta: same tax id {INN_B}"}
    assert "Secret" not in str(run.rejected)
    run = platform.clients.import_file(actors["head"], path)
    assert reasons(run)[2].startswith("duplicate of client #") and "Secret Alfa" in reasons(run)[2]
