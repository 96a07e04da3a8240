"""Merging two clients that are one: the survivor keeps everything of both.

Who: heads and admins merge any two clients; a manager merges two clients that are both his
own. Analysts never (they change nothing).

What happens, in one transaction (both clients locked on PostgreSQL): every cycle, open task,
history event, ad-hoc contact, done-work row, contact person and client event (notes, edits,
distribution decisions...) of the other client moves to the survivor, one UPDATE per table.
Fields empty on the survivor (tax id, industry, region, size, source, segment, owner) are
filled from the other; its last contact is the later of the two; its status the further of the
two (customer > prospect > lead > inactive). Contact persons are all kept, even one person
twice. Moved cycles keep their own people (their tasks' assignees and their ``owner``
variable): hand them over if the survivor's owner should take them too; their variables
``client_id``/``client_name`` keep the values they started with.

The other client stays as a row with status "merged" and ``merged_into_id`` = the survivor: it
disappears from lists, search and duplicate checks, and opening it leads to the survivor
(engine.clients.get_client raises ClientMerged). Clients merged into it earlier now point at
the survivor. The survivor gets a client event "merged" with the other's name and how many rows
of each kind moved and which fields were filled.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.clients import error_texts  # noqa: F401  (registers the codes raised here)
from engine.clients.checks import ClientStatus
from engine.clients.records import MERGED, get_client, record_event
from engine.clients.views import ClientView, Merged, MergePreview, MergeSide
from engine.shared.access import HEADS, SELLERS, Actor
from engine.shared.errors import Forbidden, InputInvalid
from engine.shared.notices import coded
from storage.models import Client
from storage.repositories import clients as clients_repo
from storage.repositories import stage_entries as stage_entries_repo

#: fields filled on the survivor from the other client when empty there
FILLED = ("tax_id", "industry", "region", "size", "source", "segment", "owner")
_STATUS_RANK: dict[str, int] = {ClientStatus.INACTIVE: 0, ClientStatus.LEAD: 1, ClientStatus.PROSPECT: 2, ClientStatus.CUSTOMER: 3}


def may_merge(actor: Actor, a: Client, b: Client) -> bool:
    if actor.has_any(HEADS):
        return True
    return actor.has_any(SELLERS) and a.owner_id == actor.id and b.owner_id == actor.id


def _check(session: Session, actor: Actor, survivor_id: int, other_id: int) -> tuple[Client, Client]:
    if survivor_id == other_id:
        raise coded(InputInvalid, "merge_with_itself", {}, {"fields": {"other_id": "is the same client"}})
    survivor, other = get_client(session, actor, survivor_id), get_client(session, actor, other_id)
    if not may_merge(actor, survivor, other):
        raise coded(Forbidden, "merge_forbidden",
                    {"login": actor.login, "survivor_id": str(survivor_id), "other_id": str(other_id)})
    return survivor, other


def _value(client: Client, name: str) -> Any:
    if name == "segment":
        return client.segment.name if client.segment else None
    if name == "owner":
        return client.owner.login if client.owner else None
    return getattr(client, name)


def filled_fields(survivor: Client, other: Client) -> dict[str, Any]:
    """The fields the survivor would take from the other (empty on it, set on the other)."""
    return {name: _value(other, name) for name in FILLED
            if _value(survivor, name) in (None, "") and _value(other, name) not in (None, "")}


def preview(session: Session, actor: Actor, survivor_id: int, other_id: int) -> MergePreview:
    """Both clients side by side with their contacts and how many rows each has."""
    survivor, other = _check(session, actor, survivor_id, other_id)
    sides = []
    for client in (survivor, other):
        full = clients_repo.client_with_contacts(session, client.id)
        assert full is not None
        sides.append(MergeSide(ClientView.of(full, with_contacts=True), clients_repo.client_row_counts(session, client.id)))
    return MergePreview(survivor=sides[0], other=sides[1], filled=filled_fields(survivor, other),
                        status=_status(survivor.status, other.status))


def _status(a: str, b: str) -> str:
    return a if _STATUS_RANK.get(a, 0) >= _STATUS_RANK.get(b, 0) else b


def merge(session: Session, actor: Actor, survivor_id: int, other_id: int, now: datetime) -> Merged:
    """Fold ``other_id`` into ``survivor_id``; returns the survivor, what moved and what was filled."""
    _check(session, actor, survivor_id, other_id)
    locked = {c.id: c for c in clients_repo.clients_for_update(session, [survivor_id, other_id])}
    survivor, other = locked[survivor_id], locked[other_id]
    if survivor.merged_into_id is not None or other.merged_into_id is not None:  # merged meanwhile
        raise coded(InputInvalid, "merge_meanwhile", {})
    filled = filled_fields(survivor, other)
    for name in FILLED:
        if name in filled:
            setattr(survivor, name, getattr(other, name))
    if other.last_contact_at and (survivor.last_contact_at is None or other.last_contact_at > survivor.last_contact_at):
        survivor.last_contact_at = other.last_contact_at
    status = _status(survivor.status, other.status)
    if status != survivor.status:
        filled["status"] = status
        survivor.status = status
    survivor.updated_at = now
    other.status, other.merged_into_id, other.updated_at = MERGED, survivor.id, now
    session.flush()
    moved = clients_repo.move_client_rows(session, other.id, survivor.id)
    stage_entries_repo.place(session, [survivor.id])  # the moved cycles' manager and segment are the survivor's
    session.expire(survivor, ["contacts"])
    record_event(session, survivor.id, "merged", actor, now,
                 {"other_id": other.id, "other_name": other.name, "moved": moved, "filled": filled})
    session.flush()
    return Merged(client=ClientView.of(survivor), merged_id=other.id, merged_name=other.name, moved=moved,
                  filled=filled)
