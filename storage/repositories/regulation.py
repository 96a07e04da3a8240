"""Regulations, versions, cycles, open tasks, history and work types. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session, joinedload, undefer

from storage.models import (
    Client,
    Cycle,
    HistoryEvent,
    OpenTask,
    Regulation,
    RegulationVersion,
    TaskCandidateGroup,
    WorkType,
)
from storage.repositories._common import _is_postgresql

_LATEST_VERSION = (select(RegulationVersion).join(Regulation)
                   .where(Regulation.key == bindparam("key"),
                          RegulationVersion.number == Regulation.latest_version))


_CYCLE_OF_TASK = (select(Cycle).options(undefer(Cycle.state)).where(Cycle.id == (
    select(OpenTask.cycle_id).where(OpenTask.id == bindparam("task_id")).scalar_subquery())))


_CYCLE_OF_TASK_FOR_UPDATE = _CYCLE_OF_TASK.with_for_update(of=Cycle)


#: with their candidate groups in the same statement (a command reads them to check who may act)
_OPEN_TASKS_OF_CYCLE = (select(OpenTask).where(OpenTask.cycle_id == bindparam("cycle_id"))
                        .options(joinedload(OpenTask.group_rows)).order_by(OpenTask.created_at))


def regulation_by_key(session: Session, key: str) -> Regulation | None:
    return session.scalar(select(Regulation).where(Regulation.key == key))


def regulations(session: Session) -> Sequence[Regulation]:
    return session.scalars(select(Regulation).order_by(Regulation.name)).all()


def version(session: Session, regulation_id: int, number: int) -> RegulationVersion | None:
    return session.scalar(select(RegulationVersion).where(
        RegulationVersion.regulation_id == regulation_id, RegulationVersion.number == number))


def latest_version(session: Session, key: str) -> RegulationVersion | None:
    return session.scalar(_LATEST_VERSION, {"key": key})


def versions(session: Session, regulation_id: int) -> Sequence[RegulationVersion]:
    return session.scalars(select(RegulationVersion)
                           .where(RegulationVersion.regulation_id == regulation_id)
                           .order_by(RegulationVersion.number.desc())).all()


def version_spec(session: Session, version_id: int) -> dict[str, Any]:
    """The compiled spec of a version (every version has one: it is stored at deploy)."""
    spec: dict[str, Any] | None = session.scalar(select(RegulationVersion.spec).where(RegulationVersion.id == version_id))
    if spec is None:
        raise LookupError(f"no regulation version {version_id}")
    return spec


def cycle_for_update(session: Session, cycle_id: int) -> Cycle | None:
    """The cycle, row-locked on PostgreSQL (SQLite already holds its write lock)."""
    query = select(Cycle).where(Cycle.id == cycle_id).options(undefer(Cycle.state))
    if _is_postgresql(session):
        query = query.with_for_update(of=Cycle)
    return session.scalar(query)


def cycles_of_client(session: Session, client_id: int) -> Sequence[Cycle]:
    return session.scalars(select(Cycle).where(Cycle.client_id == client_id)
                           .order_by(Cycle.started_at.desc())).all()


def cycles(session: Session, status: str | None = None, owner_id: int | None = None,
           limit: int = 200) -> Sequence[Cycle]:
    query = select(Cycle).order_by(Cycle.id.desc()).limit(limit)
    if status:
        query = query.where(Cycle.status == status)
    if owner_id is not None:
        query = query.where(Cycle.client_id.in_(select(Client.id).where(Client.owner_id == owner_id)))
    return session.scalars(query).all()


def open_task(session: Session, task_id: str) -> OpenTask | None:
    return session.get(OpenTask, task_id)


def cycle_of_task_for_update(session: Session, task_id: str) -> Cycle | None:
    """The cycle holding an open task, locked like cycle_for_update; None if the task is not open."""
    query = _CYCLE_OF_TASK_FOR_UPDATE if _is_postgresql(session) else _CYCLE_OF_TASK
    return session.scalar(query, {"task_id": task_id})


def open_tasks_of_cycle(session: Session, cycle_id: int) -> Sequence[OpenTask]:
    return session.scalars(_OPEN_TASKS_OF_CYCLE, {"cycle_id": cycle_id}).unique().all()


#: where the inbox's order puts a task: no due date last, then by due date, creation, id
InboxKey = tuple[bool, datetime | None, datetime, str]


def inbox_key(task: OpenTask) -> InboxKey:
    return (task.due_at is None, task.due_at, task.created_at, task.id)


def inbox(session: Session, login: str, candidate_keys: frozenset[str], scope: str | None,
          cycle_id: int | None = None, limit: int = 500, after: InboxKey | None = None) -> Sequence[OpenTask]:
    """Open tasks assigned to the user (mine) and unassigned tasks of the user's groups, in the
    inbox's order; ``after`` (the key of the last task of the page before) pages by keyset."""
    mine = OpenTask.assignee == login
    group = and_(OpenTask.assignee.is_(None), exists().where(
        TaskCandidateGroup.task_id == OpenTask.id,
        TaskCandidateGroup.group_name.in_(sorted(candidate_keys))))
    condition = {"mine": mine, "group": group}.get(scope or "", or_(mine, group))
    query = select(OpenTask).where(condition)
    if cycle_id is not None:
        query = query.where(OpenTask.cycle_id == cycle_id)
    if after is not None:
        query = query.where(_after_in_inbox(after))
    query = query.order_by(OpenTask.due_at.is_(None), OpenTask.due_at, OpenTask.created_at, OpenTask.id).limit(limit)
    return session.scalars(query).all()


def _after_in_inbox(key: InboxKey) -> Any:
    undated, due_at, created_at, task_id = key
    later_created = or_(OpenTask.created_at > created_at,
                        and_(OpenTask.created_at == created_at, OpenTask.id > task_id))
    if undated:  # the page ended among the tasks without a due date: only those remain
        return and_(OpenTask.due_at.is_(None), later_created)
    return or_(OpenTask.due_at.is_(None), OpenTask.due_at > due_at,
               and_(OpenTask.due_at == due_at, later_created))


def history(session: Session, cycle_id: int) -> Sequence[HistoryEvent]:
    return session.scalars(select(HistoryEvent).where(HistoryEvent.cycle_id == cycle_id)
                           .order_by(HistoryEvent.at, HistoryEvent.id)).all()


def task_history(session: Session, task_id: str) -> Sequence[HistoryEvent]:
    return session.scalars(select(HistoryEvent).where(HistoryEvent.task_id == task_id)
                           .order_by(HistoryEvent.id)).all()


def participated(session: Session, cycle_id: int, login: str) -> bool:
    return bool(session.scalar(select(exists().where(
        HistoryEvent.cycle_id == cycle_id, HistoryEvent.actor == login))))


def assigned_open_tasks(session: Session, logins: Sequence[str] | None = None) -> Sequence[OpenTask]:
    """Open tasks that have a responsible person (all of them, or those of the given logins)."""
    query = select(OpenTask).where(OpenTask.assignee.is_not(None))
    if logins is not None:
        query = query.where(OpenTask.assignee.in_(list(logins)))
    return session.scalars(query.order_by(OpenTask.created_at)).all()


def work_types(session: Session) -> Sequence[WorkType]:
    return session.scalars(select(WorkType).order_by(WorkType.name)).all()


#: the columns of an open task a step writes (the rest keep their defaults)
_OPEN_TASK_COLUMNS = ("id", "cycle_id", "version_id", "client_id", "element_id", "name", "stage", "work_type", "lane",
                      "assignee", "claimed", "created_at", "due_at", "planned_at")
_OPEN_TASKS = cast(Table, OpenTask.__table__)
_CANDIDATE_GROUPS = cast(Table, TaskCandidateGroup.__table__)


def add_open_tasks(session: Session, tasks: Sequence[OpenTask]) -> None:
    """Write new open tasks (objects never added to the session) and their candidate groups now:
    one executemany each, without the ORM's unit of work."""
    if not tasks:
        return
    session.execute(insert(_OPEN_TASKS), [{**{c: getattr(t, c) for c in _OPEN_TASK_COLUMNS},
                                           "claimed": bool(t.claimed), "reminded": t.reminded or 0} for t in tasks])
    groups = [{"task_id": t.id, "group_name": g.group_name} for t in tasks for g in t.group_rows]
    if groups:
        session.execute(insert(_CANDIDATE_GROUPS), groups)


def drop_open_tasks(session: Session, tasks: Sequence[OpenTask]) -> None:
    """Delete open tasks in one statement (their candidate groups go by ON DELETE CASCADE); the
    loaded objects leave the session, so that its flush never writes them again."""
    if not tasks:
        return
    for task in tasks:
        if task in session:
            session.expunge(task)
    session.execute(delete(_OPEN_TASKS).where(_OPEN_TASKS.c.id.in_([t.id for t in tasks])))


def add_history_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(cast(Table, HistoryEvent.__table__)), rows)  # one executemany



def decision_documents(session: Session, batch: int, before_id: int | None = None) -> Sequence[Any]:
    """(version id, regulation key, version number, DMN documents) of deployed versions, newest
    first, ``batch`` at a time below ``before_id``: where a business rule task finds a decision
    deployed earlier (engine/regulation/decisions/catalogue.py)."""
    query = (select(RegulationVersion.id, Regulation.key, RegulationVersion.number, RegulationVersion.dmn)
             .join(Regulation, Regulation.id == RegulationVersion.regulation_id)
             .order_by(RegulationVersion.id.desc()).limit(batch))
    if before_id is not None:
        query = query.where(RegulationVersion.id < before_id)
    return session.execute(query).all()
