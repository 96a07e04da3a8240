"""Signal broadcasts and the cycles they wake. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import Cycle, MessageSubscription, SignalBroadcast

WAKING, STARTING, DONE = "waking", "starting", "done"


def newest_subscription_id(session: Session) -> int:
    """The highest message or signal subscription id so far (0: none)."""
    return int(session.scalar(select(func.max(MessageSubscription.id))) or 0)


def add_broadcast(session: Session, **values: Any) -> SignalBroadcast:
    broadcast = SignalBroadcast(state=WAKING, cursor=0, started=0, woken=0, **values)
    session.add(broadcast)
    session.flush()
    return broadcast


def broadcast(session: Session, broadcast_id: int) -> SignalBroadcast | None:
    """The broadcast as the database has it now (not a copy an earlier read of this session kept)."""
    return session.scalars(select(SignalBroadcast).where(SignalBroadcast.id == broadcast_id)
                           .execution_options(populate_existing=True)).first()


def unfinished(session: Session, limit: int) -> Sequence[int]:
    """Ids of broadcasts still being delivered, oldest first."""
    return session.scalars(select(SignalBroadcast.id).where(SignalBroadcast.state != DONE)
                           .order_by(SignalBroadcast.id).limit(limit)).all()


def next_waiting_cycle(session: Session, name: str, watermark: int, after: int, skip: int | None) -> int | None:
    """The active cycle of the lowest id above ``after`` that waited for the signal when it was
    thrown (a subscription no newer than ``watermark``); ``skip``: a cycle that caught it itself."""
    query = (select(func.min(MessageSubscription.cycle_id)).join(Cycle, Cycle.id == MessageSubscription.cycle_id)
             .where(MessageSubscription.kind == "signal", MessageSubscription.name == name,
                    MessageSubscription.id <= watermark, MessageSubscription.cycle_id > after,
                    Cycle.status == "active"))
    if skip is not None:
        query = query.where(MessageSubscription.cycle_id != skip)
    found = session.scalar(query)
    return int(found) if found is not None else None


def _claimed(session: Session, broadcast_id: int, expected: dict[str, Any], values: dict[str, Any]) -> bool:
    """Compare-and-set on the broadcast row: True when this transaction moved it from ``expected``
    (a concurrent deliverer that moved it first leaves nothing to update)."""
    conditions = [getattr(SignalBroadcast, key) == value for key, value in expected.items()]
    result = session.execute(update(SignalBroadcast).where(SignalBroadcast.id == broadcast_id, *conditions)
                             .values(**values), execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0) or 0) == 1


def claim_cycle(session: Session, broadcast_id: int, cursor: int, cycle_id: int) -> bool:
    return _claimed(session, broadcast_id, {"state": WAKING, "cursor": cursor}, {"cursor": cycle_id})


def count_woken(session: Session, broadcast_id: int) -> None:
    session.execute(update(SignalBroadcast).where(SignalBroadcast.id == broadcast_id)
                    .values(woken=SignalBroadcast.woken + 1), execution_options={"synchronize_session": False})


def claim_starting(session: Session, broadcast_id: int, starters: list[str]) -> bool:
    return _claimed(session, broadcast_id, {"state": WAKING}, {"state": STARTING, "starters": starters})


def claim_start(session: Session, broadcast_id: int, started: int) -> bool:
    return _claimed(session, broadcast_id, {"state": STARTING, "started": started}, {"started": started + 1})


def claim_done(session: Session, broadcast_id: int, now: datetime) -> bool:
    return _claimed(session, broadcast_id, {"state": STARTING}, {"state": DONE, "finished_at": now})
