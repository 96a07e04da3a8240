"""Exporting the clients a user may see, with their contacts, as rows of text.

One row per contact: the client's columns repeat on each of its contacts' rows, and a client
without contacts has one row with empty contact columns. Importing such a file puts every
contact back on its client (engine.imports: a later row of the same client adds a contact), so
an export imports back into an empty database unchanged. The clients are those the client list
shows the user with the same search and filters (engine.clients.search), all of them, in id
order, a page of ``PAGE`` at a time, each page read in its own short transaction (nothing is
held open while the file streams out).

CSV is written in the user's language (``csv_lines``): for Russian users with ``;`` between
cells and Russian headers (what Russian Excel opens into columns: its list separator is ``;``),
otherwise ``,`` and English headers; always UTF-8 with a byte-order mark and CRLF. Both read
back: the import takes either delimiter and either language's headers (engine.clients.files).
XLSX is the same in every language.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from engine.clients import records as clients
from engine.clients.files import EXPORT_COLUMNS, escape_formula
from engine.clients.imports import Units
from engine.clients.records import Filters
from engine.shared.access import Actor
from storage.repositories import client_files as client_files_repo

PAGE = 1000
#: the export's headers for Russian users (each is one of its column's import synonyms)
RUSSIAN_HEADERS = {
    "name": "Название", "kind": "Тип", "tax_id": "ИНН", "industry": "Отрасль", "region": "Регион",
    "size": "Размер", "source": "Источник", "status": "Статус", "segment": "Сегмент", "owner": "Ответственный",
    "contact": "Контактное лицо", "position": "Должность", "phone": "Телефон", "email": "Электронная почта",
}


def delimiter_for(locale: str | None) -> str:
    """``;`` for Russian users (Excel's list separator in Russia), ``,`` otherwise."""
    return ";" if (locale or "").lower().startswith("ru") else ","


def headers_for(locale: str | None) -> list[str]:
    if (locale or "").lower().startswith("ru"):
        return [RUSSIAN_HEADERS[c.field] for c in EXPORT_COLUMNS]
    return [c.header for c in EXPORT_COLUMNS]


def csv_lines(rows: Iterable[list[str]], locale: str | None = None) -> Iterator[str]:
    """The export as CSV text chunks in the user's dialect (see the module's notes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter_for(locale), lineterminator="\r\n")
    yield "\ufeff"
    writer.writerow(headers_for(locale))
    for count, row in enumerate(rows, start=1):
        writer.writerow([escape_formula(v) for v in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def rows(query: Units, actor: Actor, filters: Filters | None = None) -> Iterator[list[str]]:
    """The export's rows (without the header), in EXPORT_COLUMNS order: the clients the client
    list shows the actor with these filters (all its pages)."""
    client_columns = ("name", "kind", "tax_id", "industry", "region", "size", "source", "status", "segment",
                      "owner")
    order = [c.field for c in EXPORT_COLUMNS]
    with query() as s:
        criteria = clients.search_criteria(s, actor, filters or Filters(), "the clients cannot be exported")
    after = 0
    while True:
        with query() as s:
            page = client_files_repo.clients_for_export(s, **criteria, after_id=after, limit=PAGE)
            contacts: dict[int, list[Any]] = {}
            for contact in client_files_repo.contact_rows_of_clients(s, [client.id for client in page]) if page else ():
                contacts.setdefault(contact.client_id, []).append(contact)
        if not page:
            return
        for client in page:
            values = {name: getattr(client, name) for name in client_columns}
            for contact in contacts.get(client.id) or [None]:
                if contact is not None:
                    values.update(contact=contact.name, position=contact.position, phone=contact.phone,
                                  email=contact.email)
                yield [values.get(name) or "" for name in order]
        after = page[-1].id
