"""The client base (the core part: create, read, list; issue-level CRM comes later)."""
from __future__ import annotations

from typing import Any

from datetime import datetime

from sqlalchemy.orm import Session

from engine.access import HEADS, SELLERS, Actor, require
from engine.errors import Forbidden, InputInvalid, NotFound
from storage import keys
from storage import repositories as repo
from storage.models import Client, Segment, utcnow


def client_dict(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "segment": client.segment.name if client.segment else None,
        "owner": client.owner.login if client.owner else None,
        "created_at": client.created_at.isoformat(),
    }


def ensure_segment(session: Session, name: str) -> Segment:
    segment = repo.segment_by_name(session, name)
    if segment is None:
        segment = Segment(name=name)
        session.add(segment)
        session.flush()
    return segment


def create_client(session: Session, actor: Actor, name: str, segment: str | None = None,
                  owner: str | None = None, now: datetime | None = None) -> Client:
    require(actor, SELLERS, "create clients")
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "is required"
    elif len(name) > 300:
        errors["name"] = "must be at most 300 characters"
    segment_row = None
    if segment:
        segment_row = repo.segment_by_name(session, segment.strip())
        if segment_row is None:
            known = ", ".join(s.name for s in repo.segments(session)) or "none defined"
            errors["segment"] = f"unknown segment {segment!r} (known: {known})"
    owner_login = (owner or "").strip().lower() or (actor.login if "manager" in actor.roles else None)
    owner_row = None
    if owner_login:
        if owner_login != actor.login and not actor.has_any(HEADS):
            raise Forbidden("only the head of sales may give a client to another manager")
        owner_row = repo.user_by_login(session, owner_login)
        if owner_row is None:
            errors["owner"] = f"no user {owner_login!r}"
    if errors:
        raise InputInvalid("the client cannot be created: " +
                           "; ".join(f"{k} {v}" for k, v in errors.items()), {"fields": errors})
    client = Client(name=name, name_key=keys.name_key(name), segment=segment_row, owner=owner_row,
                    created_at=now or utcnow())
    session.add(client)
    session.flush()
    return client


def get_client(session: Session, actor: Actor, client_id: int) -> Client:
    client = repo.client_by_id(session, client_id)
    if client is None:
        raise NotFound(f"no client {client_id}")
    if not may_see_client(actor, client):
        raise Forbidden(f"client {client_id} belongs to another manager")
    return client


def may_see_client(actor: Actor, client: Client) -> bool:
    return actor.reads_all or client.owner_id in (None, actor.id)


def list_clients(session: Session, actor: Actor, search: str | None = None) -> list[Client]:
    owner = None if actor.reads_all else actor.id
    return list(repo.clients(session, owner_id=owner, search=search))
