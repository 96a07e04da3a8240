"""Camunda 7's rules for event subprocesses and thrown errors, applied after each engine run.

SpiffWorkflow 3.2 starts a timer event subprocess beside the main flow and lets it wait for
ever: the process never completes after its main flow ended, and an interrupting event
subprocess leaves the main flow running. Camunda 7 does otherwise, and so does Reglament:

- an **interrupting** event subprocess that started (its start event fired) cancels every
  other path of its scope (the process or the embedded subprocess it is in);
- an event subprocess that is still waiting for its start event ends when the rest of its
  scope has ended: the scope (and so the cycle) completes;
- an **error** thrown by an error end event that no boundary event or event subprocess
  catches is an incident naming the error (Camunda's ``enableExceptionsAfterUnhandledBpmnError``;
  Camunda's default would end the path without a word).

``settle`` reports whether it changed anything; the caller runs the engine again then.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition, EscalationEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.regulation.parser import EVENT_SUBPROCESS, NON_INTERRUPTING
from engine.shared.notices import Noticed, coded

_LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
#: rounds of settling and running the engine again in one step (each round ends a scope)
MAX_ROUNDS = 20


class UncaughtError(Noticed):
    """A BPMN error reached the top of the cycle with nothing to catch it."""

    def __init__(self, message: str, task: Task | None) -> None:
        super().__init__(message)
        self.message = message
        self.task = task


def _extensions(task: Task) -> dict[str, Any]:
    return getattr(task.task_spec, "extensions", None) or {}


def _is_event_subprocess(task: Task) -> bool:
    return _extensions(task).get(EVENT_SUBPROCESS) == "true"


def _live(wf: Any) -> list[Task]:
    return [t for t in wf.tasks.values() if t.state & _LIVE]


def _starts(sub: Any) -> list[Task]:
    return [t for t in sub.tasks.values() if isinstance(t.task_spec, StartEvent)]


def _idle(sub: Any) -> bool:
    """An event subprocess still waiting for its start event, with nothing else going on."""
    return all(isinstance(t.task_spec, StartEvent) and t.state == TaskState.WAITING for t in _live(sub))


def ends_the_process(workflow: BpmnWorkflow, task: Task) -> bool:
    """Whether ``task`` ran in an interrupting event subprocess of the process itself (not of an
    embedded subprocess): reaching its end ends the process."""
    sub = task.workflow
    parent_id = getattr(sub, "parent_task_id", None)
    parent = workflow.tasks.get(parent_id) if parent_id is not None else None
    if parent is None or not _is_event_subprocess(parent):
        return False
    return not any(_extensions(t).get(NON_INTERRUPTING) == "true" for t in _starts(sub))


def settle(workflow: BpmnWorkflow) -> bool:
    changed = False
    for wf in [workflow, *list(workflow.subprocesses.values())]:
        scopes = [t for t in _live(wf) if _is_event_subprocess(t)]
        if not scopes:
            continue
        for es in scopes:
            sub = workflow.subprocesses.get(es.id)
            starts = _starts(sub) if sub is not None else []
            fired = any(t.state == TaskState.COMPLETED for t in starts)
            interrupting = not any(_extensions(t).get(NON_INTERRUPTING) == "true" for t in starts)
            if fired and interrupting:
                for other in _live(wf):
                    if other is not es and not isinstance(other.task_spec, _EndJoin) \
                            and not _is_event_subprocess(other) and other.state & _LIVE:
                        other.cancel()
                        changed = True
        others = [t for t in _live(wf) if not _is_event_subprocess(t) and not isinstance(t.task_spec, _EndJoin)]
        if others:
            continue
        for es in scopes:
            sub = workflow.subprocesses.get(es.id)
            if sub is None or _idle(sub):
                es.cancel()
                changed = True
    return changed


def uncaught_error(workflow: BpmnWorkflow) -> UncaughtError | None:
    """The first error event nothing caught in this run (taken off the workflow's events)."""
    for event in list(workflow.bpmn_events):
        definition = event.event_definition
        if isinstance(definition, EscalationEventDefinition):  # Camunda: an uncaught escalation is no error
            workflow.bpmn_events.remove(event)
        elif isinstance(definition, ErrorEventDefinition):
            workflow.bpmn_events.remove(event)
            code = definition.code or definition.name or ""
            thrower = _thrower(workflow, definition)
            if thrower is None:
                return coded(UncaughtError, "uncaught_error", {"code": repr(code)}, None)
            return coded(UncaughtError, "uncaught_error_by", {
                "code": repr(code), "task": thrower.task_spec.bpmn_name or thrower.task_spec.bpmn_id}, thrower)
    return None


def _thrower(workflow: BpmnWorkflow, definition: Any) -> Task | None:
    for wf in [workflow, *workflow.subprocesses.values()]:
        for task in reversed(list(wf.tasks.values())):
            if task.state == TaskState.COMPLETED and getattr(task.task_spec, "event_definition", None) is definition:
                return task
    return None
