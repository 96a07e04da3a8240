"""Multi-instance activities (sequential and parallel; cardinality or collection) as Camunda 7 runs them."""
from __future__ import annotations

import pytest
from cycle_helpers import complete, open_task, visible
from semantics_helpers import diagram, flow, run, user
from SpiffWorkflow.util.task import TaskState

from engine.platform.root import Reglament
from engine.regulation import runtime, steps
from engine.regulation.versions import SourceFile, compile_regulation


def _instances(sequential: bool, loop: str, fields: dict[str, str] | None = None) -> str:
    form = "".join(f'<camunda:formField id="{k}" label="{k}" type="{v}" />' for k, v in (fields or {}).items())
    extensions = f"<bpmn:extensionElements><camunda:formData>{form}</camunda:formData></bpmn:extensionElements>"
    return (f'<bpmn:userTask id="Each" name="Call each" camunda:assignee="${{owner}}">'
            f'{extensions if form else ""}'
            f'<bpmn:multiInstanceLoopCharacteristics isSequential="{str(sequential).lower()}" {loop}'
            f'</bpmn:userTask>')


def _body(sequential: bool, loop: str, fields: dict[str, str] | None = None) -> str:
    return "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Count", "f1"),
                      user("Count", fields={"count": "long"}), flow("Count", "Each", "f2"),
                      _instances(sequential, loop, fields), flow("Each", "Review", "f3"), user("Review"),
                      flow("Review", "Won", "f4"),
                      '<bpmn:endEvent id="Won"><bpmn:extensionElements><camunda:properties>'
                      '<camunda:property name="outcome" value="won" /></camunda:properties>'
                      '</bpmn:extensionElements></bpmn:endEvent>'])


CARDINALITY = "><bpmn:loopCardinality>${count}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"


def test_parallel_instances_open_at_once_and_the_activity_ends_when_all_are_done(platform: Reglament,
                                                                                actors) -> None:
    started = run(platform, actors, _body(False, CARDINALITY, {"note": "string"}))
    anna = actors["anna"]
    complete(platform, anna, started.id, "Count", {"count": 3})
    tasks = [t for t, _ in platform.regulation.inbox(anna, cycle_id=started.id)]
    assert [t.element_id for t in tasks] == ["Each"] * 3
    for n, task in enumerate(tasks):
        assert visible(platform, anna, started.id).count("Each") == 3 - n
        platform.regulation.complete_task(anna, task.id, {"note": f"called {n}"})
    assert visible(platform, anna, started.id) == ["Review"]
    variables = platform.regulation.cycle(anna, started.id).variables
    assert variables["note"].startswith("called") and "loopCounter" not in variables


def test_sequential_instances_open_one_after_the_other_with_their_loop_counter(platform: Reglament,
                                                                              actors) -> None:
    started = run(platform, actors, _body(True, CARDINALITY))
    anna = actors["anna"]
    complete(platform, anna, started.id, "Count", {"count": 2})
    counters = []
    for _ in range(2):
        task = open_task(platform, anna, started.id, "Each")
        counters.append(platform.regulation.task(anna, task.id)[2].get("loopCounter"))
        platform.regulation.complete_task(anna, task.id, {})
    assert counters == [0, 1]
    assert visible(platform, anna, started.id) == ["Review"]


def test_a_cardinality_over_the_limit_from_a_form_is_an_incident(platform: Reglament, actors) -> None:
    started = run(platform, actors, _body(False, CARDINALITY))
    stopped = complete(platform, actors["anna"], started.id, "Count", {"count": 5000})
    assert stopped.status == "incident" and "MAX_LOOP_CARDINALITY" in stopped.incident["message"]


def _compiled(loop: str, sequential: bool = False) -> runtime.SpecSet:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Each", "f1"), _instances(sequential, loop),
                      flow("Each", "Again", "f2"), '<bpmn:exclusiveGateway id="Again" default="f4" />',
                      flow("Again", "Each", "f3", "${again}"), flow("Again", "E", "f4"), '<bpmn:endEvent id="E" />'])
    compiled = compile_regulation([SourceFile("mi.bpmn", diagram(body))])
    assert compiled.specs is not None
    return runtime.specs_from_dict(compiled.specs)


COLLECTION = ('camunda:collection="${contacts}" camunda:elementVariable="contact">'
              '</bpmn:multiInstanceLoopCharacteristics>')


@pytest.mark.parametrize("sequential", [False, True])
def test_a_collection_gives_each_instance_its_element_and_keeps_it_local(sequential: bool) -> None:
    workflow = runtime.new_workflow(_compiled(COLLECTION, sequential), {"contacts": ["Ivan", "Olga"], "again": True})
    workflow.do_engine_steps()
    seen = []
    for _ in range(4):  # two passes over the activity: the element variable never blocks the next pass
        ready = workflow.get_tasks(manual=True, state=TaskState.READY)
        task = ready[0]
        seen.append(task.data["contact"])
        if len(seen) >= 3:
            task.data["again"] = False
        task.run()
        workflow.do_engine_steps()
        state = runtime.workflow_state(workflow)  # stored as JSON
        workflow = runtime.restore_workflow((workflow.spec, workflow.subprocess_specs), state)
    assert sorted(seen[:2]) == ["Ivan", "Olga"] and sorted(seen[2:]) == ["Ivan", "Olga"]
    assert workflow.is_completed()
    assert "contact" not in workflow.last_task.data and workflow.last_task.data["contacts"] == ["Ivan", "Olga"]


def test_a_collection_over_the_limit_stops_before_any_instance() -> None:
    workflow = runtime.new_workflow(_compiled(COLLECTION), {"contacts": list(range(5000)), "again": False})
    with pytest.raises(steps.StepTooBig) as stopped:
        workflow.do_engine_steps()
    assert "MAX_LOOP_CARDINALITY" in stopped.value.message


def test_a_collection_expression_is_evaluated_by_the_safe_evaluator() -> None:
    loop = 'camunda:collection="${deal.contacts}" camunda:elementVariable="contact" />'
    workflow = runtime.new_workflow(_compiled(loop, sequential=True),
                                    {"deal": {"contacts": ["Ivan", "Olga"]}, "again": False})
    workflow.do_engine_steps()
    seen = []
    while ready := workflow.get_tasks(manual=True, state=TaskState.READY):
        seen.append(ready[0].data["contact"])
        ready[0].run()
        workflow.do_engine_steps()
        workflow = runtime.restore_workflow((workflow.spec, workflow.subprocess_specs), runtime.workflow_state(workflow))
    assert seen == ["Ivan", "Olga"] and workflow.is_completed()


def test_a_missing_collection_is_an_incident_naming_it(platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Count", "f1"), user("Count"),
                      flow("Count", "Each", "f2"), _instances(False, COLLECTION), flow("Each", "E", "f3"),
                      '<bpmn:endEvent id="E" />'])
    started = run(platform, actors, body)
    stopped = complete(platform, actors["anna"], started.id, "Count", {})
    assert stopped.status == "incident"
    assert stopped.incident["message"].startswith("The collection 'contacts' of the multi-instance activity "
                                                     "'Call each' is not defined")
