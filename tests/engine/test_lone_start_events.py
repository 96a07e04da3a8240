"""A process whose only start event is a message or signal start event starts at it when a person
(or the API) starts it, as Camunda 7 takes a lone start event of any kind as the initial one; a
message still starts it too, and a process with two message starts waits for one of them."""
from __future__ import annotations

from cycle_helpers import start, visible
from semantics_helpers import deploy, diagram, end, flow, user

from engine.platform.root import Reglament

MESSAGES = '<bpmn:message id="Msg_Order" name="order-placed" /><bpmn:message id="Msg_Call" name="call-back" />'
SIGNALS = '<bpmn:signal id="Sig_Launch" name="launch" />'


def _process(start_events: str, first: str) -> str:
    return "\n".join([start_events, flow(first, "Task_Work", "F1"), user("Task_Work"),
                      flow("Task_Work", "End_Won", "F2"), end("End_Won", "won")])


def test_a_lone_message_start_event_is_passed_when_the_cycle_is_started_by_hand(platform: Reglament,
                                                                                   actors) -> None:
    body = _process('<bpmn:startEvent id="Start_Order"><bpmn:messageEventDefinition messageRef="Msg_Order" />'
                    '</bpmn:startEvent>', "Start_Order")
    deploy(platform, actors["head"], diagram(body, "lone_message", MESSAGES), "lone_message.bpmn")
    started = start(platform, actors["anna"], "lone_message", client_name="Order By Hand Ltd")
    assert visible(platform, actors["anna"], started.id) == ["Task_Work"]


def test_a_lone_signal_start_event_is_passed_when_the_cycle_is_started_by_hand(platform: Reglament,
                                                                                  actors) -> None:
    body = _process('<bpmn:startEvent id="Start_Launch"><bpmn:signalEventDefinition signalRef="Sig_Launch" />'
                    '</bpmn:startEvent>', "Start_Launch")
    deploy(platform, actors["head"], diagram(body, "lone_signal", SIGNALS), "lone_signal.bpmn")
    started = start(platform, actors["anna"], "lone_signal", client_name="Launch By Hand Ltd")
    assert visible(platform, actors["anna"], started.id) == ["Task_Work"]


def test_two_message_start_events_wait_for_one_of_their_messages(platform: Reglament, actors) -> None:
    body = "\n".join([
        '<bpmn:startEvent id="Start_Order"><bpmn:messageEventDefinition messageRef="Msg_Order" /></bpmn:startEvent>',
        '<bpmn:startEvent id="Start_Call"><bpmn:messageEventDefinition messageRef="Msg_Call" /></bpmn:startEvent>',
        flow("Start_Order", "Task_Work", "F1"), flow("Start_Call", "Task_Work", "F0"), user("Task_Work"),
        flow("Task_Work", "End_Won", "F2"), end("End_Won", "won")])
    deploy(platform, actors["head"], diagram(body, "two_messages", MESSAGES), "two_messages.bpmn")
    started = start(platform, actors["anna"], "two_messages", client_name="Two Ways Ltd")
    assert visible(platform, actors["anna"], started.id) == [], "no initial start event: it waits"
