"""Gateways and terminate end events as Camunda 7 runs them."""
from __future__ import annotations

import itertools

import pytest
from conftest import Clock
from cycle_helpers import complete, events, visible
from semantics_helpers import end, flow, run, user

from engine.platform.root import Reglament
from engine.platform.worker import Worker


def _inclusive() -> str:
    return "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Ask", "f1"),
        user("Ask", fields={"demo": "boolean", "offer": "boolean"}), flow("Ask", "Split", "f2"),
        '<bpmn:inclusiveGateway id="Split" default="f_none" />',
        flow("Split", "Demo", "f3", "${demo}"), flow("Split", "Offer", "f4", "${offer}"),
        flow("Split", "Merge", "f_none"), user("Demo"), user("Offer"),
        flow("Demo", "Merge", "f5"), flow("Offer", "Merge", "f6"), '<bpmn:inclusiveGateway id="Merge" />',
        flow("Merge", "Close", "f7"), user("Close"), flow("Close", "Won", "f8"), end("Won", "won")])


def test_an_inclusive_gateway_takes_every_true_branch_and_merges_only_those(platform: Reglament,
                                                                            actors) -> None:
    anna = actors["anna"]
    both = run(platform, actors, _inclusive())
    complete(platform, anna, both.id, "Ask", {"demo": True, "offer": True})
    assert sorted(visible(platform, anna, both.id)) == ["Demo", "Offer"]
    complete(platform, anna, both.id, "Demo", {})
    assert visible(platform, anna, both.id) == ["Offer"], "the merge waits for the other taken branch"
    complete(platform, anna, both.id, "Offer", {})
    assert visible(platform, anna, both.id) == ["Close"]
    one = run(platform, actors, _inclusive())
    complete(platform, anna, one.id, "Ask", {"demo": False, "offer": True})
    assert visible(platform, anna, one.id) == ["Offer"]
    complete(platform, anna, one.id, "Offer", {})
    assert visible(platform, anna, one.id) == ["Close"], "the merge does not wait for a branch not taken"
    none = run(platform, actors, _inclusive())
    complete(platform, anna, none.id, "Ask", {"demo": False, "offer": False})
    assert visible(platform, anna, none.id) == ["Close"], "no condition holds: the default flow"


def test_an_event_based_gateway_follows_the_first_event_and_drops_the_other(platform: Reglament, actors,
                                                                            clock: Clock) -> None:
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Wait", "f1"), '<bpmn:eventBasedGateway id="Wait" />',
        flow("Wait", "Day", "f2"), flow("Wait", "Week", "f3"),
        '<bpmn:intermediateCatchEvent id="Day"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D'
        '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
        '<bpmn:intermediateCatchEvent id="Week"><bpmn:timerEventDefinition><bpmn:timeDuration>P7D'
        '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
        flow("Day", "Call", "f4"), flow("Week", "Lost", "f5"), user("Call"), flow("Call", "Won", "f6"),
        end("Won", "won"), end("Lost", "lost")])
    started = run(platform, actors, body)
    clock.advance(days=1, seconds=1)
    Worker(platform).run_once()
    anna = actors["anna"]
    assert visible(platform, anna, started.id) == ["Call"]
    clock.advance(days=7)
    Worker(platform).run_once()
    assert platform.regulation.cycle(anna, started.id).status == "active", "the other timer was dropped"
    assert complete(platform, anna, started.id, "Call", {}).status == "won"


def test_a_terminate_end_event_ends_the_whole_cycle_with_its_parallel_branches(platform: Reglament,
                                                                               actors) -> None:
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Fork", "f1"), '<bpmn:parallelGateway id="Fork" />',
        flow("Fork", "Refuse", "f2"), flow("Fork", "Remind", "f3"), user("Refuse"), user("Remind"),
        flow("Refuse", "Stop", "f4"), flow("Remind", "Done", "f5"), end("Done"),
        '<bpmn:endEvent id="Stop"><bpmn:extensionElements><camunda:properties><camunda:property name="outcome" '
        'value="lost" /></camunda:properties></bpmn:extensionElements><bpmn:terminateEventDefinition />'
        '</bpmn:endEvent>'])
    started = run(platform, actors, body)
    anna = actors["anna"]
    ended = complete(platform, anna, started.id, "Refuse", {})
    assert (ended.status, ended.outcome) == ("lost", "lost")
    assert visible(platform, anna, started.id) == []
    assert events(platform.regulation.history(anna, started.id), "cancelled", "Remind")


def test_a_terminate_end_event_in_a_subprocess_ends_only_that_subprocess(platform: Reglament, actors) -> None:
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Deal", "f0"),
        '<bpmn:subProcess id="Deal"><bpmn:startEvent id="DealStart" />', flow("DealStart", "Fork", "g1"),
        '<bpmn:parallelGateway id="Fork" />', flow("Fork", "Sign", "g2"), flow("Fork", "Chase", "g3"),
        user("Sign"), user("Chase"), flow("Sign", "Stop", "g4"), flow("Chase", "DealEnd", "g5"),
        '<bpmn:endEvent id="Stop"><bpmn:terminateEventDefinition /></bpmn:endEvent>',
        '<bpmn:endEvent id="DealEnd" /></bpmn:subProcess>',
        flow("Deal", "Invoice", "f1"), user("Invoice"), flow("Invoice", "Won", "f2"), end("Won", "won")])
    started = run(platform, actors, body)
    anna = actors["anna"]
    complete(platform, anna, started.id, "Sign", {})
    assert visible(platform, anna, started.id) == ["Invoice"]
    assert complete(platform, anna, started.id, "Invoice", {}).status == "won"


def test_a_task_with_two_incoming_flows_runs_once_per_token_as_in_camunda(platform: Reglament, actors) -> None:
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Fork", "f1"), '<bpmn:parallelGateway id="Fork" />',
        flow("Fork", "Call", "f2"), flow("Fork", "Mail", "f3"), user("Call"), user("Mail"),
        flow("Call", "Note", "f4"), flow("Mail", "Note", "f5"), user("Note"), flow("Note", "E", "f6"), end("E")])
    started = run(platform, actors, body)
    anna = actors["anna"]
    complete(platform, anna, started.id, "Call", {})
    assert sorted(visible(platform, anna, started.id)) == ["Mail", "Note"]
    complete(platform, anna, started.id, "Note", {})
    complete(platform, anna, started.id, "Mail", {})
    assert visible(platform, anna, started.id) == ["Note"], "the second token runs the task again"


@pytest.mark.parametrize("order", list(itertools.permutations(["A", "B", "C"])))
@pytest.mark.parametrize("kind", ["parallelGateway", "inclusiveGateway"])
def test_a_join_of_three_branches_waits_for_all_in_any_order(platform: Reglament, actors, kind: str,
                                                             order: tuple[str, ...]) -> None:
    condition = "${True}" if kind == "inclusiveGateway" else None
    body = "\n".join([
        '<bpmn:startEvent id="S" />', flow("S", "Fork", "f1"), f'<bpmn:{kind} id="Fork" />',
        *(flow("Fork", t, f"f_{t}", condition) for t in "ABC"), *(user(t) for t in "ABC"),
        *(flow(t, "Join", f"j_{t}") for t in "ABC"), f'<bpmn:{kind} id="Join" />',
        flow("Join", "Won", "f9"), end("Won", "won")])
    started = run(platform, actors, body)
    anna = actors["anna"]
    for n, element in enumerate(order):
        assert platform.regulation.cycle(anna, started.id).status == "active"
        result = complete(platform, anna, started.id, element, {})
        assert sorted(visible(platform, anna, started.id)) == sorted(order[n + 1:])
    assert result.status == "won", "the join fires once every branch arrived, whatever the order"
