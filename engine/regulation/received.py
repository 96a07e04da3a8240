"""Reglament's own message intake: stored first, then delivered, kept or triaged; never lost.

``receive`` stores the message (idempotent by the sender's ``message_id``: the same id again
returns what was stored, whatever its body), then:

- **delivered**: an active cycle it correlates to waits for it now;
- **waiting**: an active cycle it correlates to does not wait for it yet (the message came
  first): it is kept until its time to live (REGLAMENT_MESSAGE_TTL) and delivered on the step
  that makes such a cycle wait for it (``deliver_kept``, called by ``advance``);
- **triage**: no active cycle matches (or its time to live ran out): the head sees it on the
  triage page, and on the client's timeline when the correlation names a client.

Correlation: ``cycle_id``, else ``business_key``, else ``correlation`` (cycle variables that
must be equal; ``client_id`` among them narrows the search to that client's cycles).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.clients.records import record_event
from engine.regulation import incoming, messages
from engine.regulation.context import ACTIVE, Context
from engine.regulation.external_tasks import integrator
from engine.shared.access import Actor
from engine.shared.errors import InputInvalid
from storage.models import Client, Cycle, ReceivedMessage
from storage.repositories import messaging as messaging_repo
from storage.repositories import regulation as regulation_repo

DELIVERED, WAITING, TRIAGE = "delivered", "waiting", "triage"
MAX_MESSAGE_ID = 200
#: the most active cycles one message may correlate to; more is refused, never cut
MAX_SCAN = messages.MAX_TARGETS


def _active_matches(session: Session, corr: messages.Correlation) -> list[Cycle]:
    """The active cycles the message correlates to (keys matched by the database), each locked in
    id order: a step of one of them either committed before (its subscription is seen) or waits
    for this message to be committed (``deliver_kept`` then sees it)."""
    client_id = corr.keys.get("client_id")
    found = messaging_repo.active_cycles(session, corr.cycle_id, corr.business_key,
                                         client_id if isinstance(client_id, int) else None, MAX_SCAN + 1, corr.keys)
    if len(found) > MAX_SCAN:
        raise InputInvalid(f"message {corr.name!r} correlates to more than {MAX_SCAN:,} running cycles (the limit); "
                           "narrow it by cycle_id, business key or correlation keys")
    ids = [c.id for c in found]
    for cycle in found:
        session.expire(cycle)  # read again under its lock (its id was taken before: reading it would reload)
    locked = [regulation_repo.cycle_for_update(session, cycle_id) for cycle_id in ids]
    return [c for c in locked if c is not None and c.status == ACTIVE and messages.matches(c, corr)]


def receive(session: Session, ctx: Context, actor: Actor, name: str, message_id: str | None,
            cycle_id: int | None, business_key: str | None, correlation: dict[str, Any] | None,
            variables: dict[str, Any] | None, ttl: timedelta) -> ReceivedMessage:
    integrator(actor, "send messages to cycles")
    if message_id is not None and (not isinstance(message_id, str) or not message_id.strip()
                                   or len(message_id) > MAX_MESSAGE_ID):
        raise InputInvalid(f"message_id must be a text of 1 to {MAX_MESSAGE_ID} characters")
    if cycle_id is not None and (isinstance(cycle_id, bool) or not isinstance(cycle_id, int)):
        raise InputInvalid("cycle_id must be a whole number")
    corr = messages.Correlation(name, cycle_id, incoming.check_business_key(business_key),
                                dict(correlation or {}), dict(variables or {})).check().for_running_cycles()
    if message_id is not None:
        stored = messaging_repo.received_by_message_id(session, message_id)
        if stored is not None:
            return stored  # the same message again: what happened to it the first time
    now = ctx.now()
    matching = _active_matches(session, corr)
    client_id = matching[0].client_id if matching else corr.keys.get("client_id")
    row = ReceivedMessage(message_id=message_id, name=corr.name, state=WAITING, cycle_id=corr.cycle_id,
                          business_key=corr.business_key, correlation=corr.keys, variables=corr.variables,
                          client_id=client_id if isinstance(client_id, int) else None, sender=actor.login,
                          received_at=now, expires_at=now + ttl)
    session.add(row)
    session.flush()
    waiting = set(messages.candidates(session, corr)) & {c.id for c in matching}
    for target in sorted(waiting):
        if messages.deliver(session, ctx, target, "message", corr.name, corr.variables, actor.login,
                            {"message_id": message_id}) is not None:
            row.state, row.delivered_at = DELIVERED, now
            row.delivered_to_id = row.delivered_to_id or target
    if row.state == WAITING and not matching:
        row.state, row.note = TRIAGE, "no active cycle matches the message's correlation"
    if row.state == TRIAGE and row.client_id is not None:
        _on_timeline(session, actor, row, now)
    return row


def _on_timeline(session: Session, actor: Actor, row: ReceivedMessage, now: datetime) -> None:
    if row.client_id is not None and session.get(Client, row.client_id) is not None:
        record_event(session, row.client_id, "message", actor, now,
                     {"name": row.name, "state": row.state, "note": row.note, "message_id": row.message_id})


def deliver_kept(session: Session, ctx: Context, cycle: Cycle, names: list[str]) -> None:
    """A step made the cycle wait for these messages: kept ones that correlate to it are delivered now."""
    now = ctx.now()
    for row in messaging_repo.waiting_messages(session, set(names), now):
        if cycle.status != ACTIVE:
            return
        corr = messages.Correlation(row.name, row.cycle_id, row.business_key, dict(row.correlation or {}),
                                    dict(row.variables or {}))
        if not messages.matches(cycle, corr):
            continue
        row.state, row.delivered_at, row.delivered_to_id = DELIVERED, now, cycle.id  # before: delivery advances
        messages.deliver(session, ctx, cycle.id, "message", row.name, corr.variables, row.sender,
                         {"message_id": row.message_id, "kept_since": row.received_at.isoformat()})


def expire(session: Session, now: datetime) -> int:
    """Kept messages past their time to live go to triage."""
    return messaging_repo.expire_messages(session, now)


@dataclass(frozen=True)
class MessageView:
    """A message another system sent, and what became of it: delivered to a cycle, waiting (kept
    until a cycle waits for it) or in triage (no cycle took it)."""

    id: int
    message_id: str | None
    name: str
    state: str
    #: the cycle it was delivered to, else the one it named
    cycle_id: int | None
    business_key: str | None
    correlation: Mapping[str, Any]
    variables: Mapping[str, Any]
    client_id: int | None
    sender: str | None
    received_at: datetime
    expires_at: datetime | None
    delivered_at: datetime | None
    note: str | None

    @classmethod
    def of(cls, row: ReceivedMessage) -> MessageView:
        return cls(id=row.id, message_id=row.message_id, name=row.name, state=row.state,
                   cycle_id=row.delivered_to_id or row.cycle_id, business_key=row.business_key,
                   correlation=dict(row.correlation or {}), variables=dict(row.variables or {}),
                   client_id=row.client_id, sender=row.sender, received_at=row.received_at,
                   expires_at=row.expires_at, delivered_at=row.delivered_at, note=row.note)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "message_id": self.message_id, "name": self.name, "state": self.state,
                "cycle_id": self.cycle_id, "business_key": self.business_key, "correlation": dict(self.correlation),
                "variables": dict(self.variables), "client_id": self.client_id, "sender": self.sender,
                "received_at": self.received_at.isoformat(),
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
                "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None, "note": self.note}
