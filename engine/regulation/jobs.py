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

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy.orm import Session

from storage.models import Cycle, Job
from storage.repositories import jobs as jobs_repo

log = logging.getLogger("reglament.worker")

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))


def waiting_timers(workflow: BpmnWorkflow) -> dict[str, tuple[str, datetime]]:
    """task id -> (element id, due time) for every waiting timer of the workflow."""
    out: dict[str, tuple[str, datetime]] = {}
    for task in list(workflow.event_manager.tasks.values()):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MultipleEventDefinition):  # an event-based gateway with a timer
            if not any(isinstance(d, TimerEventDefinition) for d in definition.event_definitions):
                continue
            value = task.internal_data.get("event_value")
        elif isinstance(definition, TimerEventDefinition):
            value = definition.details(task).value
        else:
            continue
        if isinstance(value, dict):  # a finished cycle timer
            continue
        if value is None:
            continue
        due = TimerEventDefinition.get_datetime(str(value))
        out[str(task.id)] = (task.task_spec.bpmn_id, due)
    return out


Timers = dict[str, tuple[str, datetime]]


def sync(session: Session, cycle: Cycle, workflow: BpmnWorkflow | None, before: Timers | None = None) -> None:
    """Make the cycle's jobs match its waiting timers (none once decided or in incident).

    ``before`` are the timers the cycle waited for when its step began, which its jobs already
    project: given them, only the difference is written and nothing is read (a step that
    neither adds nor removes a timer costs no statement). Without them the jobs are read.
    """
    timers = waiting_timers(workflow) if workflow is not None else {}
    if before is None:
        before = {j.task_id: (j.element_id, j.due_at) for j in jobs_repo.jobs_of_cycle(session, cycle.id)}
    if not timers:
        if before:
            jobs_repo.drop_jobs(session, cycle.id)
        return
    gone = [task_id for task_id in before if task_id not in timers]
    if gone:
        jobs_repo.drop_jobs(session, cycle.id, gone)
    rows = []
    for task_id, (element_id, due) in timers.items():
        known = before.get(task_id)
        if known is None:
            rows.append({"cycle_id": cycle.id, "kind": "timer", "task_id": task_id, "element_id": element_id,
                         "due_at": due, "attempts": 0, "failed": False})
        elif known[1] != due:
            jobs_repo.reschedule_job(session, cycle.id, task_id, due)
    if rows:
        jobs_repo.add_jobs(session, rows)


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
    rows = jobs_repo.due_jobs(session, now, limit)
    if not rows:
        return []
    taken = jobs_repo.lease_jobs(session, [r.id for r in rows], owner, now + lease, now)
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
    return jobs_repo.next_job_due(session)


def clear(session: Session, cycle_id: int) -> None:
    jobs_repo.drop_jobs(session, cycle_id)
