"""Cycles: start, advance, complete, claim, release, retry; projection and history.

Every command here runs inside one unit of work. A command that advances a
cycle locks it (row lock on PostgreSQL, the write transaction on SQLite, the
lock version everywhere), restores the workflow onto its version's cached spec,
advances it, then writes state, the open-task projection and history together.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from engine.clients.records import get_client, record_event
from engine.notify import notifications
from engine.regulation import compaction, expressions, forms, jobs, runtime, steps, work_types
from engine.regulation import versions as regulations
from engine.shared import days
from engine.shared.access import HEADS, SELLERS, Actor, may_act_on_task, require
from engine.shared.errors import (
    ExpressionError,
    Forbidden,
    InputInvalid,
    NotFound,
    TaskNotActionable,
)
from storage.models import Cycle, OpenTask, RegulationVersion, TaskCandidateGroup
from storage.repositories import planning as planning_repo
from storage.repositories import regulation as regulation_repo

ACTIVE, WON, LOST, INCIDENT, CANCELLED = "active", "won", "lost", "incident", "cancelled"
#: how long a process reuses the work-type catalogue before reading it again
WORK_TYPES_TTL = 10.0
STATUSES = (ACTIVE, WON, LOST, INCIDENT, CANCELLED)


@dataclass
class Context:
    """What a command needs besides the session: the spec cache and the clock."""

    specs: runtime.SpecCache
    now: Callable[[], datetime]
    forms: dict[tuple[int, str], list[forms.FormField]] = field(default_factory=dict)
    _dues: tuple[float, dict[str, str]] | None = None

    def work_type_dues(self, session: Session) -> dict[str, str]:
        """The catalogue's default due durations, re-read at most every WORK_TYPES_TTL seconds."""
        now = time.monotonic()
        if self._dues is None or self._dues[0] < now:
            self._dues = (now + WORK_TYPES_TTL, work_types.default_dues(session))
        return self._dues[1]

    def forget_work_types(self) -> None:
        self._dues = None

    def specs_for(self, session: Session, version: RegulationVersion) -> runtime.SpecSet:
        return self.specs_by_id(session, version.id)

    def specs_by_id(self, session: Session, version_id: int) -> runtime.SpecSet:
        return self.specs.get(version_id, lambda: regulation_repo.version_spec(session, version_id))


class Recorder:
    """Collects the history events of one command and appends them in one statement; every
    history event of a cycle is written through one (the engine's one way to record them)."""

    def __init__(self, session: Session, cycle: Cycle, actor: str | None, at: datetime) -> None:
        self.session, self.cycle, self.actor, self.at = session, cycle, actor, at
        self.rows: list[dict[str, Any]] = []

    def add(self, type_: str, task: Task | OpenTask | None = None, data: dict[str, Any] | None = None,
            actor: str | None = "__default__", element_id: str | None = None) -> None:
        """An event, of a task (spec or projection row) or, without one, of ``element_id``."""
        task_id, name = None, element_id
        if isinstance(task, Task):
            task_id, element_id = str(task.id), task.task_spec.bpmn_id
            name = task.task_spec.bpmn_name or element_id
        elif isinstance(task, OpenTask):
            task_id, element_id, name = task.id, task.element_id, task.name
        self.rows.append({
            "cycle_id": self.cycle.id, "client_id": self.cycle.client_id, "at": self.at, "type": type_,
            "actor": self.actor if actor == "__default__" else actor, "task_id": task_id,
            "element_id": element_id, "task_name": name, "data": _jsonable(data or {})})

    def write(self) -> None:
        if self.rows:
            regulation_repo.add_history_events(self.session, self.rows)  # one executemany
            self.rows = []


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------- start

def start_cycle(session: Session, ctx: Context, actor: Actor, client_id: int, regulation_key: str) -> Cycle:
    require(actor, SELLERS, "start cycles")
    client = get_client(session, actor, client_id)
    version = regulations.latest_version(session, regulation_key)
    now = ctx.now()
    if client.owner is None and "manager" in actor.roles:
        # the manager who starts work with a free client takes it (recorded on its timeline)
        record_event(session, client.id, "owner", actor, now,
                     {"from": None, "to": actor.login, "how": "taken", "client": client.name})
        client.owner_id = actor.id
        session.flush()
        session.refresh(client)
    owner = client.owner.login if client.owner else None
    variables = {"client_id": client.id, "client_name": client.name,
                 "segment": client.segment.name if client.segment else None, "owner": owner}
    cycle = Cycle(version=version, client=client, status=ACTIVE, state={}, variables=variables,
                  started_at=now, started_by=actor.login)
    session.add(cycle)
    session.flush()
    variables["cycle_id"] = cycle.id
    workflow = runtime.new_workflow(ctx.specs_for(session, version), variables)
    rec = Recorder(session, cycle, actor.login, now)
    rec.add("started", data={"regulation": version.regulation.key, "version": version.number,
                             "client": client.name})
    _advance(session, ctx, cycle, workflow, rec, known_open={}, timers_before={})
    return cycle


# ---------------------------------------------------------------- tasks

def _open_task_or_conflict(session: Session, task_id: str) -> OpenTask:
    task = regulation_repo.open_task(session, task_id)
    if task is not None:
        return task
    past = regulation_repo.task_history(session, task_id)
    if not past:
        raise NotFound(f"no task {task_id}")
    last = past[-1]
    if last.type == "completed":
        raise TaskNotActionable(f"task '{last.task_name}' was already completed by {last.actor} "
                                f"at {last.at:%Y-%m-%d %H:%M} UTC", {"task_id": task_id})
    raise TaskNotActionable(f"task '{last.task_name}' is no longer open ({last.type})",
                            {"task_id": task_id})


def _lock(session: Session, task_id: str) -> tuple[OpenTask, Cycle, dict[str, OpenTask]]:
    """Lock the task's cycle, then read the cycle's open tasks under the lock."""
    cycle = regulation_repo.cycle_of_task_for_update(session, task_id)
    if cycle is None:
        _open_task_or_conflict(session, task_id)  # raises: completed before, or unknown
        raise NotFound(f"no cycle for task {task_id}")
    known = {t.id: t for t in regulation_repo.open_tasks_of_cycle(session, cycle.id)}
    task = known.get(task_id) or _open_task_or_conflict(session, task_id)
    if cycle.status != ACTIVE:
        raise TaskNotActionable(f"cycle {cycle.id} is {cycle.status}; its tasks cannot be acted on",
                                {"cycle_id": cycle.id, "status": cycle.status})
    return task, cycle, known


def task_form(session: Session, ctx: Context, task: OpenTask) -> list[forms.FormField]:
    key = (task.version_id, task.element_id)
    found = ctx.forms.get(key)
    if found is None:  # versions are immutable, so a task's form never changes
        spec, subs = ctx.specs_by_id(session, task.version_id)
        found = ctx.forms[key] = forms.fields_of(_find_spec(spec, subs, task.element_id))
    return found


def _find_spec(spec: Any, subs: dict[str, Any], element_id: str) -> Any:
    for process in (spec, *subs.values()):
        found = process.task_specs.get(element_id)
        if found is not None:
            return found
    return None


def complete_task(session: Session, ctx: Context, actor: Actor, task_id: str,
                  submitted: dict[str, Any]) -> Cycle:
    task, cycle, known = _lock(session, task_id)
    if not may_act_on_task(actor, task.assignee, task.candidate_groups):
        raise Forbidden(_not_yours(task))
    specs = ctx.specs_for(session, cycle.version)
    workflow = runtime.restore_workflow(specs, cycle.state)
    timers_before = jobs.waiting_timers(workflow)  # what the cycle's jobs project now
    wf_task = workflow.get_task_from_id(UUID(task.id))
    if wf_task is None or wf_task.state != TaskState.READY:
        raise TaskNotActionable(f"task '{task.name}' is not open in its cycle")
    values = forms.validate(task_form(session, ctx, task), submitted, wf_task.data)
    now = ctx.now()
    rec = Recorder(session, cycle, actor.login, now)
    wf_task.data.update(values)
    if task.assignee is None:
        rec.add("claimed", task, {"assignee": actor.login})
    try:
        wf_task.run()
    except Exception as exc:
        _incident(cycle, rec, wf_task, exc, now)
    else:
        rec.add("completed", task, {"variables": values})
        known.pop(task.id, None)
        session.delete(task)
        _log_work_done(session, cycle, task, actor, now)
    _advance(session, ctx, cycle, workflow, rec, known_open=known, timers_before=timers_before)
    return cycle


def _log_work_done(session: Session, cycle: Cycle, task: OpenTask, actor: Actor, now: datetime) -> None:
    """The done-work log row of a completed task (one insert, no read). Its deadline: the due
    time, else the end of the planned day in the completer's time zone (engine.activities
    defines "on time"). A task of a work type is a contact: the client's latest one."""
    due = task.due_at
    if due is None and task.planned_at is not None:
        due = days.end_of_day(task.planned_at, days.zone(actor.timezone))
    planning_repo.add_work_done(session, {
        "login": actor.login, "client_id": cycle.client_id, "cycle_id": cycle.id, "task_id": task.id,
        "activity_id": None, "name": task.name, "work_type": task.work_type, "due_at": due,
        "done_at": now, "result": None})
    if task.work_type:
        cycle.client.last_contact_at = now  # an UPDATE by primary key at flush: the client is loaded


def _not_yours(task: OpenTask) -> str:
    if task.assignee:
        return f"task '{task.name}' is assigned to {task.assignee}"
    return f"task '{task.name}' belongs to the groups {', '.join(task.candidate_groups)}"


def claim_task(session: Session, ctx: Context, actor: Actor, task_id: str) -> OpenTask:
    task, cycle, _ = _lock(session, task_id)
    if task.assignee == actor.login:
        return task
    if not may_act_on_task(actor, None, task.candidate_groups):
        raise Forbidden(_not_yours(task))
    if task.assignee is not None:
        raise TaskNotActionable(f"task '{task.name}' is already assigned to {task.assignee}")
    task.assignee, task.claimed = actor.login, True
    _touch(cycle)
    rec = Recorder(session, cycle, actor.login, ctx.now())
    rec.add("claimed", task, {"assignee": actor.login})
    rec.write()
    return task


def release_task(session: Session, ctx: Context, actor: Actor, task_id: str) -> OpenTask:
    task, cycle, _ = _lock(session, task_id)
    if task.assignee != actor.login:
        raise Forbidden(f"only the person who holds task '{task.name}' may release it")
    if not task.claimed:
        raise TaskNotActionable(f"task '{task.name}' is assigned by the regulation and cannot be "
                                "released; ask the head of sales to hand it over")
    task.assignee, task.claimed = None, False
    _touch(cycle)
    rec = Recorder(session, cycle, actor.login, ctx.now())
    rec.add("released", task)
    rec.write()
    return task


def _touch(cycle: Cycle) -> None:
    """Bump the lock version so a concurrent command on the same cycle fails its check."""
    flag_modified(cycle, "stage")  # the mapper increments lock_version on flush


# ---------------------------------------------------------------- advance

def _advance(session: Session, ctx: Context, cycle: Cycle, workflow: BpmnWorkflow, rec: Recorder,
             known_open: dict[str, OpenTask], timers_before: jobs.Timers | None = None) -> None:
    """Run the engine as far as it goes, then write state, projection, jobs and history.

    ``timers_before``: the timers the cycle waited for before this command touched the
    workflow (its jobs project them); None makes the job sync read them instead."""
    now = rec.at
    passed: list[Task] = []
    if cycle.status == ACTIVE:
        guard = steps.StepGuard(workflow, now)  # bounded work per step (engine/regulation/steps.py)
        try:
            workflow.refresh_timers()  # timers due by now fire with this step
            workflow.do_engine_steps(will_complete_task=guard.check, did_complete_task=passed.append)
            guard.finish()
        except steps.StepTooBig as exc:  # the engine's part of the step is undone; the cycle waits
            workflow, passed = guard.rolled_back(), []
            _incident(cycle, rec, exc.task, exc, now)
        except Exception as exc:
            failed = next(iter(workflow.get_tasks(state=TaskState.ERROR)), None)
            _incident(cycle, rec, failed, exc, now)
    for task in passed:
        if not isinstance(task.task_spec, (EndEvent,)) and task.task_spec.bpmn_id:
            rec.add("passed", task, actor=None)
    ended = [t for t in passed if isinstance(t.task_spec, EndEvent) and t.workflow is workflow]
    outcome = next((t.task_spec.extensions.get("outcome") for t in ended
                    if (getattr(t.task_spec, "extensions", None) or {}).get("outcome")), None)
    decided = cycle.status == ACTIVE and (outcome is not None or workflow.is_completed())
    if decided and not workflow.is_completed():
        workflow.cancel()  # the cycle is decided: other branches (reminders...) stop
    projected = _sync_open_tasks(session, ctx, cycle, workflow, rec, known_open, decided)
    if cycle.status == ACTIVE and not decided:
        stall = compaction.check(workflow, projected)  # a cycle never stops silently
        if stall is not None:
            _stalled(cycle, rec, stall, now)
    jobs.sync(session, cycle, workflow if cycle.status == ACTIVE and not decided else None, timers_before)
    compaction.compact(workflow)  # the stored state: what the engine needs to go on
    cycle.state = runtime.workflow_state(workflow)
    cycle.variables = _jsonable(_variables(workflow))
    if decided:
        cycle.status = outcome or CANCELLED
        cycle.outcome = outcome
        cycle.ended_at = now
        cycle.credited_to_id = cycle.client.owner_id  # a later hand-over does not move the sale
        if outcome == LOST:
            end_reason = next(((t.task_spec.extensions or {}).get("loss_reason") for t in ended
                               if (t.task_spec.extensions or {}).get("outcome") == LOST), None)
            # a reason typed in the form wins; an end event may name one (a timeout, say)
            cycle.loss_reason = cycle.variables.get("loss_reason") or end_reason
        data: dict[str, Any] = {"outcome": outcome, "loss_reason": cycle.loss_reason}
        if outcome is None:
            data["note"] = "the regulation ended without a won/lost end event"
        rec.add("ended", ended[0] if ended else None, data, actor=None)
    rec.write()


def _variables(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The cycle's variables: the data of the most recent task, else the start data."""
    last = workflow.last_task
    data = dict(last.data) if last is not None else dict(workflow.task_tree.data)
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        data.update(task.data)
    return data


def _incident(cycle: Cycle, rec: Recorder, task: Task | None, exc: Exception, now: datetime) -> None:
    message = _error_text(exc)
    element = task.task_spec.bpmn_id if task is not None else getattr(exc, "task_spec", None)
    cycle.status = INCIDENT
    cycle.incident = {"message": message, "element_id": element if isinstance(element, str) else None,
                      "task_name": task.task_spec.bpmn_name if task is not None else None,
                      "at": now.isoformat()}
    rec.add("incident", task, {"message": message}, actor=None)


def _stalled(cycle: Cycle, rec: Recorder, stall: compaction.Stall, now: datetime) -> None:
    message = f"The engine cannot continue this cycle: {stall.message}"
    cycle.status = INCIDENT
    cycle.incident = {"message": message, "element_id": stall.element_id,
                      "task_name": stall.task.task_spec.bpmn_name if stall.task is not None else None,
                      "at": now.isoformat()}
    rec.add("incident", stall.task, {"message": message}, actor=None, element_id=stall.element_id)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ExpressionError):
        return exc.message
    parts = [str(exc.args[0]) if exc.args else str(exc)]
    cause = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    if cause is not None and str(cause) not in parts[0]:
        parts.append(str(getattr(cause, "message", cause)))
    notes = getattr(exc, "notes", None) or getattr(exc, "__notes__", None) or []
    parts.extend(n for n in notes if n not in parts)
    return ": ".join(parts)


def _responsibility(task: Task, variables: dict[str, Any]) -> tuple[str | None, list[str]]:
    """Logins are lower-case (as stored); group names are kept as written."""
    ext = getattr(task.task_spec, "extensions", {}) or {}
    assignee = _resolve(ext.get("camunda:assignee"), variables)
    assignee = assignee.lower()[:64] if assignee else None
    groups = [g[:100] for g in (_resolve(x.strip(), variables) for x in
                                (ext.get("camunda:candidateGroups") or "").split(",")) if g]
    users = [f"user:{u.lower()}"[:100] for u in (_resolve(x.strip(), variables) for x in
                                                  (ext.get("camunda:candidateUsers") or "").split(",")) if u]
    if not groups and not users and task.task_spec.lane:
        groups = [task.task_spec.lane]
    return assignee, groups + users


def _resolve(value: str | None, variables: dict[str, Any]) -> str | None:
    if not value:
        return None
    if "${" in value or "#{" in value:
        result = expressions.evaluate(value, variables)
        return str(result).strip() if result not in (None, "") else None
    return value.strip()


def _due(task: Task, variables: dict[str, Any], now: datetime,
         defaults: Callable[[], dict[str, str]]) -> datetime | None:
    """camunda:dueDate, else the task's ``due`` property, else its work type's default."""
    ext = getattr(task.task_spec, "extensions", {}) or {}
    raw = ext.get("camunda:dueDate")
    if raw:
        value = expressions.evaluate(raw, variables, timer=True) if "${" in raw else raw
        try:
            if isinstance(value, str) and value.upper().startswith("P"):
                return now + _duration(value)
            due: datetime = TimerEventDefinition.get_datetime(str(value))
            return due
        except Exception:
            raise ExpressionError(f"due date {raw!r} of '{task.task_spec.bpmn_name}' is not an "
                                  "ISO-8601 date or duration") from None
    if ext.get("due"):
        try:
            return now + _duration(ext["due"])
        except Exception:
            raise ExpressionError(f"due {ext['due']!r} of '{task.task_spec.bpmn_name}' is not an "
                                  "ISO-8601 duration such as P2D or PT4H") from None
    default = defaults().get(ext.get("work_type") or "")
    return now + _duration(default) if default else None


def _duration(text: str) -> timedelta:
    parsed = TimerEventDefinition.parse_iso_duration(text)
    days = parsed.pop("days", 0) + 7 * parsed.pop("weeks", 0) + 365 * parsed.pop("years", 0) \
        + 30 * parsed.pop("months", 0)
    return timedelta(days=days, **parsed)


def _sync_open_tasks(session: Session, ctx: Context, cycle: Cycle, workflow: BpmnWorkflow,
                     rec: Recorder, known: dict[str, OpenTask], decided: bool) -> set[str]:
    """Make the open-task projection match the ready user tasks; returns their ids."""
    ready = {} if decided else {
        str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    for task_id, row in known.items():
        if task_id not in ready:
            rec.add("cancelled", row, actor=None)
            session.delete(row)
    stages = cycle.version.stages or []
    best_stage = None
    created: list[notifications.NewTask] = []
    catalogue: dict[str, str] | None = None

    def defaults() -> dict[str, str]:  # read only when a new task needs it
        nonlocal catalogue
        if catalogue is None:
            catalogue = ctx.work_type_dues(session)
        return catalogue

    for task_id, task in ready.items():
        stage = (task.task_spec.extensions or {}).get("stage")
        if stage and (best_stage is None or _stage_rank(stages, stage) > _stage_rank(stages, best_stage)):
            best_stage = stage
        if task_id in known:
            continue
        try:
            assignee, groups = _responsibility(task, task.data)
            due = _due(task, task.data, rec.at, defaults)
        except ExpressionError as exc:
            _incident(cycle, rec, task, exc, rec.at)
            continue
        row = OpenTask(id=task_id, cycle_id=cycle.id, version_id=cycle.version_id, client_id=cycle.client_id,
                       element_id=task.task_spec.bpmn_id[:200],
                       name=(task.task_spec.bpmn_name or task.task_spec.bpmn_id)[:300],
                       stage=stage[:100] if stage else None,
                       work_type=((task.task_spec.extensions or {}).get("work_type") or "")[:50] or None,
                       lane=task.task_spec.lane[:100] if task.task_spec.lane else None, assignee=assignee, claimed=False, created_at=rec.at,
                       due_at=due, group_rows=[TaskCandidateGroup(group_name=g) for g in dict.fromkeys(groups)])
        session.add(row)
        created.append(notifications.NewTask(row, (task.task_spec.extensions or {}).get("notify")))
        rec.add("created", task, {"assignee": assignee, "candidate_groups": groups,
                                  "due_at": due.isoformat() if due else None,
                                  "stage": row.stage, "work_type": row.work_type}, actor=None)
        if assignee:
            rec.add("assigned", task, {"assignee": assignee}, actor=None)
    notifications.tasks_created(session, cycle.client.name, created, rec.actor, rec.at)
    if best_stage:
        cycle.stage = best_stage
    return set(ready)


def _stage_rank(stages: list[str], stage: str) -> int:
    return stages.index(stage) if stage in stages else -1


# ---------------------------------------------------------------- incidents

def retry_cycle(session: Session, ctx: Context, actor: Actor, cycle_id: int,
                variables: dict[str, Any] | None = None) -> Cycle:
    """Run the failed step again, after the cause was fixed (optionally patching variables)."""
    require(actor, HEADS, "retry cycles in incident")
    cycle = regulation_repo.cycle_for_update(session, cycle_id)
    if cycle is None:
        raise NotFound(f"no cycle {cycle_id}")
    if cycle.status != INCIDENT:
        raise TaskNotActionable(f"cycle {cycle_id} is {cycle.status}, not in incident")
    for key in variables or {}:
        if not key.isidentifier() or key.startswith("_"):
            raise InputInvalid(f"{key!r} is not a valid variable name")
    workflow = runtime.restore_workflow(ctx.specs_for(session, cycle.version), cycle.state)
    failed = workflow.get_tasks(state=TaskState.ERROR)
    now = ctx.now()
    rec = Recorder(session, cycle, actor.login, now)
    rec.add("retried", None, {"variables": variables or {}, "incident": cycle.incident})
    known = {t.id: t for t in regulation_repo.open_tasks_of_cycle(session, cycle.id)}
    jobs.clear(session, cycle.id)  # failed timer jobs start afresh from the waiting timers
    cycle.status, cycle.incident = ACTIVE, None
    try:
        for task in failed:
            task.data.update(variables or {})
            task._set_state(TaskState.READY)
            task.run()
    except Exception as exc:
        _incident(cycle, rec, next(iter(workflow.get_tasks(state=TaskState.ERROR)), None), exc, now)
    if not failed and variables:
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(variables)
    _advance(session, ctx, cycle, workflow, rec, known_open=known, timers_before={})  # jobs cleared above
    return cycle


# ---------------------------------------------------------------- timers

def fire_timers(session: Session, ctx: Context, lease: jobs.Lease) -> Cycle | None:
    """Run a leased timer job: one transaction on its cycle (the worker's unit of work)."""
    cycle = regulation_repo.cycle_for_update(session, lease.cycle_id)
    job = jobs.held(session, lease)
    if cycle is None or job is None:
        return None  # the job is gone (the cycle moved on) or another worker took it over
    if cycle.status != ACTIVE:
        jobs.sync(session, cycle, None)
        return cycle
    workflow = runtime.restore_workflow(ctx.specs_for(session, cycle.version), cycle.state)
    known = {t.id: t for t in regulation_repo.open_tasks_of_cycle(session, cycle.id)}
    rec = Recorder(session, cycle, None, ctx.now())
    _advance(session, ctx, cycle, workflow, rec, known_open=known, timers_before=jobs.waiting_timers(workflow))
    return cycle


def timer_incident(session: Session, ctx: Context, cycle_id: int, element_id: str, message: str) -> None:
    """A timer job failed every attempt: the cycle goes into incident until retried."""
    cycle = regulation_repo.cycle_for_update(session, cycle_id)
    if cycle is None or cycle.status != ACTIVE:
        return
    now = ctx.now()
    cycle.status = INCIDENT
    cycle.incident = {"message": f"timer job failed: {message}", "element_id": element_id,
                      "task_name": None, "at": now.isoformat()}
    rec = Recorder(session, cycle, None, now)
    rec.add("incident", None, {"message": cycle.incident["message"]}, actor=None, element_id=element_id)
    rec.write()


# ---------------------------------------------------------------- reading

def may_view_cycle(session: Session, actor: Actor, cycle: Cycle) -> bool:
    if actor.reads_all or cycle.client.owner_id == actor.id:
        return True
    if regulation_repo.inbox(session, actor.login, actor.candidate_keys, None, cycle_id=cycle.id, limit=1):
        return True
    return regulation_repo.participated(session, cycle.id, actor.login)


def get_cycle(session: Session, actor: Actor, cycle_id: int) -> Cycle:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(f"no cycle {cycle_id}")
    if not may_view_cycle(session, actor, cycle):
        raise Forbidden(f"{actor.login} may not see cycle {cycle_id}")
    return cycle


def list_cycles(session: Session, actor: Actor, status: str | None = None) -> list[Cycle]:
    if status is not None and status not in STATUSES:
        raise InputInvalid(f"status must be one of {', '.join(STATUSES)}")
    owner = None if actor.reads_all else actor.id
    return list(regulation_repo.cycles(session, status=status, owner_id=owner))


def cycle_dict(cycle: Cycle) -> dict[str, Any]:
    return {
        "id": cycle.id, "status": cycle.status, "outcome": cycle.outcome, "stage": cycle.stage,
        "loss_reason": cycle.loss_reason, "client_id": cycle.client_id, "client_name": cycle.client.name,
        "regulation": cycle.version.regulation.key, "version": cycle.version.number,
        "variables": cycle.variables, "incident": cycle.incident,
        "started_at": cycle.started_at.isoformat(), "started_by": cycle.started_by,
        "ended_at": cycle.ended_at.isoformat() if cycle.ended_at else None,
    }


#: history events that mean "the element ran"
_RAN = ("completed", "passed", "ended")


def path_taken(cycle: Cycle, history: list[dict[str, Any]], open_tasks: list[OpenTask]) -> dict[str, Any]:
    """Per diagram element: how often it ran, which are active or in incident, and each run."""
    completed: dict[str, int] = {}
    runs: dict[str, list[dict[str, Any]]] = {}
    for event in history:
        task = event.get("task")
        if not task or not task.get("element_id"):
            continue
        element_id = task["element_id"]
        if event["type"] in _RAN:
            completed[element_id] = completed.get(element_id, 0) + 1
        runs.setdefault(element_id, []).append(
            {"at": event["at"], "type": event["type"], "actor": event["actor"], "data": event["data"]})
    incident = [cycle.incident["element_id"]] if cycle.incident and cycle.incident.get("element_id") else []
    return {"completed": completed, "active": sorted({t.element_id for t in open_tasks}),
            "incident": incident, "runs": runs}


def history_dicts(session: Session, cycle: Cycle) -> list[dict[str, Any]]:
    return [{"at": e.at.isoformat(), "type": e.type, "actor": e.actor,
             "task": ({"id": e.task_id, "element_id": e.element_id, "name": e.task_name}
                      if e.element_id else None),
             "data": e.data} for e in regulation_repo.history(session, cycle.id)]


def inbox(session: Session, ctx: Context, actor: Actor, scope: str | None = None,
          cycle_id: int | None = None) -> list[OpenTask]:
    if scope not in (None, "", "mine", "group"):
        raise InputInvalid(f"scope must be 'mine' or 'group', not {scope!r}")
    return list(regulation_repo.inbox(session, actor.login, actor.candidate_keys, scope or None, cycle_id))
