"""External tasks, message subscriptions and received messages. Repositories read and add; they never commit."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, delete, func, insert, literal, or_, select, true, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from storage.models import Cycle, ExternalTask, MessageSubscription, ReceivedMessage, Regulation, RegulationVersion
from storage.repositories._common import _is_postgresql


def _variable_equals(name: str, value: Any, postgresql: bool) -> Any:
    """The cycle variable ``name`` holds the JSON value ``value`` (names are checked identifiers).
    PostgreSQL compares as jsonb; SQLite compares scalars by JSON type and value, and objects and
    lists by type only (the caller compares those exactly)."""
    if postgresql:
        return sql_cast(Cycle.variables[name], JSONB) == sql_cast(literal(json.dumps(value)), JSONB)
    path = f'$."{name}"'
    kind = func.json_type(Cycle.variables, path)
    if value is None:
        return kind == "null"
    if isinstance(value, bool):
        return kind == ("true" if value else "false")
    if isinstance(value, int | float):
        return and_(kind.in_(("integer", "real")), func.json_extract(Cycle.variables, path) == value)
    if isinstance(value, str):
        return and_(kind == "text", func.json_extract(Cycle.variables, path) == value)
    return kind == ("object" if isinstance(value, dict) else "array")


def variables_equal(session: Session, keys: Mapping[str, Any]) -> Any:
    """One condition: every correlation key is a cycle variable of that value."""
    postgresql = _is_postgresql(session)
    return and_(true(), *[_variable_equals(name, value, postgresql) for name, value in keys.items()])


# ----------------------------------------------------------------------------- external tasks

def external_tasks_of_cycle(session: Session, cycle_id: int) -> Sequence[ExternalTask]:
    return session.scalars(select(ExternalTask).where(ExternalTask.cycle_id == cycle_id)).all()


def add_external_tasks(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(cast(Table, ExternalTask.__table__)), rows)


def drop_external_tasks(session: Session, cycle_id: int, ids: Iterable[str] | None = None) -> None:
    stmt = delete(ExternalTask).where(ExternalTask.cycle_id == cycle_id)
    if ids is not None:
        stmt = stmt.where(ExternalTask.id.in_(list(ids)))
    session.execute(stmt, execution_options={"synchronize_session": False})


def _fetchable(now: datetime) -> Any:
    return ((ExternalTask.lock_expires_at.is_(None) | (ExternalTask.lock_expires_at < now))
            & (ExternalTask.retries.is_(None) | (ExternalTask.retries > 0))
            & (ExternalTask.available_at.is_(None) | (ExternalTask.available_at <= now)))


def _topic_is(name: str, business_key: str | None, regulation: str | None) -> Any:
    same = [ExternalTask.topic == name]
    if business_key is not None:
        same.append(Cycle.business_key == business_key)
    if regulation is not None:
        same.append(Cycle.version_id.in_(select(RegulationVersion.id).join(Regulation)
                                         .where(Regulation.key == regulation)))
    return and_(*same)


def fetchable_external_tasks(session: Session, topics: list[tuple[str, str | None, str | None]], now: datetime,
                             limit: int, by_priority: bool) -> Sequence[ExternalTask]:
    """Unlocked tasks on active cycles of these (topic, business key, regulation key) filters, a
    None filter matching any (PostgreSQL: row-locked, SKIP LOCKED)."""
    order = [ExternalTask.priority.desc(), ExternalTask.created_at] if by_priority else [ExternalTask.created_at]
    query = (select(ExternalTask).join(Cycle, Cycle.id == ExternalTask.cycle_id)
             .where(or_(*[_topic_is(*topic) for topic in topics]), Cycle.status == "active", _fetchable(now))
             .order_by(*order, ExternalTask.id).limit(limit))
    if _is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=ExternalTask)
    return session.scalars(query).all()


def lock_external_tasks(session: Session, task_ids: list[str], worker_id: str, until: datetime,
                        now: datetime) -> set[str]:
    """Compare-and-set in one statement: lock the tasks for ``worker_id`` unless someone holds a live
    lock on one; returns the ids it now holds."""
    session.execute(update(ExternalTask).where(ExternalTask.id.in_(task_ids), _fetchable(now))
                    .values(worker_id=worker_id, lock_expires_at=until),
                    execution_options={"synchronize_session": False})
    return set(session.scalars(select(ExternalTask.id).where(ExternalTask.id.in_(task_ids),
                                                             ExternalTask.worker_id == worker_id,
                                                             ExternalTask.lock_expires_at == until)))


def external_task(session: Session, task_id: str) -> ExternalTask | None:
    """The row as the database has it now (not a copy an earlier read of this session kept)."""
    return session.scalars(select(ExternalTask).where(ExternalTask.id == task_id)
                           .execution_options(populate_existing=True)).first()


def cycle_id_of_external_task(session: Session, task_id: str) -> int | None:
    return session.scalar(select(ExternalTask.cycle_id).where(ExternalTask.id == task_id))


def cycles_by_id(session: Session, ids: Iterable[int]) -> dict[int, Cycle]:
    return {c.id: c for c in session.scalars(select(Cycle).where(Cycle.id.in_(list(ids))))}


def reset_external_retries(session: Session, cycle_id: int) -> None:
    """After an incident is retried, its failed external tasks may be fetched again (one retry)."""
    session.execute(update(ExternalTask).where(ExternalTask.cycle_id == cycle_id, ExternalTask.retries <= 0)
                    .values(retries=1, available_at=None, worker_id=None, lock_expires_at=None),
                    execution_options={"synchronize_session": False})


# ----------------------------------------------------------------------------- subscriptions

def subscriptions_of_cycle(session: Session, cycle_id: int) -> Sequence[MessageSubscription]:
    return session.scalars(select(MessageSubscription).where(MessageSubscription.cycle_id == cycle_id)).all()


def add_subscriptions(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(cast(Table, MessageSubscription.__table__)), rows)


def drop_subscriptions(session: Session, cycle_id: int, task_ids: Iterable[str] | None = None) -> None:
    stmt = delete(MessageSubscription).where(MessageSubscription.cycle_id == cycle_id)
    if task_ids is not None:
        stmt = stmt.where(MessageSubscription.task_id.in_(list(task_ids)))
    session.execute(stmt, execution_options={"synchronize_session": False})


def waiting_cycles(session: Session, kind: str, name: str, business_key: str | None = None,
                   cycle_id: int | None = None, limit: int = 1000,
                   keys: Mapping[str, Any] | None = None) -> Sequence[int]:
    """Ids of active cycles subscribed to this message or signal (narrowed by business key, id and
    correlation keys)."""
    query = (select(MessageSubscription.cycle_id).join(Cycle, Cycle.id == MessageSubscription.cycle_id)
             .where(MessageSubscription.kind == kind, MessageSubscription.name == name, Cycle.status == "active",
                    variables_equal(session, keys or {}))
             .distinct().order_by(MessageSubscription.cycle_id).limit(limit))
    if business_key is not None:
        query = query.where(Cycle.business_key == business_key)
    if cycle_id is not None:
        query = query.where(Cycle.id == cycle_id)
    return session.scalars(query).all()


def active_cycles(session: Session, cycle_id: int | None, business_key: str | None, client_id: int | None,
                  limit: int, keys: Mapping[str, Any] | None = None) -> Sequence[Cycle]:
    """Active cycles narrowed by id, business key, client and correlation keys."""
    query = (select(Cycle).where(Cycle.status == "active", variables_equal(session, keys or {}))
             .order_by(Cycle.id).limit(limit))
    if cycle_id is not None:
        query = query.where(Cycle.id == cycle_id)
    if business_key is not None:
        query = query.where(Cycle.business_key == business_key)
    if client_id is not None:
        query = query.where(Cycle.client_id == client_id)
    return session.scalars(query).all()


def cycles_by_business_key(session: Session, business_key: str, limit: int = 50) -> Sequence[Cycle]:
    """The cycles with this business key, newest first."""
    return session.scalars(select(Cycle).where(Cycle.business_key == business_key)
                           .order_by(Cycle.started_at.desc(), Cycle.id.desc()).limit(limit)).all()


# ----------------------------------------------------------------------------- received messages

def received_by_message_id(session: Session, message_id: str) -> ReceivedMessage | None:
    return session.scalars(select(ReceivedMessage).where(ReceivedMessage.message_id == message_id)).first()


def waiting_messages(session: Session, names: Iterable[str], now: datetime) -> Sequence[ReceivedMessage]:
    """Kept messages of these names, oldest first, not yet expired (row-locked on PostgreSQL)."""
    query = (select(ReceivedMessage)
             .where(ReceivedMessage.state == "waiting", ReceivedMessage.name.in_(list(names)),
                    or_(ReceivedMessage.expires_at.is_(None), ReceivedMessage.expires_at > now))
             .order_by(ReceivedMessage.received_at, ReceivedMessage.id).limit(100))
    if _is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).all()


def expire_messages(session: Session, now: datetime) -> int:
    """Kept messages past their time to live go to triage."""
    result = session.execute(update(ReceivedMessage)
                             .where(ReceivedMessage.state == "waiting", ReceivedMessage.expires_at <= now)
                             .values(state="triage", note="no cycle waited for it within its time to live"),
                             execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0) or 0)


def triage_messages(session: Session, limit: int = 200) -> Sequence[ReceivedMessage]:
    return session.scalars(select(ReceivedMessage).where(ReceivedMessage.state.in_(("triage", "waiting")))
                           .order_by(ReceivedMessage.received_at.desc(), ReceivedMessage.id.desc())
                           .limit(limit)).all()
