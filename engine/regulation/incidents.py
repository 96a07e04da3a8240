"""Retrying a cycle in incident, firing its due timers, turning failed timer jobs into incidents."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.regulation import external_tasks, jobs, outside, runtime, spiff_tree
from engine.regulation.advance import advance
from engine.regulation.context import ACTIVE, INCIDENT, Context, Recorder, put_in_incident, record_incident
from engine.regulation.decisions import catalogue, rule_tasks
from engine.shared.access import PERMISSIONS, Actor, Permission, require
from engine.shared.errors import (
    InputInvalid,
    NotFound,
    TaskNotActionable,
)
from engine.shared.notices import Notice
from storage.models import Cycle
from storage.repositories import regulation as regulation_repo


def retry_cycle(session: Session, ctx: Context, actor: Actor, cycle_id: int,
                variables: dict[str, Any] | None = None, permission: Permission = Permission.LEAD) -> Cycle:
    """Run the failed step again, after the cause was fixed (optionally patching variables).
    ``permission``: what the caller's operation needs (a migration retries with OPERATE)."""
    require(actor, PERMISSIONS[permission], "retry cycles in incident")
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
    external_tasks.retried(session, cycle.id)  # an external task out of retries gets one more
    cycle.status, cycle.incident = ACTIVE, None
    try:
        with rule_tasks.late_decisions(catalogue.deployed_lookup(session)):  # a decision deployed since
            for task in failed:
                task.data.update(variables or {})
                if isinstance(task.task_spec, SubWorkflowTask) and workflow.get_subprocess(task) is None:
                    # a call that failed to start (its process was not deployed): start it again
                    spiff_tree.force_state(task, TaskState.WAITING)
                    spiff_tree.update(task)
                    continue
                spiff_tree.force_state(task, TaskState.READY)
                task.run()
    except Exception as exc:
        record_incident(cycle, rec, next(iter(workflow.get_tasks(state=TaskState.ERROR)), None), exc, now)
    if not failed and variables:
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(variables)
    advance(session, ctx, cycle, workflow, rec, known_open=known, timers_before={})  # jobs cleared above
    return cycle


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
    advance(session, ctx, cycle, workflow, rec, known_open=known, timers_before=jobs.waiting_timers(workflow),
            outside_before=outside.waits(workflow))  # what its jobs and outside rows project: no reads
    return cycle


def timer_incident(session: Session, ctx: Context, cycle_id: int, element_id: str, message: str) -> None:
    """A timer job failed every attempt: the cycle goes into incident until retried."""
    cycle = regulation_repo.cycle_for_update(session, cycle_id)
    if cycle is None or cycle.status != ACTIVE:
        return
    now = ctx.now()
    rec = Recorder(session, cycle, None, now)
    put_in_incident(cycle, rec, Notice("timer_failed", {"detail": message}), now, element_id=element_id)
    rec.write()
