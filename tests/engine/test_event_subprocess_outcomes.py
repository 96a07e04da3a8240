"""An interrupting event subprocess that ends the cycle decides it by its own end event, as the
end of the process in Camunda 7; a non-interrupting one, or one inside a subprocess, does not."""
from __future__ import annotations

from conftest import Clock
from cycle_helpers import complete, visible
from semantics_helpers import cycle, end, flow, run, user

from engine.platform.root import Reglament
from engine.platform.worker import Worker

MAIN = "\n".join(['<bpmn:startEvent id="S" />', flow("S", "Call", "f1"), user("Call"), flow("Call", "Won", "f2"),
                  end("Won", "won")])


def _timeout(interrupting: bool, end_event: str) -> str:
    """After a week without an answer: a last call, then the end the test names."""
    return (f'<bpmn:subProcess id="Timeout" name="No answer" triggeredByEvent="true">'
            f'<bpmn:startEvent id="TimeoutStart" isInterrupting="{str(interrupting).lower()}">'
            '<bpmn:timerEventDefinition><bpmn:timeDuration>P7D</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:startEvent>' + flow("TimeoutStart", "LastCall", "g1") + user("LastCall")
            + flow("LastCall", "TimeoutEnd", "g2") + end_event + '</bpmn:subProcess>')


LOST_NO_ANSWER = ('<bpmn:endEvent id="TimeoutEnd" name="No answer"><bpmn:extensionElements><camunda:properties>'
                  '<camunda:property name="outcome" value="lost" />'
                  '<camunda:property name="loss_reason" value="no answer" />'
                  '</camunda:properties></bpmn:extensionElements></bpmn:endEvent>')


def _fire_the_timeout(platform: Reglament, clock: Clock) -> None:
    clock.advance(days=7, seconds=1)
    Worker(platform).run_once()


def test_an_interrupting_event_subprocess_ending_lost_decides_the_cycle_lost_with_its_reason(
        platform: Reglament, actors, clock: Clock) -> None:
    started = run(platform, actors, MAIN + _timeout(True, LOST_NO_ANSWER))
    _fire_the_timeout(platform, clock)
    anna = actors["anna"]
    assert visible(platform, anna, started.id) == ["LastCall"]
    ended = complete(platform, anna, started.id, "LastCall", {})
    assert (ended.status, ended.outcome) == ("lost", "lost")
    assert cycle(platform, anna, started.id).loss_reason == "no answer"


def test_an_interrupting_event_subprocess_ending_without_an_outcome_cancels_the_cycle(
        platform: Reglament, actors, clock: Clock) -> None:
    started = run(platform, actors, MAIN + _timeout(True, '<bpmn:endEvent id="TimeoutEnd" />'))
    _fire_the_timeout(platform, clock)
    ended = complete(platform, actors["anna"], started.id, "LastCall", {})
    assert (ended.status, ended.outcome) == ("cancelled", None)


def test_a_non_interrupting_event_subprocess_ending_lost_leaves_the_main_flow_to_decide(
        platform: Reglament, actors, clock: Clock) -> None:
    started = run(platform, actors, MAIN + _timeout(False, LOST_NO_ANSWER))
    _fire_the_timeout(platform, clock)
    anna = actors["anna"]
    assert sorted(visible(platform, anna, started.id)) == ["Call", "LastCall"]
    after_last_call = complete(platform, anna, started.id, "LastCall", {})
    assert after_last_call.status == "active", "the side path ended; the sale goes on"
    assert complete(platform, anna, started.id, "Call", {}).status == "won"
