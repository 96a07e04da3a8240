"""Signals thrown by a cycle's step: recorded in the step's own transaction, delivered after it.

SpiffWorkflow delivers a thrown signal inside the throwing cycle (its waiting catch events,
boundary events and event subprocesses catch it at once, as in Camunda 7). Every other cycle
gets it from the broadcast recorded here, which commits with the step or not at all: a step that
is rolled back throws nothing, a committed one is delivered exactly once to each cycle that waited
(``engine/regulation/signals.py``, run by the worker).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import ThrowingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.task import Task
from sqlalchemy.orm import Session

from engine.regulation import incoming, io_mappings, signal_spec
from engine.regulation.context import Recorder, _jsonable, record_incident
from engine.shared.errors import ExpressionError, InputInvalid
from storage.models import Cycle
from storage.repositories import signals as signals_repo


def thrown(passed: Iterable[Task]) -> list[Task]:
    """The signal throw events (intermediate and end) among the tasks a step ran."""
    return [task for task in passed if isinstance(task.task_spec, ThrowingEvent)
            and isinstance(getattr(task.task_spec, "event_definition", None), SignalEventDefinition)]


def forget_uncaught(workflow: BpmnWorkflow) -> None:
    """SpiffWorkflow keeps a signal nothing in the cycle caught among the workflow's events (with a
    copy of every variable); the broadcast carries it instead, so the stored state stays small."""
    workflow.bpmn_events = [e for e in workflow.bpmn_events if not isinstance(e.event_definition,
                                                                              SignalEventDefinition)]


def record(session: Session, cycle: Cycle, workflow: BpmnWorkflow, passed: list[Task], rec: Recorder,
           now: datetime) -> int:
    """One broadcast per signal the step threw; returns how many. A throw whose ``camunda:in``
    cannot be evaluated or is too large stops the cycle with an incident naming the event."""
    forget_uncaught(workflow)
    count = 0
    for task in thrown(passed):
        name = str(task.task_spec.event_definition.name)
        try:
            variables = incoming.check_variables(_jsonable(signal_spec.payload(task)), f"signal {name!r}",
                                                 protect=False)
        except (ExpressionError, InputInvalid, WorkflowException) as exc:  # an expression over missing data too
            record_incident(cycle, rec, task, exc, now)
            continue
        for own in io_mappings.CYCLE_VARIABLES:  # a signal never renames another cycle's client, owner or id
            variables.pop(own, None)
        signals_repo.add_broadcast(  # the cycles it starts are for the throwing cycle's client
            session, name=name[:signal_spec.MAX_NAME], variables=variables, client_id=cycle.client_id,
            source_cycle_id=cycle.id, skip_cycle_id=cycle.id, sender=None,
            watermark=signals_repo.newest_subscription_id(session), created_at=now)
        count += 1
    return count
