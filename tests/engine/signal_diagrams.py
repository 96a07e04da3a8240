"""Diagrams for the signal tests: cycles that wait for signals, one that throws, one a signal starts."""
from __future__ import annotations

from typing import Any

from cycle_helpers import start
from semantics_helpers import deploy, diagram, end, flow, user

from engine.platform.root import Reglament
from engine.shared.access import Actor

SIGNALS = """<bpmn:signal id="Signal_Price" name="price-list-changed" />
  <bpmn:signal id="Signal_Frozen" name="deal-frozen" />
  <bpmn:signal id="Signal_Go" name="go-live" />
  <bpmn:signal id="Signal_Audit" name="audit-requested" />"""

#: a sale that waits: a non-interrupting boundary (price list), an interrupting one (deal frozen),
#: an intermediate catch after the task (go live) and an event subprocess (audit)
WAITING = "\n".join([
    '<bpmn:startEvent id="Start" />', flow("Start", "Task_Work", "F1"),
    user("Task_Work"), flow("Task_Work", "Catch_Go", "F2"),
    '<bpmn:boundaryEvent id="Boundary_Price" cancelActivity="false" attachedToRef="Task_Work">'
    '<bpmn:signalEventDefinition signalRef="Signal_Price" /></bpmn:boundaryEvent>',
    flow("Boundary_Price", "Task_Requote", "F3"), user("Task_Requote"), flow("Task_Requote", "End_Requoted", "F4"),
    end("End_Requoted"),
    '<bpmn:boundaryEvent id="Boundary_Frozen" attachedToRef="Task_Work">'
    '<bpmn:signalEventDefinition signalRef="Signal_Frozen" /></bpmn:boundaryEvent>',
    flow("Boundary_Frozen", "End_Frozen", "F5"), end("End_Frozen", "lost"),
    '<bpmn:intermediateCatchEvent id="Catch_Go"><bpmn:signalEventDefinition signalRef="Signal_Go" />'
    '</bpmn:intermediateCatchEvent>',
    flow("Catch_Go", "Task_Launch", "F6"), user("Task_Launch"), flow("Task_Launch", "End_Won", "F7"),
    end("End_Won", "won"),
    '<bpmn:subProcess id="Sub_Audit" triggeredByEvent="true">'
    '<bpmn:startEvent id="Start_Audit" isInterrupting="false"><bpmn:signalEventDefinition signalRef="Signal_Audit" />'
    '</bpmn:startEvent>' + flow("Start_Audit", "Task_Audit", "F8") + user("Task_Audit")
    + flow("Task_Audit", "End_Audit", "F9") + end("End_Audit") + "</bpmn:subProcess>",
])

#: a cycle that announces a new price list to every other cycle, passing the new price as ``price``
THROWING = "\n".join([
    '<bpmn:startEvent id="Start" />', flow("Start", "Task_Announce", "F1"),
    user("Task_Announce", fields={"new_price": "long"}), flow("Task_Announce", "Throw_Price", "F2"),
    '<bpmn:intermediateThrowEvent id="Throw_Price" name="Announce the price list">'
    '<bpmn:signalEventDefinition signalRef="Signal_Price"><bpmn:extensionElements>'
    '<camunda:in source="new_price" target="price" /></bpmn:extensionElements></bpmn:signalEventDefinition>'
    '</bpmn:intermediateThrowEvent>',
    flow("Throw_Price", "End_Announced", "F3"), end("End_Announced", "won"),
])

#: a regulation a new price list starts
STARTED = "\n".join([
    '<bpmn:startEvent id="Start_Price"><bpmn:signalEventDefinition signalRef="Signal_Price" /></bpmn:startEvent>',
    flow("Start_Price", "Task_Quote", "F1"), user("Task_Quote"), flow("Task_Quote", "End_Quoted", "F2"),
    end("End_Quoted"),
])


#: a cycle that ends with a signal end event passing all its variables along
END_THROWING = "\n".join([
    '<bpmn:startEvent id="Start" />', flow("Start", "Task_Close", "F1"),
    user("Task_Close", fields={"reason": "string"}), flow("Task_Close", "End_Audit", "F2"),
    '<bpmn:endEvent id="End_Audit" name="Ask for an audit"><bpmn:signalEventDefinition signalRef="Signal_Audit">'
    '<bpmn:extensionElements><camunda:in variables="all" /></bpmn:extensionElements></bpmn:signalEventDefinition>'
    '</bpmn:endEvent>',
])

#: an offer an interrupting signal event subprocess takes over
INTERRUPTED = "\n".join([
    '<bpmn:startEvent id="Start" />', flow("Start", "Task_Offer", "F1"), user("Task_Offer"),
    flow("Task_Offer", "End_Offered", "F2"), end("End_Offered", "won"),
    '<bpmn:subProcess id="Sub_Frozen" triggeredByEvent="true">'
    '<bpmn:startEvent id="Start_Frozen"><bpmn:signalEventDefinition signalRef="Signal_Frozen" /></bpmn:startEvent>'
    + flow("Start_Frozen", "Task_Unfreeze", "F3") + user("Task_Unfreeze") + flow("Task_Unfreeze", "End_Frozen", "F4")
    + end("End_Frozen") + "</bpmn:subProcess>",
])

#: one branch throws what the other waits for, in the same cycle
SELF = "\n".join([
    '<bpmn:startEvent id="Start" />', flow("Start", "Split", "F1"), '<bpmn:parallelGateway id="Split" />',
    flow("Split", "Task_Prepare", "F2"), flow("Split", "Catch_Go", "F3"),
    user("Task_Prepare"), flow("Task_Prepare", "Throw_Go", "F4"),
    '<bpmn:intermediateThrowEvent id="Throw_Go"><bpmn:signalEventDefinition signalRef="Signal_Go" />'
    '</bpmn:intermediateThrowEvent>', flow("Throw_Go", "End_Prepared", "F5"), end("End_Prepared"),
    '<bpmn:intermediateCatchEvent id="Catch_Go"><bpmn:signalEventDefinition signalRef="Signal_Go" />'
    '</bpmn:intermediateCatchEvent>', flow("Catch_Go", "Task_Launch", "F6"), user("Task_Launch"),
    flow("Task_Launch", "End_Launched", "F7"), end("End_Launched"),
])


def deploy_all(platform: Reglament, head: Actor, *which: str) -> None:
    bodies = {"signal_wait": WAITING, "signal_throw": THROWING, "signal_tender": STARTED,
              "signal_end": END_THROWING, "signal_offer": INTERRUPTED, "signal_self": SELF}
    for pid in which:
        deploy(platform, head, diagram(bodies[pid], pid, SIGNALS), f"{pid}.bpmn")


def waiting(platform: Reglament, actors: dict[str, Actor], name: str) -> dict[str, Any]:
    return start(platform, actors["anna"], "signal_wait", client_name=name)
