"""Camunda 7 execution semantics that SpiffWorkflow alone would get silently wrong or crash on:
each diagram either runs as Camunda runs it or is refused at deploy naming the element."""
from __future__ import annotations

from cycle_helpers import complete, events, start, visible
from semantics_helpers import diagram, end, flow, refused, run, user

from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile


def test_sequence_flows_without_ids_are_followed(platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Call"), user("Call"), flow("Call", "Won"),
                      end("Won", "won")])
    cycle = run(platform, actors, body)
    assert cycle.status == "active"
    assert visible(platform, actors["anna"], cycle.id) == ["Call"]
    assert complete(platform, actors["anna"], cycle.id, "Call", {}).status == "won"


def test_a_link_throw_continues_at_the_catch_of_its_name(platform: Reglament, actors) -> None:
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Throw", "f1"),
        '<bpmn:intermediateThrowEvent id="Throw" name="to offer"><bpmn:linkEventDefinition name="Offer" />'
        '</bpmn:intermediateThrowEvent>',
        '<bpmn:intermediateCatchEvent id="Catch" name="offer"><bpmn:linkEventDefinition name="Offer" />'
        '</bpmn:intermediateCatchEvent>',
        flow("Catch", "Offer", "f2"), user("Offer"), flow("Offer", "Won", "f3"), end("Won", "won")])
    cycle = run(platform, actors, body)
    assert visible(platform, actors["anna"], cycle.id) == ["Offer"]
    history = platform.regulation.history(actors["anna"], cycle.id)
    assert {e.task.element_id for e in events(history, "passed")} >= {"Throw", "Catch"}
    assert complete(platform, actors["anna"], cycle.id, "Offer", {}).status == "won"


def test_a_link_throw_without_its_catch_is_refused_naming_it(platform: Reglament, actors) -> None:
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Throw", "f1"),
        '<bpmn:intermediateThrowEvent id="Throw" name="to offer"><bpmn:linkEventDefinition name="Offer" />'
        '</bpmn:intermediateThrowEvent>'])
    problems = refused(platform, actors["head"], diagram(body))
    assert [(p.element_id, p.element_name) for p in problems] == [("Throw", "to offer")]
    assert "no link catch event" in problems[0].message and problems[0].line


def test_several_unconditional_flows_out_of_a_task_run_in_parallel(platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Call", "f1"), user("Call"),
                      flow("Call", "Offer", "f2"), flow("Call", "Contract", "f3"), user("Offer"),
                      user("Contract"), flow("Offer", "Join", "f4"), flow("Contract", "Join", "f5"),
                      '<bpmn:parallelGateway id="Join" />', flow("Join", "Won", "f6"), end("Won", "won")])
    cycle = run(platform, actors, body)
    anna = actors["anna"]
    complete(platform, anna, cycle.id, "Call", {})
    assert sorted(visible(platform, anna, cycle.id)) == ["Contract", "Offer"]
    assert complete(platform, anna, cycle.id, "Offer", {}).status == "active"
    assert complete(platform, anna, cycle.id, "Contract", {}).status == "won"
    history = platform.regulation.history(anna, cycle.id)
    assert not [e for e in history if "reglament__" in str(e.task.element_id if e.task else None)]


def test_conditional_flows_out_of_a_task_take_every_true_condition_else_the_default(platform: Reglament,
                                                                                   actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Call", "f1"),
                      user("Call", extra='default="f_default"', fields={"big": "boolean", "demo": "boolean"}),
                      flow("Call", "Offer", "f2", "${big}"), flow("Call", "Demo", "f3", "${demo}"),
                      flow("Call", "Lost", "f_default"), user("Offer"), user("Demo"),
                      flow("Offer", "Won", "f4"), flow("Demo", "Won2", "f5"), end("Won", "won"), end("Won2"),
                      end("Lost", "lost")])
    anna = actors["anna"]
    both = run(platform, actors, body)
    complete(platform, anna, both.id, "Call", {"big": True, "demo": True})
    assert sorted(visible(platform, anna, both.id)) == ["Demo", "Offer"]
    second = run(platform, actors, body)
    assert complete(platform, anna, second.id, "Call", {"big": False, "demo": False}).status == "lost"


def test_an_embedded_subprocess_without_an_end_event_completes_when_its_paths_end(platform: Reglament,
                                                                                  actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Sub", "f1"),
                      '<bpmn:subProcess id="Sub" name="Qualify"><bpmn:startEvent id="SubStart" />',
                      flow("SubStart", "Qualify", "g1"), user("Qualify"), '</bpmn:subProcess>',
                      flow("Sub", "Offer", "f2"), user("Offer"), flow("Offer", "Won", "f3"), end("Won", "won")])
    cycle = run(platform, actors, body)
    anna = actors["anna"]
    complete(platform, anna, cycle.id, "Qualify", {})
    assert visible(platform, anna, cycle.id) == ["Offer"]
    assert complete(platform, anna, cycle.id, "Offer", {}).status == "won"


def test_a_process_whose_path_ends_without_an_end_event_completes(platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Call", "f1"), user("Call")])
    cycle = run(platform, actors, body)
    ended = complete(platform, actors["anna"], cycle.id, "Call", {})
    assert ended.status == "cancelled" and ended.ended_at


def test_elements_with_the_ids_start_and_end_run_and_keep_their_ids(platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="Start" />', flow("Start", "Call", "f1"), user("Call"),
                      flow("Call", "End", "f2"), end("End", "won")])
    cycle = run(platform, actors, body)
    anna = actors["anna"]
    assert visible(platform, anna, cycle.id) == ["Call"]
    assert complete(platform, anna, cycle.id, "Call", {}).status == "won"
    history = platform.regulation.history(anna, cycle.id)
    assert events(history, "ended")[0].task.element_id == "End"
    assert events(history, "passed", "Start")


def test_plain_and_manual_tasks_pass_through_even_outside_lanes(platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Note", "f1"),
                      '<bpmn:task id="Note" name="Note the lead" />', flow("Note", "Visit", "f2"),
                      '<bpmn:manualTask id="Visit" name="Visit the client" />', flow("Visit", "Call", "f3"),
                      user("Call"), flow("Call", "Won", "f4"), end("Won", "won")])
    cycle = run(platform, actors, body)
    anna = actors["anna"]
    assert visible(platform, anna, cycle.id) == ["Call"]
    history = platform.regulation.history(anna, cycle.id)
    assert events(history, "passed", "Note") and events(history, "passed", "Visit")


def test_a_user_task_in_a_lane_without_a_name_is_refused_naming_it(platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:laneSet id="LS"><bpmn:lane id="Lane_1"><bpmn:flowNodeRef>Call</bpmn:flowNodeRef>'
                      '</bpmn:lane></bpmn:laneSet>',
                      '<bpmn:startEvent id="S" />', flow("S", "Call", "f1"),
                      '<bpmn:userTask id="Call" name="First call" />', flow("Call", "E", "f2"), end("E")])
    problems = refused(platform, actors["head"], diagram(body))
    assert [(p.element_id, p.element_name) for p in problems] == [("Call", "First call")]
    assert "Lane_1" in problems[0].message and "no name" in problems[0].message


def test_a_user_task_in_a_named_lane_goes_to_that_group(platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:laneSet id="LS"><bpmn:lane id="Lane_1" name="Sales">'
                      '<bpmn:flowNodeRef>Call</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>',
                      '<bpmn:startEvent id="S" />', flow("S", "Call", "f1"),
                      '<bpmn:userTask id="Call" name="First call" />', flow("Call", "E", "f2"), end("E")])
    cycle = run(platform, actors, body)
    assert visible(platform, actors["boris"], cycle.id, "group") == ["Call"]


SECOND = """<bpmn:process id="renewal" name="Renewal" isExecutable="true">
  <bpmn:startEvent id="RS" /><bpmn:sequenceFlow id="r1" sourceRef="RS" targetRef="Renew" />
  <bpmn:userTask id="Renew" name="Renew" camunda:assignee="${owner}" />
  <bpmn:sequenceFlow id="r2" sourceRef="Renew" targetRef="RE" /><bpmn:endEvent id="RE" />
</bpmn:process>"""


def test_several_executable_processes_in_one_file_deploy_as_regulations_of_their_own(platform: Reglament,
                                                                                     actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Call", "f1"), user("Call"), flow("Call", "Won", "f2"),
                      end("Won", "won")])
    deployed = platform.regulation.deploy(actors["head"], [SourceFile("two.bpmn", diagram(body, before=SECOND))])
    keys = {deployed.key, *(o.key for o in deployed.others)}
    assert keys == {"semantics", "renewal"} and deployed.as_dict()["others"]
    assert {"semantics", "renewal"} <= {r.key for r in platform.regulation.regulations()}
    anna = actors["anna"]
    renewal = start(platform, anna, "renewal", client_name="Renewing Ltd")
    assert visible(platform, anna, renewal.id) == ["Renew"]
    sale = start(platform, anna, "semantics", client_name="Buying Ltd")
    assert visible(platform, anna, sale.id) == ["Call"]
    again = platform.regulation.deploy(actors["head"], [SourceFile("two.bpmn", diagram(body, before=SECOND))])
    assert not again.created and not any(o.created for o in again.others), "an unchanged file keeps its versions"
