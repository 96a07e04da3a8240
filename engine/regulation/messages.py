"""Messages and signals from outside, routed to cycles by Reglament (not by SpiffWorkflow).

A message names what happened ("payment-received"); it is correlated to the cycles whose waiting
catch events (intermediate catch, receive task, boundary event, event subprocess start) listen
for that name, narrowed to one cycle, a business key, or correlation keys (cycle variables that
must be equal). Its variables become cycle variables; ``last_message`` holds its name.
A signal is a broadcast: every cycle waiting for it catches it (``signals.py`` routes it, and
delivers to each cycle through ``deliver``).

Delivery is one transaction per cycle: the cycle is locked, its workflow restored, the event
caught and the cycle advanced (``advance``) as every other step is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from sqlalchemy.orm import Session

from engine.regulation import boundary_rearm, incoming, jobs, outside, runtime, spiff_tree
from engine.regulation.advance import advance
from engine.regulation.context import ACTIVE, Context, Recorder
from engine.shared.errors import InputInvalid
from storage.models import Cycle
from storage.repositories import messaging as messaging_repo
from storage.repositories import regulation as regulation_repo

MAX_NAME = 200
#: the most cycles one message or signal reaches (``all``); more is refused before any is touched
MAX_TARGETS = 1000
#: a cycle variable that holds the name of the last message the cycle received
LAST_MESSAGE = "last_message"


class Ambiguous(InputInvalid):
    """More than one cycle waits for a message sent to one (Camunda: MismatchingMessageCorrelationException)."""

    code = "ambiguous_correlation"


@dataclass(frozen=True)
class Correlation:
    """Which cycles a message is for: a name, and at most the cycle, its business key, variables."""

    name: str
    cycle_id: int | None = None
    business_key: str | None = None
    keys: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)

    def check(self) -> Correlation:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputInvalid("the message needs a name")
        if len(self.name) > MAX_NAME:
            raise InputInvalid(f"the message name is longer than {MAX_NAME} characters")
        if self.business_key is not None and (not isinstance(self.business_key, str) or len(self.business_key) > 200):
            raise InputInvalid("businessKey must be a text of at most 200 characters")
        incoming.check_variables(self.keys, "correlationKeys", protect=False)
        incoming.check_variables(self.variables, "variables", protect=False)  # client_id may start a cycle
        return self

    def for_running_cycles(self) -> Correlation:
        """Refuses variables that would rename a running cycle's client or id."""
        incoming.check_variables(self.variables, "variables")
        return self


def matches(cycle: Cycle, corr: Correlation) -> bool:
    """The cycle is one the message names (its id, business key and correlation keys agree)."""
    if corr.cycle_id is not None and cycle.id != corr.cycle_id:
        return False
    if corr.business_key is not None and cycle.business_key != corr.business_key:
        return False
    variables = cycle.variables or {}
    return all(name in variables and variables[name] == value for name, value in corr.keys.items())


def candidates(session: Session, corr: Correlation, kind: str = "message") -> list[int]:
    """Ids of active cycles waiting for the message (or signal) that it correlates to; correlation
    keys are matched by the database, and more than MAX_TARGETS cycles are refused, never cut."""
    ids = messaging_repo.waiting_cycles(session, kind, corr.name, corr.business_key, corr.cycle_id, MAX_TARGETS + 1,
                                        corr.keys)
    if len(ids) > MAX_TARGETS:
        raise InputInvalid(f"{kind} {corr.name!r} would reach more than {MAX_TARGETS:,} cycles at once (the limit); "
                           "narrow it by business key or correlation keys")
    if not corr.keys:
        return list(ids)
    cycles = messaging_repo.cycles_by_id(session, ids)
    return [cid for cid in ids if matches(cycles[cid], corr)]


def _catchers(workflow: BpmnWorkflow, kind: str, name: str) -> list[Task]:
    return [task for task in list(workflow.event_manager.tasks.values()) if (kind, name) in outside.catch_names(task)]


def _starting(workflow: BpmnWorkflow, kind: str, name: str) -> list[Any]:
    """Event subprocess start events this message or signal starts."""
    return [ts for ts in outside.event_subprocess_starts(workflow)
            if (kind == "message") == isinstance(ts.event_definition, MessageEventDefinition)
            and ts.event_definition.name == name]


def waits_for(workflow: BpmnWorkflow, kind: str, name: str) -> bool:
    return bool(_catchers(workflow, kind, name) or _starting(workflow, kind, name))


def _payload(definition: Any, name: str, variables: dict[str, Any]) -> Any:
    if hasattr(definition, "result_var"):  # Camunda's message: its payload lands in one variable
        return {"payload": name, "result_var": LAST_MESSAGE}
    return dict(variables)


def catch(workflow: BpmnWorkflow, kind: str, name: str, variables: dict[str, Any]) -> int:
    """Let the workflow's waiting catch events of this message or signal catch it (and start the
    event subprocesses it starts); returns how many caught it."""
    caught = 0
    for start in _starting(workflow, kind, name):
        before = set(workflow.subprocesses)
        workflow.catch(BpmnEvent(start.event_definition, payload=_payload(start.event_definition, name, variables)))
        for sub_id in set(workflow.subprocesses) - before:
            for task in workflow.subprocesses[sub_id].tasks.values():
                if task.task_spec.name == start.name:
                    task.data.update(variables)
        caught += 1
    for task in _catchers(workflow, kind, name):
        definition = task.task_spec.event_definition
        if not isinstance(definition, MessageEventDefinition) and kind == "message":
            definition = next(d for d in definition.event_definitions if getattr(d, "name", None) == name)
        definition.catch(task, BpmnEvent(definition, payload=_payload(definition, name, variables)))
        spiff_tree.update(task)
        task.data.update(variables)
        boundary_rearm.arm_again(task)  # catches again while its activity runs (boundary_rearm.py)
        caught += 1
    return caught


def pass_lone_message_start(workflow: BpmnWorkflow) -> bool:
    """A cycle started by hand (or through the API) of a process whose only start event is a
    message (or signal) start event starts at that event, as Camunda 7 takes a lone start event of any kind
    as the process's initial one (``startProcessInstanceByKey``); a process with several message
    start events and no plain one waits for one of its messages. True when it passed."""
    starts = [spec for spec in workflow.spec.task_specs.values() if isinstance(spec, StartEvent)]
    definition = starts[0].event_definition if len(starts) == 1 else None
    kind = "message" if isinstance(definition, MessageEventDefinition) else \
        "signal" if isinstance(definition, SignalEventDefinition) else None
    if kind is None or definition is None:
        return False
    workflow.do_engine_steps()  # bounded: nothing runs before the start event, which waits
    return catch(workflow, kind, definition.name, {}) > 0


def deliver(session: Session, ctx: Context, cycle_id: int, kind: str, name: str, variables: dict[str, Any],
            actor: str | None, data: dict[str, Any] | None = None) -> Cycle | None:
    """Deliver to one cycle under its lock; None when it no longer waits (moved on in between)."""
    cycle = regulation_repo.cycle_for_update(session, cycle_id)
    if cycle is None or cycle.status != ACTIVE:
        return None
    workflow = runtime.restore_workflow(ctx.specs_for(session, cycle.version), cycle.state)
    timers_before = jobs.waiting_timers(workflow)
    if not waits_for(workflow, kind, name):
        return None
    rec = Recorder(session, cycle, actor, ctx.now())
    rec.add(kind, None, {"name": name, "variables": variables, **(data or {})})
    catch(workflow, kind, name, variables)
    known = {t.id: t for t in regulation_repo.open_tasks_of_cycle(session, cycle.id)}
    advance(session, ctx, cycle, workflow, rec, known_open=known, timers_before=timers_before)
    return cycle


def starters(session: Session, ctx: Context, name: str) -> list[str]:
    """Keys of the regulations whose latest version starts with a message start event of this name."""
    found = []
    for regulation in regulation_repo.regulations(session):
        version = regulation_repo.latest_version(session, regulation.key)
        if version is None or not version.executable:
            continue
        spec, _ = ctx.specs_by_id(session, version.id)
        for task_spec in spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if (isinstance(task_spec, StartEvent) and isinstance(definition, MessageEventDefinition)
                    and definition.name == name):
                found.append(regulation.key)
                break
    return found
