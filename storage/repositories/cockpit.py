"""The cockpit's queries: the cycles explorer (filters, keyset pages, counts, what cycles wait at)
and batch operations. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Numeric, Text, and_, case, cast, delete, func, insert, or_, select, union, update
from sqlalchemy.orm import Session, undefer

from storage.models import (
    Client,
    Cycle,
    CycleBatch,
    CycleBatchItem,
    Job,
    MessageSubscription,
    OpenTask,
    Regulation,
    RegulationVersion,
    User,
)
from storage.repositories._common import _is_postgresql


@dataclass(frozen=True)
class Criteria:
    """What the explorer's filters mean in the database (ids resolved, times in UTC)."""

    regulation: str | None = None
    version: int | None = None
    status: str | None = None
    stage: str | None = None
    element: str | None = None
    owner_id: int | None = None
    client_id: int | None = None
    client: str | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    ended_from: datetime | None = None
    ended_to: datetime | None = None
    variable: str | None = None
    value: str | None = None
    incident: bool | None = None
    visible_to_owner: int | None = None  # a manager sees the cycles of their own clients only
    cycle_ids: tuple[int, ...] | None = None


def _variable_is(name: str, value: str, postgresql: bool) -> Any:
    """A variable's value as written (900, true, text): PostgreSQL's ->> gives the JSON text of a
    number or boolean; SQLite's JSON_EXTRACT gives the value itself, compared by type."""
    field = Cycle.variables[name]
    if postgresql:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return field.as_string() == value
        numeric = case((func.json_typeof(field) == "number", cast(field.as_string(), Numeric)), else_=None)
        return or_(field.as_string() == value, numeric == number)
    same = [cast(field.as_string(), Text) == value]
    if value.lstrip("-").isdigit() and len(value) < 18:
        same.append(field.as_integer() == int(value))
    if value in ("true", "false"):
        same.append(field.as_boolean() == (value == "true"))
    return or_(*same)


def conditions(c: Criteria, with_status: bool = True, postgresql: bool = False) -> list[Any]:
    out: list[Any] = []
    if c.regulation is not None:
        versions = select(RegulationVersion.id).join(Regulation).where(Regulation.key == c.regulation)
        if c.version is not None:
            versions = versions.where(RegulationVersion.number == c.version)
        out.append(Cycle.version_id.in_(versions))
    if with_status and c.status is not None:
        out.append(Cycle.status == c.status)
    if c.stage is not None:
        out.append(Cycle.stage == c.stage)
    if c.element is not None:
        waiting_there = union(select(OpenTask.cycle_id).where(OpenTask.element_id == c.element),
                              select(Job.cycle_id).where(Job.element_id == c.element))
        out.append(or_(  # one hashed set of ids (indexes on element), not a lookup per cycle
            Cycle.id.in_(select(waiting_there.subquery().c.cycle_id)),
            and_(Cycle.status == "incident", Cycle.incident["element_id"].as_string() == c.element)))
    if c.owner_id is not None:
        out.append(Client.owner_id == c.owner_id)
    if c.visible_to_owner is not None:
        out.append(Client.owner_id == c.visible_to_owner)
    if c.client_id is not None:
        out.append(Cycle.client_id == c.client_id)
    if c.client:
        out.append(func.lower(Client.name).contains(c.client.lower(), autoescape=True))
    if c.started_from is not None:
        out.append(Cycle.started_at >= c.started_from)
    if c.started_to is not None:
        out.append(Cycle.started_at < c.started_to)
    if c.ended_from is not None:
        out.append(Cycle.ended_at >= c.ended_from)
    if c.ended_to is not None:
        out.append(Cycle.ended_at < c.ended_to)
    if c.variable is not None:
        out.append(_variable_is(c.variable, c.value or "", postgresql))
    if c.incident is not None:
        out.append(Cycle.status == "incident" if c.incident else Cycle.status != "incident")
    if c.cycle_ids is not None:
        out.append(Cycle.id.in_(list(c.cycle_ids)))
    return out


#: a page's keyset: (started_at, id) of the last row, the direction
Key = tuple[datetime, int]


#: the explorer's columns: plain values, no ORM objects (a page of 1,000 reads fast)
COLUMNS = (Cycle.id, Cycle.status, Cycle.stage, Cycle.outcome, Cycle.started_at, Cycle.ended_at, Cycle.client_id,
           Cycle.variables, Cycle.incident, Client.name.label("client_name"), User.login.label("owner"),
           RegulationVersion.number.label("version"), Regulation.key.label("regulation"),
           Regulation.name.label("regulation_name"))


def _needs_client(c: Criteria) -> bool:
    return c.owner_id is not None or c.visible_to_owner is not None or bool(c.client)


def page(session: Session, c: Criteria, newest_first: bool, after: Key | None, limit: int,
         by_id: bool = False) -> Sequence[Any]:
    """Rows (COLUMNS) in started order (or id order), ``limit`` after the keyset."""
    query = (select(*COLUMNS).select_from(Cycle).join(Client, Client.id == Cycle.client_id)
             .outerjoin(User, User.id == Client.owner_id)
             .join(RegulationVersion, RegulationVersion.id == Cycle.version_id)
             .join(Regulation, Regulation.id == RegulationVersion.regulation_id)
             .where(*conditions(c, postgresql=_is_postgresql(session))))
    if after is not None:
        at, cycle_id = after
        if by_id:
            query = query.where(Cycle.id < cycle_id if newest_first else Cycle.id > cycle_id)
        elif newest_first:
            query = query.where(or_(Cycle.started_at < at, and_(Cycle.started_at == at, Cycle.id < cycle_id)))
        else:
            query = query.where(or_(Cycle.started_at > at, and_(Cycle.started_at == at, Cycle.id > cycle_id)))
    order: list[Any]
    if by_id:
        order = [Cycle.id.desc()] if newest_first else [Cycle.id]
    else:
        order = [Cycle.started_at.desc(), Cycle.id.desc()] if newest_first else [Cycle.started_at, Cycle.id]
    return session.execute(query.order_by(*order).limit(limit)).all()


def counts(session: Session, c: Criteria) -> dict[str, int]:
    """Cycles of the filter by status (the status filter itself left out, to show the others)."""
    query = select(Cycle.status, func.count()).select_from(Cycle)
    if _needs_client(c):
        query = query.join(Client, Client.id == Cycle.client_id)
    query = query.where(*conditions(c, with_status=False, postgresql=_is_postgresql(session))).group_by(Cycle.status)
    return {str(status): int(n) for status, n in session.execute(query).all()}


def ids(session: Session, c: Criteria, limit: int) -> list[int]:
    """The ids of the filter's cycles (at most ``limit``), for a batch."""
    query = (select(Cycle.id).join(Client, Client.id == Cycle.client_id).where(*conditions(c, postgresql=_is_postgresql(session)))
             .order_by(Cycle.id).limit(limit))
    return list(session.scalars(query).all())


def waiting(session: Session, cycle_ids: Sequence[int]) -> dict[int, list[tuple[str, str, str]]]:
    """Per cycle: (element id, name, kind) of every open task and waiting timer; two queries."""
    out: dict[int, list[tuple[str, str, str]]] = {}
    if not cycle_ids:
        return out
    for cycle_id, element, name in session.execute(
            select(OpenTask.cycle_id, OpenTask.element_id, OpenTask.name)
            .where(OpenTask.cycle_id.in_(list(cycle_ids))).order_by(OpenTask.created_at, OpenTask.id)).all():
        out.setdefault(cycle_id, []).append((element, name, "task"))
    for cycle_id, element in session.execute(
            select(Job.cycle_id, Job.element_id).where(Job.cycle_id.in_(list(cycle_ids)))
            .order_by(Job.due_at, Job.id)).all():
        out.setdefault(cycle_id, []).append((element, element, "timer"))
    return out


def waiting_by_element(session: Session, version_id: int) -> dict[str, dict[str, int]]:
    """Per element of a version: how many cycles wait there (tasks, timers) and how many are in
    incident there; three grouped queries."""
    out: dict[str, dict[str, int]] = {}
    tasks = (select(OpenTask.element_id, func.count(func.distinct(OpenTask.cycle_id)))
             .join(Cycle, Cycle.id == OpenTask.cycle_id)
             .where(Cycle.version_id == version_id, Cycle.status.in_(("active", "suspended")))
             .group_by(OpenTask.element_id))
    timers = (select(Job.element_id, func.count(func.distinct(Job.cycle_id))).join(Cycle, Cycle.id == Job.cycle_id)
              .where(Cycle.version_id == version_id).group_by(Job.element_id))
    element = Cycle.incident["element_id"].as_string()
    incidents = (select(element, func.count()).where(Cycle.version_id == version_id, Cycle.status == "incident")
                 .group_by(element))
    for kind, query in (("waiting", tasks), ("waiting", timers), ("incidents", incidents)):
        for element_id, n in session.execute(query).all():
            if element_id:
                slot = out.setdefault(element_id, {"waiting": 0, "incidents": 0})
                slot[kind] += n
    return out


def drop_waits(session: Session, cycle_id: int) -> None:
    """A cancelled cycle waits for no message."""
    session.execute(delete(MessageSubscription).where(MessageSubscription.cycle_id == cycle_id))


# ---------------------------------------------------------------- batches

def add_batch(session: Session, row: CycleBatch, cycle_ids: Sequence[int]) -> None:
    session.add(row)
    session.flush()
    if cycle_ids:
        session.execute(insert(CycleBatchItem), [{"batch_id": row.id, "cycle_id": i, "status": "pending"}
                                                 for i in cycle_ids])


def next_batch(session: Session, now: datetime) -> CycleBatch | None:
    """The oldest batch with work left whose lease is free (locked on PostgreSQL)."""
    query = (select(CycleBatch).where(CycleBatch.status.in_(("queued", "running")),
                                      or_(CycleBatch.lease_until.is_(None), CycleBatch.lease_until < now))
             .order_by(CycleBatch.id).limit(1))
    if _is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def pending_items(session: Session, batch_id: int, limit: int) -> Sequence[CycleBatchItem]:
    return session.scalars(select(CycleBatchItem).where(CycleBatchItem.batch_id == batch_id,
                                                        CycleBatchItem.status == "pending")
                           .order_by(CycleBatchItem.id).limit(limit)).all()


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def finish_item(session: Session, item_id: int, batch_id: int, ok: bool, message: str | None) -> bool:
    """Mark a pending item done or failed and count it; False (nothing counted) when it was no
    longer pending (another worker finished it)."""
    finished = session.execute(update(CycleBatchItem)
                               .where(CycleBatchItem.id == item_id, CycleBatchItem.status == "pending")
                               .values(status="done" if ok else "failed", message=message),
                               execution_options={"synchronize_session": False})
    if _rowcount(finished) != 1:
        return False
    counter = CycleBatch.succeeded if ok else CycleBatch.failed
    session.execute(update(CycleBatch).where(CycleBatch.id == batch_id)
                    .values({counter: counter + 1, CycleBatch.processed: CycleBatch.processed + 1}),
                    execution_options={"synchronize_session": False})
    return True


def fail_pending_items(session: Session, batch_id: int, message: str) -> int:
    """Mark every pending item of the batch failed with ``message`` and count them; how many."""
    failed = _rowcount(session.execute(update(CycleBatchItem)
                                       .where(CycleBatchItem.batch_id == batch_id, CycleBatchItem.status == "pending")
                                       .values(status="failed", message=message),
                                       execution_options={"synchronize_session": False}))
    if failed:
        session.execute(update(CycleBatch).where(CycleBatch.id == batch_id)
                        .values({CycleBatch.failed: CycleBatch.failed + failed,
                                 CycleBatch.processed: CycleBatch.processed + failed}),
                        execution_options={"synchronize_session": False})
    return failed


def renew_batch_lease(session: Session, batch_id: int, owner: str, until: datetime) -> bool:
    """Extend this worker's lease on the batch (compare-and-set on the owner; on PostgreSQL the row
    stays locked until the transaction ends); False when the batch is no longer this worker's."""
    renewed = session.execute(update(CycleBatch).where(CycleBatch.id == batch_id, CycleBatch.lease_owner == owner)
                              .values(lease_until=until), execution_options={"synchronize_session": False})
    return _rowcount(renewed) == 1


def release_batch_lease(session: Session, batch_id: int, owner: str) -> bool:
    """Give the lease back if it is still this worker's; False when another worker holds it."""
    released = session.execute(update(CycleBatch).where(CycleBatch.id == batch_id, CycleBatch.lease_owner == owner)
                               .values(lease_owner=None, lease_until=None),
                               execution_options={"synchronize_session": False})
    return _rowcount(released) == 1


def failures(session: Session, batch_id: int, limit: int) -> Sequence[CycleBatchItem]:
    return session.scalars(select(CycleBatchItem).where(CycleBatchItem.batch_id == batch_id,
                                                        CycleBatchItem.status == "failed")
                           .order_by(CycleBatchItem.id).limit(limit)).all()


def batches(session: Session, limit: int = 20) -> Sequence[CycleBatch]:
    return session.scalars(select(CycleBatch).order_by(CycleBatch.id.desc()).limit(limit)).all()


def user_id(session: Session, login: str) -> int | None:
    return session.scalar(select(User.id).where(User.login == login.lower()))


def version_id(session: Session, key: str, number: int) -> int | None:
    return session.scalar(select(RegulationVersion.id).join(Regulation)
                          .where(Regulation.key == key, RegulationVersion.number == number))


#: statuses of a cycle that still runs
RUNNING = ("active", "incident", "suspended")


def lock_client(session: Session, client_id: int) -> None:
    """Hold the client's row until the transaction ends (PostgreSQL; SQLite serialises writers), so
    that two starts for one client check for running cycles one after the other."""
    if _is_postgresql(session):
        session.execute(select(Client.id).where(Client.id == client_id).with_for_update())


def running_cycles(session: Session, client_id: int, regulation_id: int) -> Sequence[Cycle]:
    return session.scalars(select(Cycle).join(RegulationVersion, RegulationVersion.id == Cycle.version_id)
                           .where(Cycle.client_id == client_id, Cycle.status.in_(RUNNING),
                                  RegulationVersion.regulation_id == regulation_id)
                           .order_by(Cycle.id)).all()


def logins_with_roles(session: Session, roles: Sequence[str]) -> list[str]:
    """Active users holding any of the roles (roles are stored comma-separated)."""
    rows = session.execute(select(User.login, User.roles).where(
        User.active.is_(True), or_(*(User.roles.contains(r) for r in roles)))).all()
    return sorted(login for login, held in rows if set(held.split(",")) & set(roles))


def active_login(session: Session, login: str) -> str | None:
    return session.scalar(select(User.login).where(User.login == login, User.active.is_(True)))


def incident_groups(session: Session, limit: int = 200) -> Sequence[Any]:
    """Cycles in incident grouped by regulation version and element: one bad deploy, one row of
    (key, name, version number, element id, task name, count, a message, the newest cycle id)."""
    element = Cycle.incident["element_id"].as_string()
    name = Cycle.incident["task_name"].as_string()
    message = Cycle.incident["message"].as_string()
    query = (select(Regulation.key, Regulation.name, RegulationVersion.number, element, func.max(name),
                    func.count(), func.min(message), func.max(Cycle.id))
             .select_from(Cycle).join(RegulationVersion, RegulationVersion.id == Cycle.version_id)
             .join(Regulation, Regulation.id == RegulationVersion.regulation_id)
             .where(Cycle.status == "incident")
             .group_by(Regulation.key, Regulation.name, RegulationVersion.number, element)
             .order_by(func.count().desc(), Regulation.key, RegulationVersion.number).limit(limit))
    return session.execute(query).all()


def incidents_of(session: Session, cycle_ids: Sequence[int]) -> dict[int, Any]:
    """The incident (its JSON) of each of these cycles."""
    if not cycle_ids:
        return {}
    rows = session.execute(select(Cycle.id, Cycle.incident).where(Cycle.id.in_(list(cycle_ids)))).all()
    return {row[0]: row[1] for row in rows}


def user(session: Session, login: str) -> User | None:
    return session.scalar(select(User).where(User.login == login))


def cycles_by_ids(session: Session, cycle_ids: Sequence[int]) -> Sequence[Cycle]:
    """The cycles with their state (a dry run restores them), in id order."""
    if not cycle_ids:
        return []
    return session.scalars(select(Cycle).options(undefer(Cycle.state)).where(Cycle.id.in_(list(cycle_ids)))
                           .order_by(Cycle.id)).all()
