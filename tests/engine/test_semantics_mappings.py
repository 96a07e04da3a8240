"""camunda:inputOutput and call activities' camunda:in / camunda:out, as Camunda 7 runs them."""
from __future__ import annotations

from typing import Any

from cycle_helpers import complete, open_task
from semantics_helpers import diagram, end, flow, refused, run, user
from SpiffWorkflow.util.task import TaskState

from engine.platform.root import Reglament
from engine.regulation import runtime
from engine.regulation.versions import SourceFile, compile_regulation

QUOTE = ['<bpmn:startEvent id="S" />', flow("S", "Quote", "f0"), user("Quote", fields={"amount": "long"}),
         flow("Quote", "Approve", "f1")]

APPROVE = ('<bpmn:userTask id="Approve" name="Approve" camunda:assignee="${owner}"><bpmn:extensionElements>'
           '<camunda:inputOutput>'
           '<camunda:inputParameter name="greeting">Offer for ${client_name}</camunda:inputParameter>'
           '<camunda:inputParameter name="limit">${amount * 2}</camunda:inputParameter>'
           '<camunda:inputParameter name="channel">phone</camunda:inputParameter>'
           '<camunda:inputParameter name="steps"><camunda:list><camunda:value>call</camunda:value>'
           '<camunda:value>${amount}</camunda:value></camunda:list></camunda:inputParameter>'
           '<camunda:inputParameter name="terms"><camunda:map><camunda:entry key="days">30</camunda:entry>'
           '</camunda:map></camunda:inputParameter>'
           '<camunda:outputParameter name="approved_limit">${limit}</camunda:outputParameter>'
           '</camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>')


def test_input_parameters_are_visible_in_the_activity_and_outputs_reach_the_cycle(platform: Reglament,
                                                                                   actors) -> None:
    body = "\n".join([*QUOTE, APPROVE, flow("Approve", "Check", "f2"), user("Check"), flow("Check", "E", "f3"),
                      end("E", "won")])
    started = run(platform, actors, body)
    anna = actors["anna"]
    complete(platform, anna, started.id, "Quote", {"amount": 500})
    task = open_task(platform, anna, started.id, "Approve")
    seen = platform.regulation.task(anna, task.id)[2]
    assert seen["greeting"] == "Offer for Client of semantics"
    assert (seen["limit"], seen["channel"], seen["steps"], seen["terms"]) == (1000, "phone", ["call", 500],
                                                                             {"days": "30"})
    platform.regulation.complete_task(anna, task.id, {})
    variables = platform.regulation.cycle(anna, started.id).variables
    assert variables["approved_limit"] == 1000
    assert not {"greeting", "limit", "channel", "steps", "terms"} & set(variables), "inputs are local"


def test_a_script_inside_an_input_output_mapping_is_refused_naming_the_activity(platform: Reglament,
                                                                               actors) -> None:
    scripted = APPROVE.replace('<camunda:inputParameter name="channel">phone</camunda:inputParameter>',
                               '<camunda:inputParameter name="channel"><camunda:script scriptFormat="groovy">'
                               'evil()</camunda:script></camunda:inputParameter>')
    body = "\n".join([*QUOTE, scripted, flow("Approve", "E", "f2"), end("E")])
    problems = refused(platform, actors["head"], diagram(body))
    assert [(p.element_id, p.element_name) for p in problems] == [("Approve", "Approve")]
    assert "script" in problems[0].message


def test_an_input_expression_the_evaluator_refuses_is_refused_at_deploy(platform: Reglament, actors) -> None:
    hostile = APPROVE.replace("${amount * 2}", "${__import__('os').system('id')}")
    problems = refused(platform, actors["head"], diagram("\n".join([*QUOTE, hostile, flow("Approve", "E", "f2"),
                                                                    end("E")])))
    assert problems and all(p.element_id == "Approve" for p in problems)


CALLED = """<bpmn:process id="offer_check" name="Offer check" isExecutable="true">
  <bpmn:startEvent id="CS" /><bpmn:sequenceFlow id="c1" sourceRef="CS" targetRef="Review" />
  <bpmn:userTask id="Review" name="Review" camunda:assignee="${owner}"><bpmn:extensionElements><camunda:formData>
    <camunda:formField id="verdict" label="Verdict" type="string" /></camunda:formData></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:sequenceFlow id="c2" sourceRef="Review" targetRef="CE" /><bpmn:endEvent id="CE" />
</bpmn:process>"""


def _caller(mappings: str) -> str:
    return "\n".join([*QUOTE[:3], flow("Quote", "Check", "f1"),
                      f'<bpmn:callActivity id="Check" name="Check the offer" calledElement="offer_check">'
                      f'<bpmn:extensionElements>{mappings}</bpmn:extensionElements></bpmn:callActivity>',
                      flow("Check", "Close", "f2"), user("Close"), flow("Close", "E", "f3"), end("E", "won")])


def _through_the_call(mappings: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The called process's own data at its task, and the caller's after the call (engine level)."""
    compiled = compile_regulation([SourceFile("call.bpmn", diagram(_caller(mappings), before=CALLED))])
    assert compiled.specs is not None
    workflow = runtime.new_workflow(runtime.specs_from_dict(compiled.specs),
                                    {"client_name": "Acme", "owner": "anna", "amount": 700})
    for element, values in (("Quote", {}), ("Review", {"verdict": "fine"})):
        workflow.do_engine_steps()
        task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == element)
        inside = dict(task.data)
        task.data.update(values)
        task.run()
        workflow = runtime.restore_workflow((workflow.spec, workflow.subprocess_specs), runtime.workflow_state(workflow))
    workflow.do_engine_steps()
    close = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == "Close")
    return inside, dict(close.data)


def test_a_call_activity_passes_only_what_its_in_and_out_map() -> None:
    inside, after = _through_the_call(
        '<camunda:in source="amount" target="offer_amount" />'
        '<camunda:in sourceExpression="${amount + 1}" target="next_amount" />'
        '<camunda:out source="verdict" target="check_verdict" />')
    assert (inside["offer_amount"], inside["next_amount"]) == (700, 701)
    assert "amount" not in inside, "the called process sees only what camunda:in maps"
    assert inside["client_name"] == "Acme" and inside["owner"] == "anna", "and the cycle's own variables"
    assert after["check_verdict"] == "fine" and "verdict" not in after and "offer_amount" not in after


def test_a_call_activity_with_all_variables_in_and_out() -> None:
    inside, after = _through_the_call('<camunda:in variables="all" /><camunda:out variables="all" />')
    assert inside["amount"] == 700 and after["verdict"] == "fine"


def test_a_call_activity_with_an_in_mapping_and_no_out_mapping_returns_nothing() -> None:
    _, after = _through_the_call('<camunda:in source="amount" target="amount" />')
    assert "verdict" not in after and after["amount"] == 700


def test_a_call_activity_without_mappings_passes_everything_both_ways() -> None:
    inside, after = _through_the_call("")
    assert inside["amount"] == 700 and after["verdict"] == "fine"


def test_out_mappings_reach_the_cycle_through_the_platform(platform: Reglament, actors) -> None:
    started = run(platform, actors, _caller('<camunda:in source="amount" target="offer_amount" />'
                                            '<camunda:out source="verdict" target="check_verdict" />'), before=CALLED)
    anna = actors["anna"]
    complete(platform, anna, started.id, "Quote", {"amount": 700})
    complete(platform, anna, started.id, "Review", {"verdict": "fine"})
    assert platform.regulation.cycle(anna, started.id).variables["check_verdict"] == "fine"


def test_an_in_mapping_without_a_target_is_refused_naming_the_call(platform: Reglament, actors) -> None:
    problems = refused(platform, actors["head"], diagram(_caller('<camunda:in source="amount" />'), before=CALLED))
    assert [(p.element_id, p.element_name) for p in problems] == [("Check", "Check the offer")]
    assert "camunda:in needs source" in problems[0].message
