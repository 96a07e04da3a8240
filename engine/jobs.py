"""Timer jobs: one row per waiting timer, run by workers under a lease.

The jobs table is a projection of each cycle's waiting timers, rebuilt in the same
transaction as every step of the cycle. A worker acquires due jobs with a lease
(owner + expiry): ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a compare-and-set inside the
write transaction on SQLite. Running a job is one transaction on its cycle: the timer fires,
the cycle advances and the job disappears together, so a job takes effect exactly once. A
worker killed mid-job loses nothing: its transaction never commits and the lease expires.
Failures retry with back-off, then become an incident on the cycle.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from storage.models import Cycle, Job  # noqa: F401 (Job is re-exported for the worker)

log = logging.getLogger("reglament.worker")

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))


def waiting_timers(workflow: BpmnWorkflow) -> dict[str, tuple[str, datetime]]:
    """task id -> (element id, due time) for every waiting timer of the workflow."""
    out: dict[str, tuple[str, datetime]] = {}
    for task in list(workflow.event_manager.tasks.values()):
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition):
            continue
        value = definition.details(task).value
        if isinstance(value, dict):  # a finished cycle timer
            continue
        if value is None:
            continue
        due = TimerEventDefinition.get_datetime(str(value))
        out[str(task.id)] = (task.task_spec.bpmn_id, due)
    return out


def sync(session: Session, cycle: Cycle, workflow: BpmnWorkflow | None, new_cycle: bool = False) -> None:
    """Make the cycle's jobs match its waiting timers (none once decided or in incident)."""
    timers = waiting_timers(workflow) if workflow is not None else {}
    existing = {} if new_cycle else {
        j.task_id: j for j in session.scalars(select(Job).where(Job.cycle_id == cycle.id))}
    for task_id, job in existing.items():
        if task_id not in timers:
            session.delete(job)
    rows = []
    for task_id, (element_id, due) in timers.items():
        job = existing.get(task_id)
        if job is None:
            rows.append({"cycle_id": cycle.id, "kind": "timer", "task_id": task_id, "element_id": element_id,
                         "due_at": due, "attempts": 0, "failed": False})
        elif job.due_at != due:
            job.due_at, job.attempts, job.last_error = due, 0, None
    if rows:
        session.execute(insert(Job.__table__), rows)  # one executemany


@dataclass(frozen=True)
class Lease:
    job_id: int
    cycle_id: int
    owner: str


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:6]}"


def acquire(session: Session, owner: str, now: datetime, limit: int = 20,
            lease: timedelta = LEASE) -> list[Lease]:
    """Take up to ``limit`` due jobs whose lease is free or expired."""
    free = (Job.lease_until.is_(None)) | (Job.lease_until < now)
    query = (select(Job.id, Job.cycle_id).where(Job.failed.is_(False), Job.due_at <= now, free)
             .order_by(Job.due_at).limit(limit))
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        query = query.with_for_update(skip_locked=True, of=Job)
    rows = session.execute(query).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    stmt = update(Job).where(Job.id.in_(ids))
    if not postgresql:
        stmt = stmt.where(free)  # compare-and-set: only leases still free are taken
    session.execute(stmt.values(lease_owner=owner, lease_until=now + lease),
                    execution_options={"synchronize_session": False})
    taken = set(session.scalars(select(Job.id).where(Job.id.in_(ids), Job.lease_owner == owner)))
    return [Lease(r.id, r.cycle_id, owner) for r in rows if r.id in taken]


def held(session: Session, lease: Lease) -> Job | None:
    job = session.get(Job, lease.job_id)
    if job is None or job.lease_owner != lease.owner:
        return None
    return job


def record_failure(session: Session, lease: Lease, error: str, now: datetime) -> bool:
    """Count a failed attempt; returns True when attempts are exhausted (an incident)."""
    job = session.get(Job, lease.job_id)
    if job is None:
        return False
    job.attempts += 1
    job.last_error = error[:2000]
    job.lease_owner = job.lease_until = None
    if job.attempts >= MAX_ATTEMPTS:
        job.failed = True
        return True
    job.due_at = now + BACKOFF[min(job.attempts - 1, len(BACKOFF) - 1)]
    return False


def next_due(session: Session) -> datetime | None:
    return session.scalar(select(Job.due_at).where(Job.failed.is_(False)).order_by(Job.due_at).limit(1))


def clear(session: Session, cycle_id: int) -> None:
    session.execute(delete(Job).where(Job.cycle_id == cycle_id))
