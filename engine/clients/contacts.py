"""Contact persons of a client and notes: adding, changing, removing, each an "edited" (or
"note") event of the client; who may is the client's: engine.clients.records.client_for_change."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.clients import error_texts  # noqa: F401  (registers the codes raised here)
from engine.clients.checks import CONTACT_FIELDS, NOTE_MAX, check_contact, strings
from engine.clients.records import client_for_change, record_event
from engine.shared.access import Actor
from engine.shared.errors import FieldProblems, NotFound
from engine.shared.notices import coded
from storage.models import Client, ClientEvent, Contact
from storage.repositories import clients as clients_repo


def add_contact(session: Session, actor: Actor, client_id: int, values: Mapping[str, Any], now: datetime) -> Contact:
    client = client_for_change(session, actor, client_id, "change contact persons")
    problems = FieldProblems()
    checked = check_contact(strings(values, CONTACT_FIELDS, problems), problems)
    problems.raise_if_any("the contact cannot be added")
    contact = Contact(client_id=client.id, created_at=now, **checked)
    session.add(contact)
    session.flush()
    record_event(session, client.id, "edited", actor, now,
                 {"contact": _contact_label(contact), "contact_id": contact.id, "action": "added"})
    client.updated_at = now
    return contact


def _contact_for_change(session: Session, actor: Actor, contact_id: int) -> tuple[Contact, Client]:
    contact = clients_repo.contact_by_id(session, contact_id)
    if contact is None:
        raise coded(NotFound, "contact_person_unknown", {"contact_id": str(contact_id)})
    return contact, client_for_change(session, actor, contact.client_id, "change contact persons")


def _contact_label(contact: Contact) -> str:
    return contact.name or contact.phone or contact.email or f"#{contact.id}"


def update_contact(session: Session, actor: Actor, contact_id: int, values: Mapping[str, Any],
                   now: datetime) -> Contact:
    contact, client = _contact_for_change(session, actor, contact_id)
    problems = FieldProblems()
    checked = check_contact(strings(values, CONTACT_FIELDS, problems), problems, current=contact)
    problems.raise_if_any("the contact cannot be changed")
    changes: dict[str, list[Any]] = {}
    for name, value in checked.items():
        if getattr(contact, name) != value:
            if name in CONTACT_FIELDS:
                changes[name] = [getattr(contact, name), value]
            setattr(contact, name, value)
    if changes:
        client.updated_at = now
        record_event(session, client.id, "edited", actor, now, {"contact": _contact_label(contact),
                                                                "contact_id": contact.id, "action": "changed",
                                                                "changes": changes})
    session.flush()
    return contact


def delete_contact(session: Session, actor: Actor, contact_id: int, now: datetime) -> int:
    """Remove a contact person; the client's id."""
    contact, client = _contact_for_change(session, actor, contact_id)
    record_event(session, client.id, "edited", actor, now,
                 {"contact": _contact_label(contact), "contact_id": contact.id, "action": "removed"})
    client.updated_at = now
    session.delete(contact)
    session.flush()
    return client.id


def add_note(session: Session, actor: Actor, client_id: int, text: Any, now: datetime) -> ClientEvent:
    client = client_for_change(session, actor, client_id, "add notes")
    problems = FieldProblems()
    if text is not None and not isinstance(text, str):
        problems.add("text", "text", "must be text")
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text and "text" not in problems.text:
        problems.add("text", "required", "is required")
    elif len(text) > NOTE_MAX:
        problems.add("text", "maxlength", f"must be at most {NOTE_MAX} characters", limit=NOTE_MAX)
    problems.raise_if_any("the note cannot be added")
    event = record_event(session, client.id, "note", actor, now, {"text": text})
    session.flush()
    return event
