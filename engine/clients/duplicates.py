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
    #: what -> the value the user gave that matched (tax_id, phone, email, name): all a user who may
    #: not see the client may be told of it
    given: dict[str, str] = field(default_factory=dict)


def similar_names(a: str, b: str) -> bool:
    """Normalised names equal, or nearly so (a typo, a missing letter)."""
    if not a or not b:
        return False
    if a == b:
        return True
    return SequenceMatcher(None, a, b).ratio() >= NAME_SIMILARITY


def find(session: Session, name: str, tax_id: str | None = None, phones: Iterable[str | None] = (),
         emails: Iterable[str | None] = (), exclude_id: int | None = None) -> list[Duplicate]:
    """Existing clients that a new or edited client would duplicate, with the reasons. Exact
    matches (the same tax id, phone or e-mail key, normalised name) are always found, however
    many clients have similar names; similar names are looked for among a bounded number more."""
    found: dict[int, Duplicate] = {}

    def add(client: Client, what: str, reason: str, given: str) -> None:
        if client.id == exclude_id or client.merged_into_id is not None:
            return
        duplicate = found.setdefault(client.id, Duplicate(client))
        duplicate.reasons.append(reason)
        duplicate.given.setdefault(what, given)

    tax = (tax_id or "").strip()
    if tax:
        for client in clients_repo.clients_by_tax_ids(session, [tax]):
            add(client, "tax_id", f"tax id {tax}", tax)
    typed_phones = {k: p for p in phones if p and (k := keys.phone_key(p))}
    typed_emails = {k: e for e in emails if e and (k := keys.email_key(e))}
    phone_keys, email_keys = sorted(typed_phones), sorted(typed_emails)
    for client, contact in clients_repo.clients_by_contact_keys(session, phone_keys, email_keys):
        if contact.phone_key in typed_phones:
            add(client, "phone", f"phone {contact.phone}", typed_phones[contact.phone_key])
        if contact.email_key in typed_emails:
            add(client, "email", f"e-mail {contact.email}", typed_emails[contact.email_key])
    key = keys.name_key(name)
    for client in clients_repo.clients_with_name_key(session, key):
        add(client, "name", f"name {client.name}", name)
    for client in clients_repo.clients_with_similar_name_keys(session, key):
        if client.id not in found and similar_names(key, client.name_key):
            add(client, "name", f"name {client.name}", name)
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
