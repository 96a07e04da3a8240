"""What a cycle waits for from outside, projected with every step: external tasks and subscriptions.

``sync`` runs in ``advance`` beside the timer jobs: the ``external_tasks`` table holds one row
per started external task (what workers fetch), ``message_subscriptions`` one row per waiting
message or signal catch event (what correlation looks up by name). A step that neither adds
nor removes one writes nothing but one read per table; a step that knows what the cycle waited
for when it began (``waits``, as a completion does) and waits for nothing from outside before
or after reads and writes nothing at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.regulation import external_spec
from storage.models import Cycle
from storage.repositories import messaging as messaging_repo


def started_external_tasks(workflow: BpmnWorkflow) -> list[Task]:
    """The external tasks waiting for a worker, in the workflow and its subprocesses."""
    found: list[Task] = []
    for wf in [workflow, *workflow.subprocesses.values()]:
        found.extend(t for t in wf.tasks.values() if t.state == TaskState.STARTED and external_spec.is_external(t))
    return found


def catch_names(task: Task) -> list[tuple[str, str]]:
    """(kind, name) of the messages and signals a waiting catch event listens for."""
    definition = getattr(task.task_spec, "event_definition", None)
    definitions = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
    out: list[tuple[str, str]] = []
    for item in definitions:
        if isinstance(item, MessageEventDefinition) and item.name:
            out.append(("message", str(item.name)))
        elif isinstance(item, SignalEventDefinition) and item.name:
            out.append(("signal", str(item.name)))
    return out


def event_subprocess_starts(workflow: BpmnWorkflow) -> list[Any]:
    """The start event specs of the cycle's event subprocesses that a message or signal starts
    (SpiffWorkflow makes such a subprocess only when its event is caught)."""
    if workflow.is_completed():
        return []
    found: list[Any] = []
    for name in getattr(workflow.spec.start, "trigger_specs", None) or []:
        spec = workflow.subprocess_specs.get(name)
        found.extend(ts for ts in (spec.bpmn_start_events if spec is not None else [])
                     if isinstance(ts.event_definition, (MessageEventDefinition, SignalEventDefinition)))
    return found


def waiting_catches(workflow: BpmnWorkflow) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """task id -> (element id, [(kind, name)]) for every waiting message or signal catch event,
    and ``esp:<element id>`` for the message and signal starts of event subprocesses."""
    out: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for task in list(workflow.event_manager.tasks.values()):
        names = catch_names(task)
        if names:
            out[str(task.id)] = (task.task_spec.bpmn_id or task.task_spec.name, names)
    for start in event_subprocess_starts(workflow):
        kind = "message" if isinstance(start.event_definition, MessageEventDefinition) else "signal"
        out[f"esp:{start.bpmn_id or start.name}"[:36]] = (start.bpmn_id or start.name, [(kind, str(start.event_definition.name))])
    return out


@dataclass(frozen=True)
class Waits:
    """What a cycle waits for from outside (what its rows project): the ids of its started external
    tasks and of its waiting message and signal catches."""

    external: frozenset[str] = frozenset()
    catches: frozenset[str] = frozenset()


#: a cycle that has not started yet waits for nothing
NOTHING = Waits()


def waits(workflow: BpmnWorkflow) -> Waits:
    """What the workflow waits for from outside: taken before a step changes it."""
    return Waits(frozenset(str(t.id) for t in started_external_tasks(workflow)), frozenset(waiting_catches(workflow)))


def sync(session: Session, cycle: Cycle, workflow: BpmnWorkflow | None, now: Any,
         before: Waits | None = None) -> list[str]:
    """Make the cycle's external tasks and subscriptions match its workflow (None: the cycle is
    decided: nothing waits). Returns the message names the step newly started waiting for.

    ``before``: what the cycle waited for when its step began (its rows project it); a table
    with nothing before and nothing now is neither read nor written."""
    _sync_external(session, cycle, workflow, now, before)
    return _sync_subscriptions(session, cycle, workflow, before)


def _sync_external(session: Session, cycle: Cycle, workflow: BpmnWorkflow | None, now: Any,
                   before: Waits | None) -> None:
    tasks = {str(t.id): t for t in started_external_tasks(workflow)} if workflow is not None else {}
    if before is not None and not before.external and not tasks:
        return
    known = {row.id for row in messaging_repo.external_tasks_of_cycle(session, cycle.id)}
    gone = known - set(tasks)
    if gone:
        messaging_repo.drop_external_tasks(session, cycle.id, gone)
    rows = [{"id": task_id, "cycle_id": cycle.id, "element_id": (task.task_spec.bpmn_id or "")[:200],
             "name": (task.task_spec.bpmn_name or task.task_spec.bpmn_id or "")[:300],
             "topic": external_spec.topic_of(task)[:200], "priority": external_spec.priority_of(task),
             "retries": None, "created_at": now}
            for task_id, task in tasks.items() if task_id not in known]
    if rows:
        messaging_repo.add_external_tasks(session, rows)


def _sync_subscriptions(session: Session, cycle: Cycle, workflow: BpmnWorkflow | None,
                        before: Waits | None) -> list[str]:
    waiting = waiting_catches(workflow) if workflow is not None else {}
    if before is not None and not before.catches and not waiting:
        return []
    known = {row.task_id for row in messaging_repo.subscriptions_of_cycle(session, cycle.id)}
    gone = known - set(waiting)
    if gone:
        messaging_repo.drop_subscriptions(session, cycle.id, gone)
    rows: list[dict[str, Any]] = []
    new_messages: list[str] = []
    for task_id, (element_id, names) in waiting.items():
        if task_id in known:
            continue
        for kind, name in names:
            rows.append({"cycle_id": cycle.id, "task_id": task_id, "element_id": element_id[:200],
                         "kind": kind, "name": name[:200]})
            if kind == "message":
                new_messages.append(name)
    if rows:
        messaging_repo.add_subscriptions(session, rows)
    return new_messages
