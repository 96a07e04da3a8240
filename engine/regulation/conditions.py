"""Conditional events evaluated as Camunda 7 evaluates them: when reached, and again whenever the
cycle's variables may have changed.

SpiffWorkflow evaluates a conditional event's condition once, when the token reaches it, over the
data the token carried then (and never after an event-based gateway); a condition that did not
hold then waited for ever. Camunda 7 evaluates an intermediate conditional catch event (after an
event-based gateway too), a conditional boundary event and the conditional start event of an
event subprocess when it is reached and again on every change of the variables of its scope.
Reglament evaluates every waiting conditional event again after each step of a cycle (a task
completed, a message received, variables edited, a timer fired: every change of variables is
such a step), over the cycle's latest variables; one whose condition now holds fires and the
engine runs on from it.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.regulation import spiff_tree


def _workflows(workflow: BpmnWorkflow) -> list[Any]:
    return [workflow, *workflow.subprocesses.values()]


def _conditions(task: Task) -> list[ConditionalEventDefinition]:
    """The conditions a waiting task waits for: its own, or those of an event-based gateway's events."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, ConditionalEventDefinition):
        return [definition]
    if isinstance(definition, MultipleEventDefinition):
        return [d for d in definition.event_definitions if isinstance(d, ConditionalEventDefinition)]
    return []


def waiting(workflow: BpmnWorkflow) -> list[Task]:
    """The tasks of the cycle (its subprocesses included) that wait for a condition: conditional
    events, and event-based gateways one of whose events is conditional."""
    return [task for wf in _workflows(workflow) for task in wf.tasks.values()
            if task.state == TaskState.WAITING and _conditions(task)]


def latest_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The variables as the cycle's latest completed task left them (the freshest values)."""
    done = [t for wf in _workflows(workflow) for t in wf.tasks.values() if t.state == TaskState.COMPLETED]
    return dict(max(done, key=lambda t: t.last_state_change).data) if done else {}


def refresh(workflow: BpmnWorkflow) -> bool:
    """Evaluate every waiting conditional event again over the cycle's latest variables; True when
    one fired (the caller runs the engine again)."""
    events = waiting(workflow)
    if not events:
        return False
    fresh = latest_data(workflow)
    fired = False
    for task in events:
        task.data.update(fresh)  # variables set since the token reached the event
        if isinstance(task.task_spec.event_definition, MultipleEventDefinition):
            _gateway(task)  # SpiffWorkflow evaluates only the timers of an event-based gateway
        spiff_tree.update(task)
        fired = fired or task.state == TaskState.READY
    return fired


def _gateway(task: Task) -> None:
    """An event-based gateway whose conditional event's condition holds takes that event's path
    (the first such, in the order drawn), as a caught message or timer would."""
    for definition in _conditions(task):
        if definition.has_fired(task):
            seen = task.internal_data.get("seen_events", [])
            task.internal_data["seen_events"] = [*seen, BpmnEvent(definition)]
            return
