"""Non-interrupting message and signal boundary events catch every event while their activity runs.

Camunda 7 keeps a non-interrupting boundary event subscribed for as long as its activity runs:
each message or signal that arrives starts its path again. SpiffWorkflow's boundary event catches
once. After each engine run, a non-interrupting message or signal boundary event that fired while
its activity still runs gets a fresh waiting twin beside it (once: a twin already waiting, as
``messages.catch`` arms one for a message from outside, is kept).
"""
from __future__ import annotations

from collections.abc import Iterable

from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.regulation import spiff_tree

_RUNNING = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_ARMED = TaskState.MAYBE | TaskState.LIKELY | TaskState.FUTURE | TaskState.WAITING


def _keeps_catching(task: Task) -> bool:
    spec = task.task_spec
    return (isinstance(spec, BoundaryEvent) and not spec.cancel_activity and task.parent is not None
            and isinstance(getattr(spec, "event_definition", None), (MessageEventDefinition, SignalEventDefinition)))


def arm_again(task: Task) -> bool:
    """A fresh twin of this fired non-interrupting message or signal boundary event, if its
    activity still runs and none waits yet; any other task is left alone."""
    split = task.parent
    if split is None or not _keeps_catching(task):
        return False
    siblings = list(split.children)
    activity_runs = any(not isinstance(s.task_spec, BoundaryEvent) and s.state & _RUNNING for s in siblings)
    armed = any(s is not task and s.task_spec is task.task_spec and s.state & _ARMED for s in siblings)
    if not activity_runs or armed:
        return False
    spiff_tree.update(spiff_tree.add_child(split, task.task_spec, TaskState.MAYBE))  # predicted: its path follows
    return True


def rearm(fired: Iterable[Task]) -> bool:
    """Arm again every non-interrupting message or signal boundary event among the tasks a run
    passed; True when one was armed (the engine runs again to let it wait)."""
    armed = False
    for task in fired:
        if arm_again(task):
            armed = True
    return armed
