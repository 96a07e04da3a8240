"""Exporting the clients a user may see, with their contacts, as rows of text.

One row per contact: the client's columns repeat on each of its contacts' rows, and a client
without contacts has one row with empty contact columns. Importing such a file puts every
contact back on its client (engine.imports: a later row of the same client adds a contact), so
an export imports back into an empty database unchanged. The clients are those the client list
shows the user with the same search and filters (engine.clients.search), all of them, in id
order, a page of ``PAGE`` at a time, each page read in its own short transaction (nothing is
held open while the file streams out).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.clients import records as clients
from engine.clients.files import EXPORT_COLUMNS
from engine.clients.imports import Units
from engine.clients.records import Filters
from engine.shared.access import Actor
from storage.repositories import client_files as client_files_repo

PAGE = 1000


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
