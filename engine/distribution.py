"""Distribution of new clients with no owner among managers (issue 5; being written).

Interface used by client creation (UI, API) and imports:

    distribute_new(session, now, actor_login, clients) -> list[Decision]

assigns an owner to each given client that has none, by the rules in order (segment -> team;
inside a team round robin skipping absent people, weighted by share with caps, least loaded,
or manual), records every decision with its reason as a client event, and returns them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from storage.models import Client


@dataclass(frozen=True)
class Decision:
    client_id: int
    owner: str | None  # the login given the client, None when left for manual distribution
    reason: str  # e.g. "team Retail, round robin; skipped boris (vacation until 3 Dec)"


def distribute_new(session: Session, now: datetime, actor_login: str | None,
                   clients: list[Client]) -> list[Decision]:
    return [Decision(c.id, None, "no distribution rules yet") for c in clients if c.owner_id is None]
