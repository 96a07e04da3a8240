"""Business rule tasks in a regulation: camunda:decisionRef evaluated by Reglament's DMN evaluator.

The decision's result lands in camunda:resultVariable as camunda:mapDecisionResult says, and a
gateway routes on it; what cannot run is refused at deploy naming the task and the decision;
a decision that fails while a cycle runs puts the cycle into incident naming it and its inputs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cycle_helpers import complete, events, start, visible

from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from engine.shared.errors import RegulationInvalid

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dmn"
DEAL_DMN = SourceFile("deal_approval.dmn", (FIXTURES / "deal_approval.dmn").read_bytes())
KEY = "rule_task_sale"


def regulation(rule_attributes: str, condition: str = '${approver == "head"}', key: str = KEY) -> SourceFile:
    """Amount typed by the owner -> the business rule task -> a gateway: the head approves when
    ``condition`` holds, else the owner sends the proposal."""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="Defs_Rule" targetNamespace="http://reglament.dev/test">
  <bpmn:process id="{key}" name="Rule task sale" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Amount" />
    <bpmn:userTask id="Task_Amount" name="Agree the amount" camunda:assignee="${{owner}}">
      <bpmn:extensionElements>
        <camunda:formData><camunda:formField id="amount" label="Amount" type="long" /></camunda:formData>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Amount" targetRef="Rule_Approval" />
    <bpmn:businessRuleTask id="Rule_Approval" name="Decide the approval" {rule_attributes} />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Rule_Approval" targetRef="Gateway_Who" />
    <bpmn:exclusiveGateway id="Gateway_Who" name="Who approves?" default="Flow_Owner" />
    <bpmn:sequenceFlow id="Flow_Head" sourceRef="Gateway_Who" targetRef="Task_Head">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_Owner" sourceRef="Gateway_Who" targetRef="Task_Send" />
    <bpmn:userTask id="Task_Head" name="Approve the deal" camunda:assignee="head" />
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Task_Head" targetRef="End_Won" />
    <bpmn:userTask id="Task_Send" name="Send the proposal" camunda:assignee="${{owner}}" />
    <bpmn:sequenceFlow id="Flow_5" sourceRef="Task_Send" targetRef="End_Won" />
    <bpmn:endEvent id="End_Won" name="Won">
      <bpmn:extensionElements>
        <camunda:properties><camunda:property name="outcome" value="won" /></camunda:properties>
      </bpmn:extensionElements>
    </bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""
    return SourceFile(f"{key}.bpmn", xml.encode("utf-8"))


SINGLE_RESULT = ('camunda:decisionRef="deal_approval" camunda:resultVariable="deal" '
                 'camunda:mapDecisionResult="singleResult"')


def run(platform: Reglament, actors, amount: int, regulation_key: str = KEY) -> dict[str, Any]:
    cycle = start(platform, actors["anna"], regulation_key)
    return complete(platform, actors["anna"], cycle.id, "Task_Amount", {"amount": amount})


@pytest.mark.parametrize(("amount", "approver", "discount", "next_task", "who"), [
    (250_000, "head", 0.05, "Task_Head", "head"),
    (20_000, "none", 0, "Task_Send", "anna"),
])
def test_the_decision_sets_the_result_variable_and_the_gateway_routes_on_it(
        platform: Reglament, actors, amount: int, approver: str, discount: float, next_task: str, who: str) -> None:
    platform.regulation.deploy(actors["head"], [regulation(SINGLE_RESULT, '${deal["approver"] == "head"}'),
                                                DEAL_DMN])
    cycle = run(platform, actors, amount)
    assert cycle.status == "active", cycle.incident
    assert cycle.variables["deal"] == {"approver": approver, "discount": discount}
    assert visible(platform, actors[who], cycle.id) == [next_task]
    done = complete(platform, actors[who], cycle.id, next_task, {})
    assert (done.status, done.outcome) == ("won", "won")
    history = platform.regulation.history(actors["head"], cycle.id)
    assert events(history, "passed", "Rule_Approval")


@pytest.mark.parametrize(("attributes", "condition", "amount", "expected"), [
    ('camunda:decisionRef="deal_checks" camunda:resultVariable="checks" camunda:mapDecisionResult="collectEntries"',
     '${"legal" in checks}', 60_000, ["credit", "legal"]),
    ('camunda:decisionRef="deal_checks" camunda:resultVariable="checks" camunda:mapDecisionResult="collectEntries"',
     '${"legal" in checks}', 10_000, ["credit"]),
    ('camunda:decisionRef="deal_checks" camunda:resultVariable="checks"',  # resultList is the default
     '${len(checks) == 2}', 60_000, [{"check": "credit"}, {"check": "legal"}]),
    ('camunda:decisionRef="deal_checks" camunda:resultVariable="checks" camunda:mapDecisionResult="resultList"',
     '${len(checks) == 2}', 10_000, [{"check": "credit"}]),
])
def test_each_mapping_of_the_decision_result(platform: Reglament, actors, attributes: str, condition: str,
                                             amount: int, expected: Any) -> None:
    platform.regulation.deploy(actors["head"], [regulation(attributes, condition), DEAL_DMN])
    cycle = run(platform, actors, amount)
    assert cycle.variables["checks"] == expected
    head_decides = len(expected) == 2
    assert visible(platform, actors["head"] if head_decides else actors["anna"], cycle.id) == [
        "Task_Head" if head_decides else "Task_Send"]


def test_single_entry_gives_the_value_of_the_one_output(platform: Reglament, actors) -> None:
    dmn = DEAL_DMN.content.replace(b'<output id="Output_2" label="Discount" name="discount" typeRef="number" />', b"")
    dmn = dmn.replace(b'<outputEntry id="LiteralExpression_2"><text>0</text></outputEntry>', b"")
    dmn = dmn.replace(b'<outputEntry id="LiteralExpression_4"><text>0.05</text></outputEntry>', b"")
    attributes = ('camunda:decisionRef="deal_approval" camunda:resultVariable="approver" '
                  'camunda:mapDecisionResult="singleEntry" camunda:decisionRefBinding="latest"')
    platform.regulation.deploy(actors["head"], [regulation(attributes), SourceFile("approval.dmn", dmn)])
    cycle = run(platform, actors, 500_000)
    assert cycle.variables["approver"] == "head"
    assert visible(platform, actors["head"], cycle.id) == ["Task_Head"]


def test_a_decision_deployed_earlier_with_another_regulation_is_found(platform: Reglament, actors) -> None:
    platform.regulation.deploy(actors["head"], [regulation(SINGLE_RESULT, key="first_sale"), DEAL_DMN])
    platform.regulation.deploy(actors["head"], [regulation(SINGLE_RESULT, '${deal["discount"] > 0}')])
    cycle = run(platform, actors, 150_000)
    assert cycle.variables["deal"]["discount"] == 0.05
    assert visible(platform, actors["head"], cycle.id) == ["Task_Head"]


def test_a_version_saved_without_its_dmn_files_still_finds_the_decision(platform: Reglament, actors) -> None:
    """As the modeler saves: the diagram alone, twice; the decision comes from the first deploy."""
    platform.regulation.deploy(actors["head"], [regulation(SINGLE_RESULT), DEAL_DMN])
    for condition in ('${deal["discount"] > 0}', '${deal["approver"] == "head"}'):
        deployed = platform.regulation.deploy(actors["head"], [regulation(SINGLE_RESULT, condition)])
        assert deployed.created and deployed.executable
    assert deployed.version == 3
    cycle = run(platform, actors, 150_000)
    assert cycle.variables["deal"] == {"approver": "head", "discount": 0.05}
    assert visible(platform, actors["head"], cycle.id) == ["Task_Head"]


def test_the_newest_deploy_of_a_decision_wins(platform: Reglament, actors) -> None:
    platform.regulation.deploy(actors["head"], [regulation(SINGLE_RESULT, key="first_sale"), DEAL_DMN])
    cheaper = SourceFile("deal_approval.dmn", DEAL_DMN.content.replace(b"<text>0.05</text>", b"<text>0.07</text>"))
    platform.regulation.deploy(actors["head"], [regulation(SINGLE_RESULT, key="second_sale"), cheaper])
    platform.regulation.deploy(actors["head"], [regulation(SINGLE_RESULT, '${deal["discount"] > 0}')])
    assert run(platform, actors, 150_000).variables["deal"]["discount"] == 0.07


@pytest.mark.parametrize(("attributes", "files", "says"), [
    ("", [], "business rule task 'Decide the approval': it has no camunda:decisionRef"),
    ('camunda:decisionRef="deal_approval" camunda:decisionRefBinding="newest"',
     [DEAL_DMN], "camunda:decisionRefBinding 'newest' is not one of latest, deployment, version, versionTag"),
    ('camunda:decisionRef="deal_approval" camunda:mapDecisionResult="firstEntry"', [DEAL_DMN],
     "camunda:mapDecisionResult 'firstEntry' is not one of singleEntry, singleResult"),
    ('camunda:decisionRef="deal_approval" camunda:mapDecisionResult="singleEntry" camunda:resultVariable="x"',
     [DEAL_DMN], "mapDecisionResult singleEntry needs a decision with one output; 'deal_approval' has 2"),
    ('camunda:decisionRef="deal_approval" camunda:resultVariable="my deal"', [DEAL_DMN],
     "camunda:resultVariable 'my deal' is not a variable name"),
])
def test_what_cannot_run_is_refused_at_deploy_naming_the_task_and_the_decision(
        platform: Reglament, actors, attributes: str, files: list[SourceFile], says: str) -> None:
    with pytest.raises(RegulationInvalid) as refused:
        platform.regulation.deploy(actors["head"], [regulation(attributes), *files])
    [problem] = refused.value.problems
    assert says in problem.message, problem.message
    assert problem.element_id == "Rule_Approval" and problem.line == 15
    assert "KeyError" not in problem.message and KEY not in [r.key for r in platform.regulation.regulations()]


@pytest.mark.parametrize(("attributes", "files", "says"), [
    ('camunda:decisionRef="deal_approval"', [], "decision 'deal_approval' is in no DMN file of this deploy "
     "(it has no DMN file) nor in a regulation deployed earlier"),
    ('camunda:decisionRef="price_rules"', [DEAL_DMN], "decision 'price_rules' is in no DMN file of this "
     "deploy (it has deal_approval, deal_checks)"),
])
def test_a_decision_not_deployed_yet_deploys_with_a_warning_naming_the_task(
        platform: Reglament, actors, attributes: str, files: list[SourceFile], says: str) -> None:
    """As Camunda: the decision is looked for when the task runs (tests/engine/test_semantics_late_binding.py)."""
    deployed = platform.regulation.deploy(actors["head"], [regulation(attributes), *files])
    [warning] = deployed.warnings
    assert says in warning.message, warning.message
    assert warning.element_id == "Rule_Approval" and warning.line == 15


def test_every_dmn_file_of_a_deploy_must_load_and_name_its_decisions_once(platform: Reglament, actors) -> None:
    unused = SourceFile("notes.dmn", DEAL_DMN.content.replace(b'id="deal_approval"', b'id="other"')
                        .replace(b'id="deal_checks"', b'id="other_checks"').replace(b"[0..100000)", b"[0..100000"))
    with pytest.raises(RegulationInvalid) as refused:
        platform.regulation.deploy(actors["head"], [regulation(SINGLE_RESULT), DEAL_DMN, unused])
    assert refused.value.problems[0].message.startswith("notes.dmn: table Deal approval: rule 1")
    twice = SourceFile("copy.dmn", DEAL_DMN.content)
    with pytest.raises(RegulationInvalid) as refused:
        platform.regulation.deploy(actors["head"], [regulation(SINGLE_RESULT), DEAL_DMN, twice])
    assert refused.value.problems[0].message == ("decision 'deal_approval' is in both deal_approval.dmn and copy.dmn: "
                                                 "a decision id names one decision")


def test_a_broken_dmn_file_is_refused_naming_the_file_the_rule_and_the_cell(platform: Reglament,
                                                                               actors) -> None:
    broken = SourceFile("deal_approval.dmn", DEAL_DMN.content.replace(b"[0..100000)", b"[0..100000"))
    with pytest.raises(RegulationInvalid) as refused:
        platform.regulation.deploy(actors["head"], [regulation(SINGLE_RESULT), broken])
    [problem] = refused.value.problems
    assert problem.message.startswith("deal_approval.dmn: table Deal approval: rule 1, input amount: "
                                      "unsupported FEEL '[0..100000'")
    assert problem.line == 15


def test_no_matching_rule_puts_the_cycle_into_incident_naming_the_decision_and_inputs(platform: Reglament,
                                                                                    actors) -> None:
    platform.regulation.deploy(actors["head"], [regulation(SINGLE_RESULT, '${deal["approver"] == "head"}'),
                                                DEAL_DMN])
    cycle = run(platform, actors, 20_000_000)  # above every rule of the UNIQUE table
    assert cycle.status == "incident"
    incident = cycle.incident
    assert incident["element_id"] == "Rule_Approval" and incident["task_name"] == "Decide the approval"
    assert "decision 'deal_approval'" in incident["message"]
    assert "no rule matches amount=20000000" in incident["message"]
    resumed = platform.regulation.retry(actors["head"], cycle.id, variables={"amount": 300_000})
    assert resumed.status == "active" and resumed.variables["deal"]["approver"] == "head"
    assert visible(platform, actors["head"], cycle.id) == ["Task_Head"]


def test_a_result_that_does_not_fit_the_mapping_is_an_incident(platform: Reglament, actors) -> None:
    attributes = 'camunda:decisionRef="deal_checks" camunda:resultVariable="checks" camunda:mapDecisionResult="singleResult"'
    platform.regulation.deploy(actors["head"], [regulation(attributes), DEAL_DMN])
    cycle = run(platform, actors, 60_000)
    assert cycle.status == "incident"
    assert ("decision 'deal_checks': mapDecisionResult singleResult needs at most one result; 2 rules matched"
            in cycle.incident["message"])
