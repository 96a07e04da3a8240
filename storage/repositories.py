"""Named queries. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload, undefer

from storage.models import (
    Client,
    Cycle,
    Group,
    HistoryEvent,
    Job,
    OpenTask,
    Regulation,
    RegulationVersion,
    Segment,
    TaskCandidateGroup,
    User,
    WorkType,
)


def user_by_login(session: Session, login: str) -> User | None:
    return session.scalar(select(User).where(User.login == login).options(selectinload(User.groups)))


# Hot-path statements are built once; only their parameters change per call.
_USER_BY_ID = select(User).where(User.id == bindparam("user_id")).options(selectinload(User.groups))
_LATEST_VERSION = (select(RegulationVersion).join(Regulation)
                   .where(Regulation.key == bindparam("key"),
                          RegulationVersion.number == Regulation.latest_version))
_CYCLE_OF_TASK = (select(Cycle).options(undefer(Cycle.state)).where(Cycle.id == (
    select(OpenTask.cycle_id).where(OpenTask.id == bindparam("task_id")).scalar_subquery())))
_CYCLE_OF_TASK_FOR_UPDATE = _CYCLE_OF_TASK.with_for_update(of=Cycle)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
_OPEN_TASKS_OF_CYCLE = (select(OpenTask).where(OpenTask.cycle_id == bindparam("cycle_id"))
                        .order_by(OpenTask.created_at))


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.scalar(_USER_BY_ID, {"user_id": user_id})


def users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.login).options(selectinload(User.groups))).all()


def segment_by_name(session: Session, name: str) -> Segment | None:
    return session.scalar(select(Segment).where(Segment.name == name))


def segments(session: Session) -> Sequence[Segment]:
    return session.scalars(select(Segment).order_by(Segment.name)).all()


def client_by_id(session: Session, client_id: int) -> Client | None:
    return session.get(Client, client_id, options=[joinedload(Client.segment), joinedload(Client.owner)])


def clients(session: Session, owner_id: int | None = None, search: str | None = None,
            limit: int = 200, offset: int = 0) -> Sequence[Client]:
    query = (select(Client).order_by(Client.name, Client.id)
             .options(joinedload(Client.segment), joinedload(Client.owner)))
    if owner_id is not None:
        query = query.where(Client.owner_id == owner_id)
    if search:
        query = query.where(func.lower(Client.name).contains(search.lower()))
    return session.scalars(query.limit(limit).offset(offset)).unique().all()


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


def version_spec(session: Session, version_id: int) -> dict:  # type: ignore[type-arg]
    return session.scalar(select(RegulationVersion.spec).where(RegulationVersion.id == version_id))


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
    return session.scalars(_OPEN_TASKS_OF_CYCLE, {"cycle_id": cycle_id}).all()


def inbox(session: Session, login: str, candidate_keys: frozenset[str], scope: str | None,
          cycle_id: int | None = None, limit: int = 500) -> Sequence[OpenTask]:
    """Open tasks assigned to the user (mine) and unassigned tasks of the user's groups."""
    mine = OpenTask.assignee == login
    group = and_(OpenTask.assignee.is_(None), exists().where(
        TaskCandidateGroup.task_id == OpenTask.id,
        TaskCandidateGroup.group_name.in_(sorted(candidate_keys))))
    condition = {"mine": mine, "group": group}.get(scope or "", or_(mine, group))
    query = select(OpenTask).where(condition)
    if cycle_id is not None:
        query = query.where(OpenTask.cycle_id == cycle_id)
    query = query.order_by(OpenTask.due_at.is_(None), OpenTask.due_at, OpenTask.created_at).limit(limit)
    return session.scalars(query).all()


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


# ---------------------------------------------------------------- timer jobs

def jobs_of_cycle(session: Session, cycle_id: int) -> Sequence[Job]:
    return session.scalars(select(Job).where(Job.cycle_id == cycle_id)).all()


def add_jobs(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(Job.__table__), rows)  # one executemany


def drop_jobs(session: Session, cycle_id: int, task_ids: Iterable[str] | None = None) -> None:
    """Delete a cycle's jobs (only those of the given timer tasks, when given)."""
    stmt = delete(Job).where(Job.cycle_id == cycle_id)
    if task_ids is not None:
        stmt = stmt.where(Job.task_id.in_(list(task_ids)))
    session.execute(stmt, execution_options={"synchronize_session": False})


def reschedule_job(session: Session, cycle_id: int, task_id: str, due_at: datetime) -> None:
    """A waiting timer got a new due time (a cycle timer's next repetition): attempts start over."""
    session.execute(update(Job).where(Job.cycle_id == cycle_id, Job.task_id == task_id)
                    .values(due_at=due_at, attempts=0, last_error=None),
                    execution_options={"synchronize_session": False})


def _lease_free(now: datetime) -> Any:
    return (Job.lease_until.is_(None)) | (Job.lease_until < now)


def due_jobs(session: Session, now: datetime, limit: int) -> Sequence[Any]:
    """(id, cycle_id) of due jobs with a free or expired lease, oldest first; on PostgreSQL the
    rows stay locked (SKIP LOCKED) until the transaction that leases them commits."""
    query = (select(Job.id, Job.cycle_id).where(Job.failed.is_(False), Job.due_at <= now, _lease_free(now))
             .order_by(Job.due_at).limit(limit))
    if _is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=Job)
    return session.execute(query).all()


def lease_jobs(session: Session, ids: list[int], owner: str, until: datetime, now: datetime) -> set[int]:
    """Lease the jobs to ``owner``; returns the ids it now holds. On SQLite the update is a
    compare-and-set (only leases still free are taken); PostgreSQL's rows are already locked."""
    stmt = update(Job).where(Job.id.in_(ids))
    if not _is_postgresql(session):
        stmt = stmt.where(_lease_free(now))
    session.execute(stmt.values(lease_owner=owner, lease_until=until),
                    execution_options={"synchronize_session": False})
    return set(session.scalars(select(Job.id).where(Job.id.in_(ids), Job.lease_owner == owner)))


def next_job_due(session: Session) -> datetime | None:
    return session.scalar(select(Job.due_at).where(Job.failed.is_(False)).order_by(Job.due_at).limit(1))


def failed_jobs(session: Session, limit: int = 200) -> Sequence[Job]:
    """Timer jobs that failed every attempt, newest first."""
    return session.scalars(select(Job).where(Job.failed.is_(True)).order_by(Job.due_at.desc())
                           .limit(limit)).all()


# ---------------------------------------------------------------- work types

def work_types(session: Session) -> Sequence[WorkType]:
    return session.scalars(select(WorkType).order_by(WorkType.name)).all()


def group_by_name(session: Session, name: str) -> Group | None:
    return session.scalar(select(Group).where(Group.name == name))
