"""Timer jobs: the projection of every cycle's waiting timers, leased by workers. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from storage.models import (
    Job,
)
from storage.repositories._common import _is_postgresql


def jobs_of_cycle(session: Session, cycle_id: int) -> Sequence[Job]:
    return session.scalars(select(Job).where(Job.cycle_id == cycle_id)).all()


def add_jobs(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(cast(Table, Job.__table__)), rows)  # one executemany


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

