"""Hostile or broken diagrams found in review: each is refused or becomes an incident, never a crash."""
from __future__ import annotations

import pytest

from engine.platform.root import Reglament
from engine.regulation import documentation, expressions
from engine.regulation.versions import SourceFile
from engine.shared.errors import ExpressionError, RegulationInvalid

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="{pid}" name="P" isExecutable="true">
    <bpmn:startEvent id="S" />
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="W" />
    {middle}
    <bpmn:sequenceFlow id="f2" sourceRef="W" targetRef="T" />
    <bpmn:userTask id="T" name="Call" camunda:assignee="${{owner}}" />
    <bpmn:sequenceFlow id="f3" sourceRef="T" targetRef="E" />
    <bpmn:endEvent id="E" />
  </bpmn:process>
</bpmn:definitions>"""


def _diagram(middle: str, pid: str = "p") -> SourceFile:
    return SourceFile("x.bpmn", HEAD.format(pid=pid, middle=middle).encode())


def test_a_timer_that_is_not_iso_8601_puts_the_cycle_in_incident(platform: Reglament, actors) -> None:
    timer = ('<bpmn:intermediateCatchEvent id="W"><bpmn:timerEventDefinition><bpmn:timeDuration>'
             '${client_name}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')
    platform.regulation.deploy(actors["head"], [_diagram(timer)])
    anna = actors["anna"]
    cycle = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "Odd Timer Ltd").id, "p")
    assert cycle.status == "incident" and cycle.incident["message"]


def test_a_process_id_that_cannot_be_a_key_is_refused(platform: Reglament, actors) -> None:
    with pytest.raises(RegulationInvalid) as refused:
        platform.regulation.deploy(actors["head"], [_diagram('<bpmn:task id="W" />', pid="a/b")])
    assert "regulation's key" in refused.value.message


def test_a_utf16_dtd_is_refused(platform: Reglament, actors) -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x a="&a;"/>'
    with pytest.raises(RegulationInvalid) as refused:
        platform.regulation.deploy(actors["head"], [SourceFile("x.bpmn", text.encode("utf-16"))])
    assert "DTD" in refused.value.message


def test_a_manual_task_outside_any_lane_passes_through_as_in_camunda(platform: Reglament, actors) -> None:
    platform.regulation.deploy(actors["head"], [_diagram('<bpmn:manualTask id="W" name="Visit" />')])
    anna = actors["anna"]
    cycle = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "Visited Ltd").id, "p")
    assert [t.element_id for t, _ in platform.regulation.inbox(anna, cycle_id=cycle.id)] == ["T"]


def test_a_stray_completion_condition_is_a_problem_not_a_crash(platform: Reglament, actors) -> None:
    stray = HEAD.format(pid="p", middle='<bpmn:task id="W" />').replace(
        "</bpmn:definitions>", "<bpmn:completionCondition>__import__('os')</bpmn:completionCondition></bpmn:definitions>")
    with pytest.raises(RegulationInvalid):
        platform.regulation.deploy(actors["head"], [SourceFile("x.bpmn", stray.encode())])


def test_string_formatting_cannot_allocate_huge_strings() -> None:
    with pytest.raises(ExpressionError):
        expressions.evaluate('"%0200000000d" % 1', {})
    assert expressions.evaluate("7 % 3", {}) == 1


@pytest.mark.parametrize("template", ["{{ 1/0 }}", "{{ 1 + 'a' }}", "{{ 'a' * 1000000000 }}", "{{ '%s' % 1 }}"])
def test_broken_documentation_shows_as_written(template: str) -> None:
    assert documentation.render(template, {}) == template


def test_a_call_to_a_diagram_only_regulation_is_refused(platform: Reglament, actors) -> None:
    script = HEAD.format(pid="scripted", middle='<bpmn:scriptTask id="W"><bpmn:script>x=1</bpmn:script></bpmn:scriptTask>')
    platform.regulation.deploy(actors["head"], [SourceFile("s.bpmn", script.encode())], keep_if_not_executable=True)
    caller = _diagram('<bpmn:callActivity id="W" calledElement="scripted" />', pid="caller")
    with pytest.raises(RegulationInvalid) as refused:
        platform.regulation.deploy(actors["head"], [caller])
    assert "diagram only" in refused.value.message


def test_logins_in_a_diagram_match_whatever_their_case(platform: Reglament, actors) -> None:
    upper = HEAD.format(pid="cased", middle='<bpmn:intermediateThrowEvent id="W" />').replace(
        'camunda:assignee="${owner}"', 'camunda:assignee="Anna"')
    platform.regulation.deploy(actors["head"], [SourceFile("c.bpmn", upper.encode())])
    anna = actors["anna"]
    cycle = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "Case Ltd").id, "cased")
    (task, _), = platform.regulation.inbox(anna, scope="mine", cycle_id=cycle.id)
    assert task.assignee == "anna"
