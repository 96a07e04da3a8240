"""The deal board: open cycles with their client, owner and stage (newest deals first, bounded)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Client, Cycle, Regulation, RegulationVersion, User


def open_deals(session: Session, owner_id: int | None, regulation_key: str | None, limit: int) -> Sequence[Any]:
    """Rows (id, client_id, client name, owner login, owner name, stage, variables, started_at,
    status, regulation key, version stages) of active cycles and cycles in incident."""
    query = (select(Cycle.id, Cycle.client_id, Client.name.label("client_name"), User.login.label("owner"),
                    User.name.label("owner_name"), Cycle.stage, Cycle.variables, Cycle.started_at, Cycle.status,
                    Regulation.key.label("regulation"), RegulationVersion.stages)
             .join(Client, Client.id == Cycle.client_id)
             .outerjoin(User, User.id == Client.owner_id)
             .join(RegulationVersion, RegulationVersion.id == Cycle.version_id)
             .join(Regulation, Regulation.id == RegulationVersion.regulation_id)
             .where(Cycle.status.in_(("active", "incident"))))
    if owner_id is not None:
        query = query.where(Client.owner_id == owner_id)
    if regulation_key:
        query = query.where(Regulation.key == regulation_key)
    return session.execute(query.order_by(Cycle.started_at.desc(), Cycle.id.desc()).limit(limit)).all()


def amounts(session: Session, cycle_ids: Sequence[int]) -> dict[int, Any]:
    """The stored ``amount`` variable of each of these cycles that has one (one query)."""
    if not cycle_ids:
        return {}
    rows = session.execute(select(Cycle.id, Cycle.variables["amount"]).where(Cycle.id.in_(sorted(set(cycle_ids)))))
    return {cycle_id: value for cycle_id, value in rows if value is not None}
