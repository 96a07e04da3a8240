"""A user task whose diagram names nobody (no assignee, no candidates, no lane) runs as Camunda
runs it, and someone sees it: the cycle's owner (the client's manager); in a cycle without an
owner, every head, who may claim it."""
from __future__ import annotations

from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from engine.shared.access import Actor

NOBODY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="follow_up" name="Follow up" isExecutable="true">
    <bpmn:startEvent id="Start_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start_1" targetRef="Task_Call" />
    <bpmn:userTask id="Task_Call" name="Call the client back" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Call" targetRef="End_Won" />
    <bpmn:endEvent id="End_Won">
      <bpmn:extensionElements><camunda:properties><camunda:property name="outcome" value="won" />
      </camunda:properties></bpmn:extensionElements>
    </bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def _start(platform: Reglament, head: Actor, owner: str | None) -> int:
    platform.regulation.deploy(head, [SourceFile("follow_up.bpmn", NOBODY.encode())])
    client = platform.clients.create_client(head, f"Client of {owner or 'nobody'}", owner=owner)
    return int(platform.regulation.start_cycle(head, client.id, "follow_up").id)


def test_a_task_naming_nobody_goes_to_the_cycles_owner(platform: Reglament, actors: dict[str, Actor]) -> None:
    cycle_id = _start(platform, actors["head"], "anna")
    [(task, _)] = platform.regulation.inbox(actors["anna"], cycle_id=cycle_id)
    assert task.name == "Call the client back"
    assert platform.regulation.inbox(actors["boris"], cycle_id=cycle_id) == []
    platform.regulation.complete_task(actors["anna"], task.id, {})
    assert platform.regulation.cycle(actors["head"], cycle_id).status == "won"


def test_in_a_cycle_without_an_owner_every_head_sees_it_and_one_claims_it(platform: Reglament,
                                                                       actors: dict[str, Actor]) -> None:
    head = actors["head"]
    cycle_id = _start(platform, head, None)  # no team to distribute to: the client stays unowned
    assert platform.regulation.cycle(head, cycle_id).variables["owner"] is None
    [(task, _)] = platform.regulation.inbox(head, cycle_id=cycle_id)
    assert platform.regulation.inbox(actors["anna"], cycle_id=cycle_id) == []
    platform.regulation.claim_task(head, task.id)
    platform.regulation.complete_task(head, task.id, {})
    assert platform.regulation.cycle(head, cycle_id).status == "won"
