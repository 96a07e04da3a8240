"""What Camunda 7 deploys and checks only when it runs, run the same way: a call activity whose process
is not deployed yet, a business rule task whose decision is not, a process without a start event;
an exclusive gateway's flow without a condition; conditional events evaluated again as variables
change. What Camunda refuses at deploy is refused naming the element."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cycle_helpers import complete, start, visible
from semantics_helpers import diagram, end, flow, refused, run, user

from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from engine.shared.errors import RegulationInvalid


def view(cycle: Any) -> dict[str, Any]:
    """A cycle as a dict, whether the platform answers with a dict or a read model."""
    return cycle if isinstance(cycle, dict) else cycle.as_dict()


DEAL_DMN = SourceFile("deal_approval.dmn",
                      (Path(__file__).resolve().parents[1] / "fixtures" / "dmn" / "deal_approval.dmn").read_bytes())

CALLER = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Check", "f1"),
                    '<bpmn:callActivity id="Check" name="Check the offer" calledElement="offer_check" />',
                    flow("Check", "Close", "f2"), user("Close"), flow("Close", "E", "f3"), end("E", "won")])
CALLED = "\n".join(['<bpmn:startEvent id="CS" />', flow("CS", "Review", "c1"), user("Review"),
                    flow("Review", "CE", "c2"), end("CE")])


def test_a_call_to_a_process_deployed_later_deploys_with_a_warning_and_runs_once_it_is(
        platform: Reglament, actors) -> None:
    head, anna = actors["head"], actors["anna"]
    deployed = platform.regulation.deploy(head, [SourceFile("caller.bpmn", diagram(CALLER, pid="caller"))])
    [warning] = deployed.warnings
    assert (warning.element_id, warning.element_name, warning.line) == ("Check", "Check the offer", 10)
    assert "calls 'offer_check', which is neither in this file nor deployed" in warning.message
    assert deployed.as_dict()["warnings"][0]["element_id"] == "Check"

    cycle = view(start(platform, anna, "caller", client_name="Late call Ltd"))
    assert cycle["status"] == "incident"
    assert cycle["incident"]["element_id"] == "Check"
    assert "call activity 'Check the offer' calls process 'offer_check', which is not deployed" \
        in cycle["incident"]["message"]

    platform.regulation.deploy(head, [SourceFile("offer_check.bpmn", diagram(CALLED, pid="offer_check"))])
    resumed = view(platform.regulation.retry(head, cycle["id"]))
    assert resumed["status"] == "active"
    assert visible(platform, anna, cycle["id"]) == ["Review"]
    complete(platform, anna, cycle["id"], "Review", {})
    assert visible(platform, anna, cycle["id"]) == ["Close"]
    assert view(complete(platform, anna, cycle["id"], "Close", {}))["status"] == "won"


def test_a_call_to_a_process_deployed_before_needs_no_lookup_and_warns_of_nothing(
        platform: Reglament, actors) -> None:
    head, anna = actors["head"], actors["anna"]
    platform.regulation.deploy(head, [SourceFile("offer_check.bpmn", diagram(CALLED, pid="offer_check"))])
    assert platform.regulation.deploy(head, [SourceFile("caller.bpmn", diagram(CALLER, pid="caller"))]).warnings == ()
    cycle = view(start(platform, anna, "caller", client_name="Early call Ltd"))
    assert visible(platform, anna, cycle["id"]) == ["Review"]


def test_a_call_activity_without_called_element_is_refused_as_camunda_refuses_it(
        platform: Reglament, actors) -> None:
    body = CALLER.replace(' calledElement="offer_check"', "")
    [problem] = refused(platform, actors["head"], diagram(body))
    assert (problem.element_id, problem.element_name) == ("Check", "Check the offer")
    assert "has no calledElement" in problem.message and "Camunda 7 refuses it too" in problem.message


@pytest.mark.parametrize(("body", "element", "says"), [
    ("\n".join([user("Call"), flow("Call", "E", "f1"), end("E", "won")]), "semantics",
     "process must define a startEvent element"),
    ("\n".join(['<bpmn:startEvent id="S" />', flow("S", "Sub", "f1"),
                '<bpmn:subProcess id="Sub" name="Paperwork">', user("Fill"), "</bpmn:subProcess>",
                flow("Sub", "E", "f2"), end("E")]), "Sub", "subProcess must define a startEvent element"),
    ("\n".join(['<bpmn:startEvent id="S" />', flow("S", "Sub", "f1"),
                '<bpmn:subProcess id="Sub" name="Paperwork"><bpmn:startEvent id="A" /><bpmn:startEvent id="B" />'
                "</bpmn:subProcess>", flow("Sub", "E", "f2"), end("E")]), "Sub",
     "multiple start events are not supported for a subprocess"),
    ("\n".join(['<bpmn:startEvent id="S" />', flow("S", "Sub", "f1"),
                '<bpmn:subProcess id="Sub" name="Paperwork"><bpmn:startEvent id="Wait"><bpmn:timerEventDefinition>'
                "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>"
                "</bpmn:subProcess>", flow("Sub", "E", "f2"), end("E")]), "Wait",
     "timerEventDefinition is not allowed on the start event of an embedded subprocess"),
])
def test_start_events_camunda_refuses_are_refused_naming_the_element(platform: Reglament, actors, body: str,
                                                                      element: str, says: str) -> None:
    problems = refused(platform, actors["head"], diagram(body))
    assert [(p.element_id, p.message) for p in problems if says in p.message] == \
        [(element, f"{says} (Camunda 7 refuses it too)")]


def rule_task(attributes: str, pid: str) -> bytes:
    """Amount typed by the owner -> a business rule task -> the head approves when the decision says so."""
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Amount", "f1"), user("Amount", fields={"amount": "long"}),
        flow("Amount", "Rule", "f2"),
        f'<bpmn:businessRuleTask id="Rule" name="Decide the approval" camunda:decisionRef="deal_approval" '
        f'camunda:resultVariable="deal" camunda:mapDecisionResult="singleResult" {attributes} />',
        flow("Rule", "Approve", "f3"), user("Approve"), flow("Approve", "E", "f4"), end("E", "won")])
    return diagram(body, pid=pid)


def test_a_decision_deployed_later_deploys_with_a_warning_and_runs_once_it_is(
        platform: Reglament, actors) -> None:
    head, anna = actors["head"], actors["anna"]
    deployed = platform.regulation.deploy(head, [SourceFile("late.bpmn", rule_task("", "late_rule"))])
    [warning] = deployed.warnings
    assert warning.element_id == "Rule" and "decision 'deal_approval' is in no DMN file of this deploy" \
        in warning.message
    cycle = view(start(platform, anna, "late_rule", client_name="Late rule Ltd"))
    stopped = view(complete(platform, anna, cycle["id"], "Amount", {"amount": 250_000}))
    assert stopped["status"] == "incident" and stopped["incident"]["element_id"] == "Rule"
    assert "decision 'deal_approval'" in stopped["incident"]["message"]
    assert "is not in any deployed DMN file" in stopped["incident"]["message"]

    platform.regulation.deploy(head, [SourceFile("pricing.bpmn", rule_task("", "pricing")), DEAL_DMN])
    resumed = view(platform.regulation.retry(head, cycle["id"]))
    assert resumed["status"] == "active"
    assert resumed["variables"]["deal"] == {"approver": "head", "discount": 0.05}
    assert visible(platform, anna, cycle["id"]) == ["Approve"]


def test_binding_deployment_takes_only_the_dmn_deployed_with_the_diagram(platform: Reglament, actors) -> None:
    head, anna = actors["head"], actors["anna"]
    platform.regulation.deploy(head, [SourceFile("pricing.bpmn", rule_task("", "pricing")), DEAL_DMN])
    own = 'camunda:decisionRefBinding="deployment"'
    assert platform.regulation.deploy(head, [SourceFile("with.bpmn", rule_task(own, "with_own")), DEAL_DMN]).warnings == ()
    deployed = platform.regulation.deploy(head, [SourceFile("without.bpmn", rule_task(own, "without_own"))])
    assert "is in no DMN file of this deploy" in deployed.warnings[0].message
    ran = view(start(platform, anna, "with_own", client_name="Own DMN Ltd"))
    assert view(complete(platform, anna, ran["id"], "Amount", {"amount": 20_000}))["variables"]["deal"]["approver"] == "none"
    cycle = view(start(platform, anna, "without_own", client_name="No own DMN Ltd"))
    stopped = view(complete(platform, anna, cycle["id"], "Amount", {"amount": 20_000}))
    assert stopped["status"] == "incident"
    assert "DMN files deployed with this regulation (binding 'deployment')" in stopped["incident"]["message"]


def test_binding_version_tag_takes_the_newest_decision_of_that_tag(platform: Reglament, actors) -> None:
    head, anna = actors["head"], actors["anna"]
    tagged = SourceFile("deal_approval.dmn", DEAL_DMN.content.replace(
        b'<decision id="deal_approval" name="Deal approval">',
        b'<decision id="deal_approval" name="Deal approval" camunda:versionTag="2026">'))
    platform.regulation.deploy(head, [SourceFile("tagged.bpmn", rule_task("", "tagged_home")), tagged])
    newer = SourceFile("deal_approval.dmn", DEAL_DMN.content.replace(b"<text>0.05</text>", b"<text>0.09</text>"))
    platform.regulation.deploy(head, [SourceFile("newer.bpmn", rule_task("", "newer_home")), newer])
    pinned = 'camunda:decisionRefBinding="versionTag" camunda:decisionRefVersionTag="2026"'
    platform.regulation.deploy(head, [SourceFile("pinned.bpmn", rule_task(pinned, "pinned"))])
    cycle = view(start(platform, anna, "pinned", client_name="Tagged Ltd"))
    assert view(complete(platform, anna, cycle["id"], "Amount", {"amount": 250_000}))["variables"]["deal"]["discount"] == 0.05
    with pytest.raises(RegulationInvalid, match="needs camunda:decisionRefVersionTag"):
        platform.regulation.deploy(head, [SourceFile("untagged.bpmn", rule_task(
            'camunda:decisionRefBinding="versionTag"', "untagged"))])


def test_binding_version_takes_the_decision_of_that_deploy_oldest_first(platform: Reglament, actors) -> None:
    head, anna = actors["head"], actors["anna"]
    platform.regulation.deploy(head, [SourceFile("first.bpmn", rule_task("", "first_home")), DEAL_DMN])
    newer = SourceFile("deal_approval.dmn", DEAL_DMN.content.replace(b"<text>0.05</text>", b"<text>0.09</text>"))
    platform.regulation.deploy(head, [SourceFile("second.bpmn", rule_task("", "second_home")), newer])
    first = 'camunda:decisionRefBinding="version" camunda:decisionRefVersion="1"'
    platform.regulation.deploy(head, [SourceFile("first_v.bpmn", rule_task(first, "first_version"))])
    cycle = view(start(platform, anna, "first_version", client_name="Version one Ltd"))
    assert view(complete(platform, anna, cycle["id"], "Amount", {"amount": 250_000}))["variables"]["deal"]["discount"] == 0.05
    third = first.replace('"1"', '"3"')
    platform.regulation.deploy(head, [SourceFile("third_v.bpmn", rule_task(third, "third_version"))])
    missing = view(start(platform, anna, "third_version", client_name="Version three Ltd"))
    stopped = view(complete(platform, anna, missing["id"], "Amount", {"amount": 250_000}))
    assert stopped["status"] == "incident" and "in version 3" in stopped["incident"]["message"]


def _gateway(flows: list[str]) -> str:
    return "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Amount", "f0"), user("Amount", fields={"amount": "long"}),
                      flow("Amount", "G", "f1"), '<bpmn:exclusiveGateway id="G" default="toDefault" />', *flows,
                      user("Big"), user("Plain"), user("Fallback"),
                      flow("Big", "E", "e1"), flow("Plain", "E", "e2"), flow("Fallback", "E", "e3"), end("E", "won")])


def test_an_exclusive_gateway_takes_a_flow_without_a_condition_as_camunda_does(platform: Reglament, actors) -> None:
    anna = actors["anna"]
    body = _gateway([flow("G", "Big", "toBig", "${amount > 1000}"), flow("G", "Plain", "toPlain"),
                     flow("G", "Fallback", "toDefault")])
    cycle = view(run(platform, actors, body, pid="xor_plain"))
    complete(platform, anna, cycle["id"], "Amount", {"amount": 10})
    assert visible(platform, anna, cycle["id"]) == ["Plain"], "a flow without a condition holds; not the default"
    big = view(start(platform, anna, "xor_plain", client_name="Big Ltd"))
    complete(platform, anna, big["id"], "Amount", {"amount": 5000})
    assert visible(platform, anna, big["id"]) == ["Big"], "the first flow in the order drawn wins"


CONDITIONAL = ('<bpmn:intermediateCatchEvent id="Ready" name="Documents ready"><bpmn:conditionalEventDefinition>'
               '<bpmn:condition>${execution.getVariable("docs") == "yes"}</bpmn:condition></bpmn:conditionalEventDefinition>'
               '</bpmn:intermediateCatchEvent>')


def test_a_conditional_event_fires_when_a_later_step_makes_its_condition_hold(platform: Reglament, actors) -> None:
    anna = actors["anna"]
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Fork", "f0"), '<bpmn:parallelGateway id="Fork" />',
        flow("Fork", "Collect", "f1"), flow("Fork", "Ready", "f2"),
        user("Collect", fields={"docs": "string"}), flow("Collect", "Done", "f3"), end("Done"),
        CONDITIONAL, flow("Ready", "Sign", "f4"), user("Sign"), flow("Sign", "Won", "f5"), end("Won", "won")])
    deployed = view(run(platform, actors, body, pid="conditional"))
    assert visible(platform, anna, deployed["id"]) == ["Collect"]
    complete(platform, anna, deployed["id"], "Collect", {"docs": "yes"})
    assert visible(platform, anna, deployed["id"]) == ["Sign"], "evaluated again after the step that set docs"
    assert view(complete(platform, anna, deployed["id"], "Sign", {}))["status"] == "won"


def test_a_conditional_boundary_event_interrupts_its_task_when_its_condition_comes_to_hold(
        platform: Reglament, actors) -> None:
    anna = actors["anna"]
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Fork", "f0"), '<bpmn:parallelGateway id="Fork" />',
        flow("Fork", "Negotiate", "f1"), flow("Fork", "Watch", "f2"), user("Negotiate"),
        flow("Negotiate", "Won", "f3"), end("Won", "won"),
        user("Watch", fields={"stop": "boolean"}), flow("Watch", "WatchEnd", "f4"), end("WatchEnd"),
        '<bpmn:boundaryEvent id="Stop" name="Client walked away" attachedToRef="Negotiate">'
        '<bpmn:conditionalEventDefinition><bpmn:condition>${execution.getVariable("stop") == true}</bpmn:condition>'
        '</bpmn:conditionalEventDefinition></bpmn:boundaryEvent>',
        flow("Stop", "Lost", "f5"), end("Lost", "lost")])
    cycle = view(run(platform, actors, body, pid="cond_boundary"))
    assert sorted(visible(platform, anna, cycle["id"])) == ["Negotiate", "Watch"]
    ended = view(complete(platform, anna, cycle["id"], "Watch", {"stop": True}))
    assert ended["status"] == "lost", "the boundary event fired and took the cycle to its lost end"


def test_a_conditional_event_without_a_condition_is_refused_as_camunda_refuses_it(
        platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Ready", "f1"),
                      '<bpmn:intermediateCatchEvent id="Ready" name="Documents ready">'
                      '<bpmn:conditionalEventDefinition /></bpmn:intermediateCatchEvent>',
                      flow("Ready", "E", "f2"), end("E")])
    [problem] = refused(platform, actors["head"], diagram(body))
    assert (problem.element_id, problem.element_name) == ("Ready", "Documents ready")
    assert "Camunda 7 refuses it too" in problem.message


def test_an_inclusive_gateway_takes_every_flow_without_a_condition(platform: Reglament, actors) -> None:
    anna = actors["anna"]
    body = _gateway([flow("G", "Big", "toBig", "${amount > 1000}"), flow("G", "Plain", "toPlain"),
                     flow("G", "Fallback", "toDefault")]).replace("exclusiveGateway", "inclusiveGateway")
    cycle = view(run(platform, actors, body, pid="or_plain"))
    complete(platform, anna, cycle["id"], "Amount", {"amount": 5000})
    assert sorted(visible(platform, anna, cycle["id"])) == ["Big", "Plain"]


def test_a_conditional_event_after_an_event_based_gateway_takes_its_path_when_it_holds(
        platform: Reglament, actors) -> None:
    anna = actors["anna"]
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Fork", "f0"), '<bpmn:parallelGateway id="Fork" />',
        flow("Fork", "Collect", "f1"), flow("Fork", "Which", "f2"),
        user("Collect", fields={"docs": "string"}), flow("Collect", "Done", "f3"), end("Done"),
        '<bpmn:eventBasedGateway id="Which" />', flow("Which", "Ready", "f4"), flow("Which", "Late", "f5"),
        CONDITIONAL, flow("Ready", "Sign", "f6"), user("Sign"), flow("Sign", "Won", "f7"), end("Won", "won"),
        '<bpmn:intermediateCatchEvent id="Late"><bpmn:timerEventDefinition><bpmn:timeDuration>P30D'
        '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
        flow("Late", "Lost", "f8"), end("Lost", "lost")])
    cycle = view(run(platform, actors, body, pid="conditional_gateway"))
    complete(platform, anna, cycle["id"], "Collect", {"docs": "yes"})
    assert visible(platform, anna, cycle["id"]) == ["Sign"], "the condition won over the timer"
    assert view(complete(platform, anna, cycle["id"], "Sign", {}))["status"] == "won"


def test_a_process_started_at_its_conditional_start_event_starts_by_hand(platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S"><bpmn:conditionalEventDefinition><bpmn:condition>${false}'
                      '</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:startEvent>',
                      flow("S", "Call", "f1"), user("Call"), flow("Call", "E", "f2"), end("E", "won")])
    cycle = view(run(platform, actors, body, pid="conditional_start"))
    assert visible(platform, actors["anna"], cycle["id"]) == ["Call"]


MESSAGE_CATCH = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Paid", "f1"),
                           '<bpmn:intermediateCatchEvent id="Paid" name="Payment received">'
                           '<bpmn:messageEventDefinition messageRef="tns:Msg_Paid" /></bpmn:intermediateCatchEvent>',
                           flow("Paid", "E", "f2"), end("E", "won")])


def test_a_message_ref_written_with_the_target_namespace_prefix_names_its_message(platform: Reglament,
                                                                                  actors) -> None:
    content = diagram(MESSAGE_CATCH, pid="prefixed", before='<bpmn:message id="Msg_Paid" name="paid" />') \
        .replace(b'targetNamespace="http://reglament.test"',
                 b'targetNamespace="http://reglament.test" xmlns:tns="http://reglament.test"')
    platform.regulation.deploy(actors["head"], [SourceFile("prefixed.bpmn", content)])
    cycle = view(start(platform, actors["anna"], "prefixed", client_name="Prefixed Ltd"))
    assert cycle["status"] == "active", "it waits for the message 'paid'"


def test_a_message_without_a_name_is_refused_as_camunda_refuses_it(platform: Reglament, actors) -> None:
    content = diagram(MESSAGE_CATCH.replace("tns:", ""), before='<bpmn:message id="Msg_Paid" />')
    [problem] = refused(platform, actors["head"], content)
    assert (problem.element_id, problem.element_name) == ("Paid", "Payment received")
    assert "has no name" in problem.message and "Camunda 7 refuses it too" in problem.message
