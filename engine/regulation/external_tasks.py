"""External tasks: outside workers fetch and lock, complete, fail, throw BPMN errors, extend and unlock.

The work items are the projection ``outside.sync`` keeps (one row per started external task).
Locks are the database's time: a lock is live while ``lock_expires_at`` is after the
database's clock, so a crashed worker's task becomes fetchable again when its lock runs out,
whichever host asks. Completion, failure and BPMN errors lock the task's cycle first and read the
row again under that lock: of two workers completing the same task, the second finds the row gone
(NotFound: "already completed") and nothing happens twice.

Who may act as a worker: the permission ``integrate`` (the process owner, the head of sales, the
administrator; give an integration its own account with the ``owner`` role).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.regulation import incoming, jobs, runtime, spiff_tree
from engine.regulation.advance import advance
from engine.regulation.context import ACTIVE, Context, Recorder, put_in_incident, record_incident
from engine.shared.access import PERMISSIONS, Actor, Permission, require
from engine.shared.errors import InputInvalid, NotFound, TaskNotActionable
from engine.shared.notices import Notice
from storage.models import Cycle, ExternalTask
from storage.repositories import messaging as messaging_repo
from storage.repositories import regulation as regulation_repo
from storage.repositories.clock import database_now

MAX_TASKS = 100
MAX_TOPICS = 50
MAX_LOCK = timedelta(days=7)
MAX_WORKER_ID = 255
MAX_ERROR = 2000
MAX_DETAILS = 20_000


class NotLockedByWorker(TaskNotActionable):
    """The task is locked by another worker, or by none (Camunda answers 400)."""

    code = "not_locked_by_worker"


@dataclass(frozen=True)
class TopicRequest:
    name: str
    lock_ms: int
    variables: list[str] | None = None
    business_key: str | None = None
    regulation: str | None = None


@dataclass(frozen=True)
class LockedTask:
    id: str
    topic: str
    worker_id: str
    lock_expires_at: datetime
    cycle_id: int
    element_id: str
    name: str
    regulation: str
    version_id: int
    business_key: str | None
    variables: dict[str, Any]
    retries: int | None
    error_message: str | None
    error_details: str | None
    priority: int
    created_at: datetime


def integrator(actor: Actor, action: str) -> None:
    """Workers, message and signal senders hold the permission ``integrate``."""
    if not actor.may(Permission.INTEGRATE):
        require(actor, PERMISSIONS[Permission.INTEGRATE], action)  # Forbidden, naming the roles


def _worker(worker_id: str) -> str:
    if not isinstance(worker_id, str) or not worker_id.strip():
        raise InputInvalid("workerId is required: the name of the worker that holds the lock")
    if len(worker_id) > MAX_WORKER_ID:
        raise InputInvalid(f"workerId is longer than {MAX_WORKER_ID} characters")
    return worker_id


def _duration(ms: int, what: str) -> timedelta:
    if isinstance(ms, bool) or not isinstance(ms, int) or ms <= 0:
        raise InputInvalid(f"{what} must be a positive number of milliseconds")
    duration = timedelta(milliseconds=ms)
    if duration > MAX_LOCK:
        raise InputInvalid(f"{what} of {ms} ms is longer than the limit of {int(MAX_LOCK.total_seconds() * 1000)} ms (7 days)")
    return duration


def fetch_and_lock(session: Session, actor: Actor, worker_id: str, max_tasks: int, topics: list[TopicRequest],
                   by_priority: bool = True) -> list[LockedTask]:
    """Lock up to ``max_tasks`` fetchable tasks of the topics for the worker (none: an empty list)."""
    integrator(actor, "fetch external tasks")
    worker_id = _worker(worker_id)
    if isinstance(max_tasks, bool) or not isinstance(max_tasks, int) or not 0 <= max_tasks <= MAX_TASKS:
        raise InputInvalid(f"maxTasks must be a number from 0 to {MAX_TASKS}")
    if len(topics) > MAX_TOPICS:
        raise InputInvalid(f"{len(topics)} topics asked for; the limit is {MAX_TOPICS}")
    by_name = {t.name: t for t in topics}
    durations = {t.name: _duration(t.lock_ms, f"lockDuration of topic {t.name!r}") for t in topics}
    if max_tasks == 0 or not topics:
        return []
    now = database_now(session)
    filters = [(t.name, t.business_key, t.regulation) for t in by_name.values()]  # matched by the database
    chosen = messaging_repo.fetchable_external_tasks(session, filters, now, max_tasks, by_priority)
    cycles = messaging_repo.cycles_by_id(session, {row.cycle_id for row in chosen})
    held: set[str] = set()
    for name in {row.topic for row in chosen}:  # one compare-and-set per topic (its lock duration)
        held |= messaging_repo.lock_external_tasks(session, [r.id for r in chosen if r.topic == name], worker_id,
                                                   now + durations[name], now)
    locked: list[LockedTask] = []
    for row in chosen:
        if row.id not in held:
            continue  # another worker took it in between
        topic, cycle, until = by_name[row.topic], cycles[row.cycle_id], now + durations[row.topic]
        variables = dict(cycle.variables or {})
        if topic.variables is not None:
            variables = {k: v for k, v in variables.items() if k in topic.variables}
        locked.append(LockedTask(row.id, row.topic, worker_id, until, cycle.id, row.element_id, row.name,
                                 cycle.version.regulation.key, cycle.version_id, cycle.business_key, variables,
                                 row.retries, row.error_message, row.error_details, row.priority, row.created_at))
    return locked


def _locked_cycle(session: Session, task_id: str) -> tuple[Cycle, ExternalTask]:
    """The task's cycle under its write lock, and the task as it is after that lock was taken."""
    cycle_id = messaging_repo.cycle_id_of_external_task(session, task_id)
    cycle = regulation_repo.cycle_for_update(session, cycle_id) if cycle_id is not None else None
    row = messaging_repo.external_task(session, task_id) if cycle is not None else None
    if cycle is None or row is None:
        raise NotFound(f"External task with id {task_id} does not exist: it was completed, or its cycle moved on")
    return cycle, row


def _check_worker(row: ExternalTask, worker_id: str, action: str) -> None:
    if row.worker_id != worker_id:
        holder = f"it is locked by worker '{row.worker_id}'" if row.worker_id else "it is not locked"
        raise NotLockedByWorker(f"External task {row.id} cannot be {action} by worker '{worker_id}': {holder}")


def _running(session: Session, ctx: Context, cycle: Cycle, row: ExternalTask) -> tuple[Any, Task]:
    if cycle.status != ACTIVE:
        raise TaskNotActionable(f"cycle {cycle.id} is {cycle.status}; its external task '{row.name}' waits")
    workflow = runtime.restore_workflow(ctx.specs_for(session, cycle.version), cycle.state)
    task = workflow.get_task_from_id(UUID(row.id))
    if task is None or task.state != TaskState.STARTED:
        raise TaskNotActionable(f"external task '{row.name}' is not waiting in its cycle")
    return workflow, task


def complete(session: Session, ctx: Context, actor: Actor, task_id: str, worker_id: str,
             variables: dict[str, Any] | None = None) -> Cycle:
    """The worker did the work: its variables become cycle variables and the cycle moves on."""
    integrator(actor, "complete external tasks")
    values = incoming.check_variables(variables)
    cycle, row = _locked_cycle(session, task_id)
    _check_worker(row, _worker(worker_id), "completed")
    workflow, task = _running(session, ctx, cycle, row)
    timers_before = jobs.waiting_timers(workflow)
    rec = Recorder(session, cycle, actor.login, ctx.now())
    task.data.update(values)
    try:
        task.complete()
    except Exception as exc:
        record_incident(cycle, rec, task, exc, rec.at)
    else:
        rec.add("completed", task, {"variables": values, "worker": worker_id})
    known = {t.id: t for t in regulation_repo.open_tasks_of_cycle(session, cycle.id)}
    advance(session, ctx, cycle, workflow, rec, known_open=known, timers_before=timers_before)
    return cycle


def failure(session: Session, ctx: Context, actor: Actor, task_id: str, worker_id: str, message: str | None,
            details: str | None = None, retries: int | None = None, retry_timeout_ms: int = 0) -> Cycle:
    """The worker could not do the work. With retries left the task is fetchable again after the
    retry timeout; with none the cycle goes into incident naming the task and the worker's message
    (Retry on the incidents page gives the task one more try)."""
    integrator(actor, "report external task failures")
    if retries is not None and (isinstance(retries, bool) or not isinstance(retries, int)):
        raise InputInvalid("retries must be a whole number")
    if isinstance(retry_timeout_ms, bool) or not isinstance(retry_timeout_ms, int) or retry_timeout_ms < 0:
        raise InputInvalid("retryTimeout must be a number of milliseconds, 0 or more")
    if retry_timeout_ms:
        _duration(retry_timeout_ms, "retryTimeout")
    cycle, row = _locked_cycle(session, task_id)
    _check_worker(row, _worker(worker_id), "failed")
    now = database_now(session)
    row.retries = max(0, retries if retries is not None else 0)
    row.error_message = (message or "")[:MAX_ERROR] or None
    row.error_details = (details or "")[:MAX_DETAILS] or None
    row.worker_id, row.lock_expires_at = None, None
    row.available_at = now + timedelta(milliseconds=retry_timeout_ms) if retry_timeout_ms else None
    rec = Recorder(session, cycle, actor.login, ctx.now())
    rec.add("external_failure", None, {"worker": worker_id, "message": row.error_message, "retries": row.retries},
            element_id=row.element_id)
    if row.retries == 0 and cycle.status == ACTIVE:
        put_in_incident(cycle, rec, Notice("external_failed", {
            "task": row.name, "topic": row.topic, "error": row.error_message or Notice("no_message")}),
            rec.at, element_id=row.element_id, task_name=row.name)
    rec.write()
    return cycle


def _error_boundaries(task: Task, code: str) -> list[Task]:
    """The waiting error boundary events that catch ``code`` from this task, else from the
    subprocess or call activity around it (innermost first)."""
    definition = ErrorEventDefinition(code, code=code)
    node: Task | None = task
    while node is not None:
        parent = node.parent
        if parent is not None and isinstance(parent.task_spec, BoundaryEventSplit):
            found = [t for t in parent.children if t is not node and t.state == TaskState.WAITING
                     and isinstance(getattr(t.task_spec, "event_definition", None), ErrorEventDefinition)
                     and t.task_spec.event_definition == definition]
            if found:
                return found[:1]
        outer = node.workflow.parent_task_id
        node = node.workflow.top_workflow.get_task_from_id(outer) if outer is not None else None
    return []


def bpmn_error(session: Session, ctx: Context, actor: Actor, task_id: str, worker_id: str, code: str,
               message: str | None = None, variables: dict[str, Any] | None = None) -> Cycle:
    """The worker found a business error: an error boundary event on the task (or around it) that
    catches the code takes the cycle on; with none the cycle goes into incident naming the code."""
    integrator(actor, "report BPMN errors of external tasks")
    if not isinstance(code, str) or not code.strip() or len(code) > 200:
        raise InputInvalid("errorCode is required (at most 200 characters)")
    values = incoming.check_variables(variables)
    cycle, row = _locked_cycle(session, task_id)
    _check_worker(row, _worker(worker_id), "failed with a BPMN error")
    workflow, task = _running(session, ctx, cycle, row)
    timers_before = jobs.waiting_timers(workflow)
    rec = Recorder(session, cycle, actor.login, ctx.now())
    rec.add("bpmn_error", task, {"worker": worker_id, "code": code, "message": message, "variables": values})
    catchers = _error_boundaries(task, code)
    if catchers:
        task.data.update(values)
        event = BpmnEvent(ErrorEventDefinition(code, code=code), payload={**task.data}, target=task.workflow)
        for boundary in catchers:
            boundary.task_spec.catch(boundary, event)
            spiff_tree.update(boundary)
    else:
        said = {"message": message[:MAX_ERROR]} if message else {}
        put_in_incident(cycle, rec, Notice("external_bpmn_error_said" if said else "external_bpmn_error",
                                           {"task": row.name, "code": repr(code), **said}),
                        rec.at, task=task)
    known = {t.id: t for t in regulation_repo.open_tasks_of_cycle(session, cycle.id)}
    advance(session, ctx, cycle, workflow, rec, known_open=known, timers_before=timers_before)
    return cycle


def extend_lock(session: Session, actor: Actor, task_id: str, worker_id: str, new_duration_ms: int) -> ExternalTask:
    """The worker needs longer: its live lock now ends ``new_duration_ms`` from now."""
    integrator(actor, "extend locks of external tasks")
    duration = _duration(new_duration_ms, "newDuration")
    row = messaging_repo.external_task(session, task_id)
    if row is None:
        raise NotFound(f"External task with id {task_id} does not exist")
    now = database_now(session)
    _check_worker(row, _worker(worker_id), "given a longer lock")
    if row.lock_expires_at is None or row.lock_expires_at < now:
        raise NotLockedByWorker(f"Cannot extend the lock of external task {task_id}: the lock of worker "
                                f"'{worker_id}' has expired (another worker may fetch it)")
    row.lock_expires_at = now + duration
    return row


def unlock(session: Session, actor: Actor, task_id: str) -> ExternalTask:
    """Release the lock: any worker may fetch the task at once."""
    integrator(actor, "unlock external tasks")
    row = messaging_repo.external_task(session, task_id)
    if row is None:
        raise NotFound(f"External task with id {task_id} does not exist")
    row.worker_id, row.lock_expires_at = None, None
    return row


def retried(session: Session, cycle_id: int) -> None:
    """An incident was retried: external tasks that ran out of retries get one more."""
    messaging_repo.reset_external_retries(session, cycle_id)
