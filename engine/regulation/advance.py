"""Advancing a cycle: run the engine within its step budget, compact and store the state, record incidents."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.regulation import boundary_rearm, compaction, conditions, event_scopes, jobs, normalize, outside, runtime, steps
from engine.regulation.context import (
    ACTIVE,
    CANCELLED,
    LOST,
    Context,
    Recorder,
    _jsonable,
    record_incident,
    record_stall,
)
from engine.regulation.decisions import catalogue, rule_tasks
from engine.regulation.projection import _sync_open_tasks
from engine.regulation.signal_throws import record as record_signals
from storage.models import Cycle, OpenTask


def advance(session: Session, ctx: Context, cycle: Cycle, workflow: BpmnWorkflow, rec: Recorder,
             known_open: dict[str, OpenTask], timers_before: jobs.Timers | None = None,
             outside_before: outside.Waits | None = None) -> None:
    """Run the engine as far as it goes, then write state, projection, jobs and history.

    ``timers_before``: the timers the cycle waited for before this command touched the
    workflow (its jobs project them); None makes the job sync read them instead.
    ``outside_before``: likewise what it waited for from outside (external tasks, messages)."""
    now = rec.at
    passed: list[Task] = []
    if cycle.status == ACTIVE:
        # a business rule task deployed before its decision looks for it as it runs (decisions/rule_tasks.py)
        with rule_tasks.late_decisions(catalogue.deployed_lookup(session)):
            workflow, passed = _run(cycle, workflow, rec)
    record_signals(session, cycle, workflow, passed, rec, now)  # delivered after this step commits
    for task in passed:
        if not isinstance(task.task_spec, (EndEvent,)) and task.task_spec.bpmn_id \
                and not normalize.is_generated(task.task_spec.bpmn_id):
            rec.add("passed", task, actor=None)
    ended = _deciding_ends(workflow, passed)
    outcome = next((t.task_spec.extensions.get("outcome") for t in ended
                    if (getattr(t.task_spec, "extensions", None) or {}).get("outcome")), None)
    decided = cycle.status == ACTIVE and (outcome is not None or workflow.is_completed())
    if decided and not workflow.is_completed():
        workflow.cancel()  # the cycle is decided: other branches (reminders...) stop
    projected = _sync_open_tasks(session, ctx, cycle, workflow, rec, known_open, decided)
    if cycle.status == ACTIVE and not decided:
        stall = compaction.check(workflow, projected)  # a cycle never stops silently
        if stall is not None:
            record_stall(cycle, rec, stall, now)
    jobs.sync(session, cycle, workflow if cycle.status == ACTIVE and not decided else None, timers_before)
    waits = outside.sync(session, cycle, None if decided else workflow, now,  # external tasks, subscriptions
                         outside_before)
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
    if waits and cycle.status == ACTIVE:
        from engine.regulation import received  # late: delivering a kept message advances the cycle again
        received.deliver_kept(session, ctx, cycle, waits)


def _deciding_ends(workflow: BpmnWorkflow, passed: list[Task]) -> list[Task]:
    """The end events of this step that ended the cycle's process: its own, and, once the process
    completed, those of an interrupting event subprocess of the process itself (in Camunda 7 its
    end ends the process instance, so its outcome decides the cycle)."""
    ends = [t for t in passed if isinstance(t.task_spec, EndEvent)]
    own = [t for t in ends if t.workflow is workflow]
    if not workflow.is_completed():
        return own
    return own + [t for t in ends if t.workflow is not workflow and event_scopes.ends_the_process(workflow, t)]


def _run(cycle: Cycle, workflow: BpmnWorkflow, rec: Recorder) -> tuple[BpmnWorkflow, list[Task]]:
    """Run the engine within the step's budget; a failure puts the cycle into incident."""
    now, passed = rec.at, list[Task]()
    guard = steps.StepGuard(workflow, now)  # bounded work per step (engine/regulation/steps.py)
    try:
        workflow.refresh_timers()  # timers due by now fire with this step
        workflow.do_engine_steps(will_complete_task=guard.check, did_complete_task=passed.append)
        for _ in range(event_scopes.MAX_ROUNDS):  # Camunda's event subprocess rules (event_scopes.py)
            settled = event_scopes.settle(workflow)
            rearmed = boundary_rearm.rearm(passed)  # non-interrupting boundaries catch again (boundary_rearm.py)
            if not conditions.refresh(workflow) and not settled and not rearmed:  # conditional events (conditions.py)
                break
            workflow.do_engine_steps(will_complete_task=guard.check, did_complete_task=passed.append)
        guard.finish()
        uncaught = event_scopes.uncaught_error(workflow)
        if uncaught is not None:
            record_incident(cycle, rec, uncaught.task, uncaught, now)
    except steps.StepTooBig as exc:  # the engine's part of the step is undone; the cycle waits
        workflow, passed = guard.rolled_back(), []
        record_incident(cycle, rec, exc.task, exc, now)
    except Exception as exc:
        failed = next(iter(workflow.get_tasks(state=TaskState.ERROR)), None)
        record_incident(cycle, rec, failed, exc, now)
    return workflow, passed


def _variables(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The cycle's variables: the data of the most recent task, else the start data."""
    last = workflow.last_task
    data = dict(last.data) if last is not None else dict(workflow.task_tree.data)
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        data.update(task.data)
    return data






