"""Duplicate clients: the same tax id, the same normalised phone or e-mail, a very similar name.

Used when a client is created (the UI warns and offers the existing one) and on import
(a duplicate row is rejected with the client it duplicates), in batches for big files.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from sqlalchemy.orm import Session

from storage import keys
from storage.models import Client
from storage.repositories import clients as clients_repo

#: names at least this similar (0..1, on normalised names) count as the same client
NAME_SIMILARITY = 0.9


@dataclass
class Duplicate:
    client: Client
    reasons: list[str] = field(default_factory=list)  # "tax id 7701...", "phone 7916...", "name ..."


def similar_names(a: str, b: str) -> bool:
    """Normalised names equal, or nearly so (a typo, a missing letter)."""
    if not a or not b:
        return False
    if a == b:
        return True
    return SequenceMatcher(None, a, b).ratio() >= NAME_SIMILARITY


def find(session: Session, name: str, tax_id: str | None = None, phones: Iterable[str | None] = (),
         emails: Iterable[str | None] = (), exclude_id: int | None = None) -> list[Duplicate]:
    """Existing clients that a new or edited client would duplicate, with the reasons."""
    found: dict[int, Duplicate] = {}

    def add(client: Client, reason: str) -> None:
        if client.id == exclude_id or client.merged_into_id is not None:
            return
        found.setdefault(client.id, Duplicate(client)).reasons.append(reason)

    tax = (tax_id or "").strip()
    if tax:
        for client in clients_repo.clients_by_tax_ids(session, [tax]):
            add(client, f"tax id {tax}")
    phone_keys = sorted({k for k in (keys.phone_key(p) for p in phones) if k})
    email_keys = sorted({k for k in (keys.email_key(e) for e in emails) if k})
    for client, contact in clients_repo.clients_by_contact_keys(session, phone_keys, email_keys):
        if contact.phone_key in phone_keys:
            add(client, f"phone {contact.phone}")
        if contact.email_key in email_keys:
            add(client, f"e-mail {contact.email}")
    key = keys.name_key(name)
    for client in clients_repo.clients_with_similar_name_keys(session, key):
        if similar_names(key, client.name_key):
            add(client, f"name {client.name}")
    return list(found.values())


@dataclass
class KnownKeys:
    """Keys of existing clients, loaded once for a batch of rows (imports)."""

    tax_ids: dict[str, int]
    phones: dict[str, int]
    emails: dict[str, int]
    names: dict[str, int]

    @classmethod
    def load(cls, session: Session, tax_ids: Iterable[str], phones: Iterable[str], emails: Iterable[str],
             names: Iterable[str]) -> KnownKeys:
        return cls(*clients_repo.client_ids_by_keys(session, list(tax_ids), list(phones), list(emails), list(names)))
