"""Modify a running cycle: cancel its token at one element and start one at another.

Skip a step (move forward), redo a step (move back), or get a cycle out of an incident by moving
it past the failing element. Built on SpiffWorkflow's own task-tree operations, the ones its
``reset_from_task_id`` uses: the token's task (with the boundary events around it) is cancelled
with ``Task.cancel``, a task for the target element is added under the same parent and brought
to life by its spec's prediction and update (as ``Task.reset_branch`` does; SpiffWorkflow keeps
these private, so they go through ``engine.regulation.spiff_tree``), carrying the data of the
cancelled token. Then the cycle advances
as after any step: the open-task projection, timer jobs and history follow.

Limits: the target must be in the same process (or subprocess) as the token, and may not be a
boundary event, a start event or a joining parallel/inclusive gateway (they wait for tokens
that would never come).
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, InclusiveGateway, ParallelGateway, StartEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.regulation import (
    compaction,
    error_texts,  # noqa: F401  (registers the codes raised here)
    jobs,
    runtime,
    spiff_tree,
)
from engine.regulation.advance import advance
from engine.regulation.context import ACTIVE, INCIDENT, Context, Recorder
from engine.regulation.operations import locked_cycle, reason_text, refuse_unless
from engine.shared.access import OPERATORS, Actor, require
from engine.shared.errors import InputInvalid
from engine.shared.notices import Notice, coded
from storage.models import Cycle
from storage.repositories import regulation as regulation_repo

#: the states of a token: a task waiting, ready, running or failed
TOKEN = TaskState.WAITING | TaskState.READY | TaskState.STARTED | TaskState.ERROR
_NOT_TARGETS = (BoundaryEvent, StartEvent, ParallelGateway, InclusiveGateway)


def tokens(workflow: BpmnWorkflow) -> list[Task]:
    """The tasks holding a token (boundary events and engine-internal tasks left out)."""
    return [t for wf in compaction.workflows(workflow) for t in wf.tasks.values()
            if t.state & TOKEN and t.task_spec.bpmn_id and not isinstance(t.task_spec, BoundaryEvent)]


def _bad(field: str, code: str, params: dict[str, Any]) -> InputInvalid:
    """InputInvalid whose message is also the field's problem."""
    return coded(InputInvalid, code, params, {"fields": {field: Notice(code, params).text}})


def _target_spec(token: Task, element_id: str) -> Any:
    specs = token.workflow.spec.task_specs
    found = next((s for s in specs.values() if getattr(s, "bpmn_id", None) == element_id), None)
    if found is None:
        raise _bad("to_element", "move_not_in_process",
                   {"element": repr(element_id), "token": repr(token.task_spec.bpmn_id)})
    if isinstance(found, _NOT_TARGETS):
        raise _bad("to_element", "move_not_a_target", {"element": repr(element_id), "kind": type(found).__name__})
    return found


def move(workflow: BpmnWorkflow, from_element: str, to_element: str) -> tuple[Task, Task]:
    """Cancel the token at ``from_element`` and start one at ``to_element``; returns both tasks."""
    held = [t for t in tokens(workflow) if t.task_spec.bpmn_id == from_element]
    if not held:
        now_at = sorted({t.task_spec.bpmn_id for t in tokens(workflow)})
        if not now_at:
            raise _bad("from_element", "move_no_token_nothing", {"element": repr(from_element)})
        raise _bad("from_element", "move_no_token", {"element": repr(from_element), "elements": ", ".join(now_at)})
    token = held[0]
    target = _target_spec(token, to_element)
    data = deepcopy(token.data)
    top = token.parent if isinstance(token.parent.task_spec, BoundaryEventSplit) else token
    anchor = top.parent
    if token.state == TaskState.ERROR:  # Task.cancel leaves finished (failed) tasks as they are
        spiff_tree.force_state(token, TaskState.CANCELLED)
    top.cancel()  # the token, its boundary events and what was predicted after it
    for child in list(anchor.children):
        if child is not top and child.state & TaskState.PREDICTED_MASK:
            spiff_tree.remove_task(token.workflow, child.id)
    # a task with boundary events is entered through its split (which starts the events with it)
    entry = next((s for s in target.inputs if isinstance(s, BoundaryEventSplit)), target)
    begun = spiff_tree.add_child(anchor, entry, TaskState.FUTURE)
    begun.data = deepcopy(data)
    spiff_tree.predict(begun, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
    spiff_tree.update(begun)
    begun.data = data
    token.workflow.last_task = anchor
    started = next((t for t in begun if t.task_spec is target), begun)
    return token, started


def move_token(session: Session, ctx: Context, actor: Actor, cycle_id: int, from_element: str,
               to_element: str, reason: str | None) -> Cycle:
    require(actor, OPERATORS, "move a cycle's tokens")
    text = reason_text(reason)
    cycle = locked_cycle(session, cycle_id)
    refuse_unless(cycle, (ACTIVE, INCIDENT), "modified")
    workflow = runtime.restore_workflow(ctx.specs_for(session, cycle.version), cycle.state)
    known = {t.id: t for t in regulation_repo.open_tasks_of_cycle(session, cycle.id)}
    token, started = move(workflow, (from_element or "").strip(), (to_element or "").strip())
    rec = Recorder(session, cycle, actor.login, ctx.now())
    rec.add("moved", None, {"from": token.task_spec.bpmn_id, "from_name": token.task_spec.bpmn_name,
                            "to": started.task_spec.bpmn_id, "to_name": started.task_spec.bpmn_name,
                            "reason": text, "incident": cycle.incident},
            element_id=started.task_spec.bpmn_id)
    if cycle.status == INCIDENT:
        cycle.status, cycle.incident = ACTIVE, None
    jobs.clear(session, cycle.id)  # the jobs are rebuilt from the timers the moved cycle waits for
    advance(session, ctx, cycle, workflow, rec, known_open=known, timers_before={})
    return cycle


@dataclass(frozen=True)
class Choice:
    """An element of the diagram, as a select offers it."""

    id: str
    name: str


@dataclass(frozen=True)
class MoveChoices:
    """The elements that hold a token now, and the elements a token may be moved to (by name)."""

    tokens: tuple[Choice, ...]
    targets: tuple[Choice, ...]


def choices(session: Session, ctx: Context, cycle: Cycle) -> MoveChoices:
    """For the cycle page: where its tokens are and where one may be moved to."""
    spec, subs = ctx.specs_for(session, cycle.version)
    workflow = runtime.restore_workflow((spec, subs), cycle.state)
    held = {t.task_spec.bpmn_id: t.task_spec.bpmn_name or t.task_spec.bpmn_id for t in tokens(workflow)}
    targets = {}
    for process in (spec, *subs.values()):
        for task_spec in process.task_specs.values():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            if bpmn_id and not isinstance(task_spec, _NOT_TARGETS) and not isinstance(task_spec, BoundaryEventSplit):
                targets[bpmn_id] = task_spec.bpmn_name or bpmn_id
    return MoveChoices(tokens=tuple(Choice(k, v) for k, v in held.items()),
                       targets=tuple(sorted((Choice(k, v) for k, v in targets.items()), key=lambda c: c.name.lower())))
