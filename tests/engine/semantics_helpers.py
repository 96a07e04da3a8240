"""Small diagrams for the BPMN semantics tests: one process around the elements a test names."""
from __future__ import annotations

import pytest
from cycle_helpers import start

from engine.platform.root import Reglament
from engine.regulation.reading import CycleView
from engine.regulation.versions import SourceFile
from engine.shared.access import Actor
from engine.shared.errors import Problem, RegulationInvalid

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://reglament.test">
  <bpmn:error id="Error_Rejected" name="Rejected" errorCode="REJECTED" />
  <bpmn:escalation id="Escalation_Late" name="Late" escalationCode="LATE" />
  {before}
  <bpmn:process id="{pid}" name="Semantics" isExecutable="true">
{body}
  </bpmn:process>
</bpmn:definitions>"""


def user(element_id: str, name: str | None = None, extra: str = "", fields: dict[str, str] | None = None) -> str:
    """A user task for the client's owner, with a form of ``fields`` (id -> type)."""
    form = "".join(f'<camunda:formField id="{fid}" label="{fid}" type="{ftype}" />'
                   for fid, ftype in (fields or {}).items())
    inner = (f"<bpmn:extensionElements><camunda:formData>{form}</camunda:formData></bpmn:extensionElements>"
             if form else "")
    return (f'<bpmn:userTask id="{element_id}" name="{name or element_id}" '
            f'camunda:assignee="${{owner}}" {extra}>{inner}</bpmn:userTask>')


def flow(source: str, target: str, flow_id: str | None = None, condition: str | None = None) -> str:
    fid = f' id="{flow_id}"' if flow_id else ""
    if condition is None:
        return f'<bpmn:sequenceFlow{fid} sourceRef="{source}" targetRef="{target}" />'
    return (f'<bpmn:sequenceFlow{fid} sourceRef="{source}" targetRef="{target}">'
            f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>')


def end(element_id: str, outcome: str | None = None) -> str:
    if outcome is None:
        return f'<bpmn:endEvent id="{element_id}" />'
    return (f'<bpmn:endEvent id="{element_id}"><bpmn:extensionElements><camunda:properties>'
            f'<camunda:property name="outcome" value="{outcome}" /></camunda:properties>'
            f'</bpmn:extensionElements></bpmn:endEvent>')


def diagram(body: str, pid: str = "semantics", before: str = "") -> bytes:
    return HEAD.format(pid=pid, body=body, before=before).encode("utf-8")


def deploy(platform: Reglament, head: Actor, content: bytes, name: str = "semantics.bpmn") -> None:
    platform.regulation.deploy(head, [SourceFile(name, content)])


def run(platform: Reglament, actors: dict[str, Actor], body: str, pid: str = "semantics",
        before: str = "") -> CycleView:
    """Deploy the diagram and start a cycle of it for a client of anna's."""
    deploy(platform, actors["head"], diagram(body, pid, before))
    return start(platform, actors["anna"], pid, client_name=f"Client of {pid}")


def refused(platform: Reglament, head: Actor, content: bytes) -> list[Problem]:
    with pytest.raises(RegulationInvalid) as caught:
        platform.regulation.deploy(head, [SourceFile("refused.bpmn", content)])
    return caught.value.problems


def cycle(platform: Reglament, actor: Actor, cycle_id: int) -> CycleView:
    return platform.regulation.cycle(actor, cycle_id)
