"""A non-interrupting signal boundary event catches every signal while its task runs, the cycle's
own throws too (Camunda 7 keeps it subscribed; SpiffWorkflow's catches once)."""
from __future__ import annotations

from cycle_helpers import complete, start, visible
from semantics_helpers import deploy, diagram, end, flow, user

SIG = '<bpmn:signal id="Sig_Ping" name="ping" />'


def test_a_non_interrupting_boundary_catches_each_signal_its_own_cycle_throws(platform, actors) -> None:
    throw = ('<bpmn:intermediateThrowEvent id="{id}"><bpmn:signalEventDefinition signalRef="Sig_Ping" />'
             '</bpmn:intermediateThrowEvent>')
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Split", "F0"), '<bpmn:parallelGateway id="Split" />',
        flow("Split", "Work", "F1"), flow("Split", "Throw1", "F2"),
        user("Work"), flow("Work", "EndA", "F3"), end("EndA"),
        '<bpmn:boundaryEvent id="Ping" cancelActivity="false" attachedToRef="Work">'
        '<bpmn:signalEventDefinition signalRef="Sig_Ping" /></bpmn:boundaryEvent>',
        flow("Ping", "Pong", "F4"), user("Pong"), flow("Pong", "EndP", "F5"), end("EndP"),
        user("Throw1"), flow("Throw1", "T1", "F6"), throw.format(id="T1"), flow("T1", "Throw2", "F7"),
        user("Throw2"), flow("Throw2", "T2", "F8"), throw.format(id="T2"), flow("T2", "EndB", "F9"), end("EndB"),
    ])
    deploy(platform, actors["head"], diagram(body, "self_ping", SIG), "self_ping.bpmn")
    c = start(platform, actors["anna"], "self_ping", client_name="Ping Ltd")
    anna = actors["anna"]
    complete(platform, anna, c.id, "Throw1", {})
    assert sorted(visible(platform, anna, c.id)) == ["Pong", "Throw2", "Work"]
    complete(platform, anna, c.id, "Throw2", {})
    assert sorted(visible(platform, anna, c.id)) == ["Pong", "Pong", "Work"], "the second throw is caught too"
    complete(platform, anna, c.id, "Work", {})
    assert sorted(visible(platform, anna, c.id)) == ["Pong", "Pong"], "the boundary stops with its task"
