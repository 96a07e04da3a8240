"""Event subprocesses, errors, escalations and compensation as Camunda 7 runs or refuses them."""
from __future__ import annotations

from conftest import Clock
from cycle_helpers import complete, events, visible
from semantics_helpers import cycle, diagram, end, flow, refused, run, user

from engine.platform.root import Reglament
from engine.platform.worker import Worker

MAIN = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Call", "f1"), user("Call"), flow("Call", "Won", "f2"),
                  end("Won", "won")])


def _timer_event_subprocess(interrupting: bool) -> str:
    return (f'<bpmn:subProcess id="Remind" name="Reminder" triggeredByEvent="true">'
            f'<bpmn:startEvent id="RemindStart" isInterrupting="{str(interrupting).lower()}">'
            '<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:startEvent>' + flow("RemindStart", "Chase", "g1") + user("Chase") +
            flow("Chase", "RemindEnd", "g2") + '<bpmn:endEvent id="RemindEnd" /></bpmn:subProcess>')


def test_a_waiting_non_interrupting_event_subprocess_ends_with_the_main_flow(platform: Reglament,
                                                                             actors) -> None:
    started = run(platform, actors, MAIN + _timer_event_subprocess(False))
    ended = complete(platform, actors["anna"], started.id, "Call", {})
    assert (ended.status, ended.outcome) == ("won", "won")


def test_a_waiting_interrupting_event_subprocess_ends_with_the_main_flow(platform: Reglament, actors) -> None:
    started = run(platform, actors, MAIN + _timer_event_subprocess(True))
    assert complete(platform, actors["anna"], started.id, "Call", {}).status == "won"


def test_a_started_non_interrupting_event_subprocess_runs_beside_the_main_flow(platform: Reglament, actors,
                                                                              clock: Clock) -> None:
    started = run(platform, actors, MAIN + _timer_event_subprocess(False))
    clock.advance(hours=1, seconds=1)
    Worker(platform).run_once()
    anna = actors["anna"]
    assert sorted(visible(platform, anna, started.id)) == ["Call", "Chase"]
    assert complete(platform, anna, started.id, "Call", {}).status == "won"


def test_an_interrupting_event_subprocess_cancels_the_main_flow(platform: Reglament, actors,
                                                                clock: Clock) -> None:
    started = run(platform, actors, MAIN + _timer_event_subprocess(True))
    clock.advance(hours=1, seconds=1)
    Worker(platform).run_once()
    anna = actors["anna"]
    assert visible(platform, anna, started.id) == ["Chase"]
    history = platform.regulation.history(anna, started.id)
    assert events(history, "cancelled", "Call")
    ended = complete(platform, anna, started.id, "Chase", {})
    assert ended.status == "cancelled" and ended.ended_at, "the cycle ends with the event subprocess"


def _error_in_subprocess(boundary: str, body_after: str = "") -> str:
    return "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Deal", "f1"),
        '<bpmn:subProcess id="Deal" name="Deal"><bpmn:startEvent id="DealStart" />',
        flow("DealStart", "Check", "g1"), user("Check", fields={"rejected": "boolean"}),
        flow("Check", "Ok", "g2"), '<bpmn:exclusiveGateway id="Ok" default="g4" />',
        flow("Ok", "Reject", "g3", "${rejected}"), flow("Ok", "DealEnd", "g4"),
        '<bpmn:endEvent id="Reject" name="Rejected"><bpmn:errorEventDefinition errorRef="Error_Rejected" />'
        '</bpmn:endEvent><bpmn:endEvent id="DealEnd" /></bpmn:subProcess>',
        boundary, flow("Caught", "Rework", "f5"), user("Rework"), flow("Rework", "Lost", "f6"), end("Lost", "lost"),
        flow("Deal", "Won", "f2"), end("Won", "won"), body_after])


def test_an_error_end_event_is_caught_by_the_boundary_event_on_its_subprocess(platform: Reglament,
                                                                              actors) -> None:
    body = _error_in_subprocess('<bpmn:boundaryEvent id="Caught" attachedToRef="Deal">'
                                '<bpmn:errorEventDefinition errorRef="Error_Rejected" /></bpmn:boundaryEvent>')
    anna = actors["anna"]
    rejected = run(platform, actors, body)
    complete(platform, anna, rejected.id, "Check", {"rejected": True})
    assert visible(platform, anna, rejected.id) == ["Rework"]
    assert complete(platform, anna, rejected.id, "Rework", {}).status == "lost"
    accepted = run(platform, actors, body)
    assert complete(platform, anna, accepted.id, "Check", {"rejected": False}).status == "won"


def test_a_catch_all_error_boundary_event_catches_any_error(platform: Reglament, actors) -> None:
    body = _error_in_subprocess('<bpmn:boundaryEvent id="Caught" attachedToRef="Deal">'
                                '<bpmn:errorEventDefinition /></bpmn:boundaryEvent>')
    started = run(platform, actors, body)
    complete(platform, actors["anna"], started.id, "Check", {"rejected": True})
    assert visible(platform, actors["anna"], started.id) == ["Rework"]


def test_an_error_nothing_catches_is_an_incident_naming_the_error(platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Check", "f1"), user("Check"),
                      flow("Check", "Reject", "f2"),
                      '<bpmn:endEvent id="Reject" name="Rejected"><bpmn:errorEventDefinition '
                      'errorRef="Error_Rejected" /></bpmn:endEvent>'])
    started = run(platform, actors, body)
    stopped = complete(platform, actors["anna"], started.id, "Check", {})
    assert stopped.status == "incident"
    assert "REJECTED" in stopped.incident["message"] and "Rejected" in stopped.incident["message"]
    assert stopped.incident["element_id"] == "Reject"


def test_an_escalation_caught_by_a_non_interrupting_boundary_event_keeps_the_subprocess(platform: Reglament,
                                                                                       actors) -> None:
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Deal", "f1"),
        '<bpmn:subProcess id="Deal" name="Deal"><bpmn:startEvent id="DealStart" />',
        flow("DealStart", "Fork", "g1"), '<bpmn:parallelGateway id="Fork" />', flow("Fork", "Escalate", "g2"),
        flow("Fork", "Negotiate", "g3"),
        '<bpmn:intermediateThrowEvent id="Escalate" name="Too slow"><bpmn:escalationEventDefinition '
        'escalationRef="Escalation_Late" /></bpmn:intermediateThrowEvent>', flow("Escalate", "EscEnd", "g4"),
        '<bpmn:endEvent id="EscEnd" />', user("Negotiate"), flow("Negotiate", "DealEnd", "g5"),
        '<bpmn:endEvent id="DealEnd" /></bpmn:subProcess>',
        '<bpmn:boundaryEvent id="Late" attachedToRef="Deal" cancelActivity="false">'
        '<bpmn:escalationEventDefinition escalationRef="Escalation_Late" /></bpmn:boundaryEvent>',
        flow("Late", "HeadCall", "f3"), user("HeadCall"), flow("HeadCall", "HeadEnd", "f4"), end("HeadEnd"),
        flow("Deal", "Won", "f2"), end("Won", "won")])
    started = run(platform, actors, body)
    anna = actors["anna"]
    assert sorted(visible(platform, anna, started.id)) == ["HeadCall", "Negotiate"]
    complete(platform, anna, started.id, "HeadCall", {})
    assert complete(platform, anna, started.id, "Negotiate", {}).status == "won"


def test_compensation_is_refused_at_deploy_naming_the_element(platform: Reglament, actors) -> None:
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Book", "f1"), user("Book", "Book the demo"),
        flow("Book", "E", "f2"), end("E"),
        '<bpmn:boundaryEvent id="Undo" name="Undo booking" attachedToRef="Book">'
        '<bpmn:compensateEventDefinition /></bpmn:boundaryEvent>'])
    problems = refused(platform, actors["head"], diagram(body))
    assert ("Undo", "Undo booking") in [(p.element_id, p.element_name) for p in problems]
    assert all("compensation is not supported" in p.message for p in problems)
    assert all(p.line for p in problems)


def test_an_error_reference_to_no_error_element_is_the_error_code_as_in_camunda(platform: Reglament,
                                                                                 actors) -> None:
    body = _error_in_subprocess('<bpmn:boundaryEvent id="Caught" attachedToRef="Deal">'
                                '<bpmn:errorEventDefinition errorRef="REJECTED_BY_LEGAL" /></bpmn:boundaryEvent>')
    body = body.replace('errorRef="Error_Rejected"', 'errorRef="REJECTED_BY_LEGAL"')
    started = run(platform, actors, body)
    complete(platform, actors["anna"], started.id, "Check", {"rejected": True})
    assert visible(platform, actors["anna"], started.id) == ["Rework"]


def test_an_error_reference_to_another_kind_of_element_is_refused_naming_the_event(platform: Reglament,
                                                                                  actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Boom", "f1"),
                      '<bpmn:endEvent id="Boom" name="Boom"><bpmn:errorEventDefinition errorRef="Escalation_Late" />'
                      '</bpmn:endEvent>'])
    problems = refused(platform, actors["head"], diagram(body))
    assert [(p.element_id, p.element_name) for p in problems] == [("Boom", "Boom")]
    assert "errorRef 'Escalation_Late' names a bpmn:escalation" in problems[0].message


def test_an_error_end_event_without_an_error_reference_is_refused_as_camunda_does(platform: Reglament,
                                                                                 actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Boom", "f1"),
                      '<bpmn:endEvent id="Boom" name="Boom"><bpmn:errorEventDefinition /></bpmn:endEvent>'])
    problems = refused(platform, actors["head"], diagram(body))
    assert [(p.element_id, p.element_name) for p in problems] == [("Boom", "Boom")]
    assert "needs an errorRef" in problems[0].message


def test_an_escalation_reference_to_nothing_is_refused_as_camunda_does(platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Late", "f1"),
                      '<bpmn:intermediateThrowEvent id="Late" name="Late"><bpmn:escalationEventDefinition '
                      'escalationRef="Nope" /></bpmn:intermediateThrowEvent>', flow("Late", "E", "f2"), end("E")])
    problems = refused(platform, actors["head"], diagram(body))
    assert [(p.element_id, p.element_name) for p in problems] == [("Late", "Late")]
    assert "escalationRef 'Nope' names nothing in this file" in problems[0].message


def test_the_cycle_page_reads_an_incident_cycle(platform: Reglament, actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Reject", "f1"),
                      '<bpmn:endEvent id="Reject"><bpmn:errorEventDefinition errorRef="Error_Rejected" />'
                      '</bpmn:endEvent>'])
    started = run(platform, actors, body)
    assert started.status == "incident"
    assert cycle(platform, actors["head"], started.id).incident["message"].startswith("Error 'REJECTED'")


def test_a_process_with_only_a_timer_start_event_starts_at_once_when_a_cycle_starts(platform: Reglament,
                                                                                   actors) -> None:
    body = "\n".join(['<bpmn:startEvent id="S"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT10H</bpmn:timeCycle>'
                      '</bpmn:timerEventDefinition></bpmn:startEvent>', flow("S", "Call", "f1"), user("Call"),
                      flow("Call", "Won", "f2"), end("Won", "won")])
    started = run(platform, actors, body)
    assert visible(platform, actors["anna"], started.id) == ["Call"]


def test_an_event_subprocess_without_an_id_is_named_and_runs(platform: Reglament, actors) -> None:
    body = MAIN + _timer_event_subprocess(False).replace(' id="Remind"', "")
    started = run(platform, actors, body)
    assert complete(platform, actors["anna"], started.id, "Call", {}).status == "won"


def test_an_error_event_subprocess_inside_a_subprocess_is_refused_naming_it(platform: Reglament, actors) -> None:
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Deal", "f1"),
        '<bpmn:subProcess id="Deal"><bpmn:startEvent id="DS" />', flow("DS", "DE", "g1"),
        '<bpmn:endEvent id="DE"><bpmn:errorEventDefinition errorRef="Error_Rejected" /></bpmn:endEvent>',
        '<bpmn:subProcess id="OnError" name="On error" triggeredByEvent="true"><bpmn:startEvent id="ES">'
        '<bpmn:errorEventDefinition /></bpmn:startEvent>', flow("ES", "Fix", "g2"), user("Fix"),
        '</bpmn:subProcess></bpmn:subProcess>', flow("Deal", "E", "f2"), end("E")])
    problems = refused(platform, actors["head"], diagram(body))
    assert [(p.element_id, p.element_name) for p in problems] == [("OnError", "On error")]
    assert "inside an embedded subprocess is not supported" in problems[0].message
