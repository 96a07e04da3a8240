"""Signals (Camunda 7): a broadcast from a cycle's throw event or from outside reaches every cycle
waiting for it, once, and starts the regulations that start with it; nobody waiting, nothing kept."""
from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest
from conftest import bpmn_file
from cycle_helpers import complete, start, visible
from semantics_helpers import deploy, diagram, end, flow, refused, user
from signal_diagrams import SIGNALS, deploy_all, waiting

from engine.platform.worker import Worker
from engine.regulation import messages, signals
from engine.shared.errors import InputInvalid
from storage.repositories import signals as signals_repo


def _get(item: Any, key: str) -> Any:
    """A field of a cycle or history entry (a mapping or a read model)."""
    return item[key] if isinstance(item, dict) else getattr(item, key)


def _cycle(platform, actors, cycle_id: int) -> Any:
    return platform.regulation.cycle(actors["anna"], cycle_id)


def _signals_received(platform, actors, cycle_id: int) -> list[str]:
    return [_get(e, "data")["name"] for e in platform.regulation.history(actors["head"], cycle_id)
            if _get(e, "type") == "signal"]


def _cycles_of(platform, actors, regulation: str) -> list[Any]:
    return [c for c in platform.regulation.cycles(actors["head"]) if _get(c, "regulation") == regulation]


def test_a_throw_in_one_cycle_wakes_the_waiting_cycles_after_its_step_and_starts_the_regulation(
        platform, actors) -> None:
    deploy_all(platform, actors["head"], "signal_wait", "signal_throw", "signal_tender")
    b, c = waiting(platform, actors, "B Ltd"), waiting(platform, actors, "C Ltd")
    a = start(platform, actors["anna"], "signal_throw", client_name="A Ltd")
    assert complete(platform, actors["anna"], _get(a, "id"), "Task_Announce", {"new_price": 120}) is not None
    assert _get(_cycle(platform, actors, _get(a, "id")), "status") == "won"
    assert visible(platform, actors["anna"], _get(b, "id")) == ["Task_Work"], "delivered after the step, by the worker"
    assert Worker(platform).run_once() > 0
    for cycle in (b, c):
        assert sorted(visible(platform, actors["anna"], _get(cycle, "id"))) == ["Task_Requote", "Task_Work"]
        assert _get(_cycle(platform, actors, _get(cycle, "id")), "variables")["price"] == 120
    [tender] = _cycles_of(platform, actors, "signal_tender")
    assert _get(tender, "client_id") == _get(a, "client_id") and _get(tender, "variables")["price"] == 120
    assert visible(platform, actors["anna"], _get(tender, "id")) == ["Task_Quote"]
    Worker(platform).run_once()
    assert [_signals_received(platform, actors, _get(x, "id")) for x in (b, c)] == [["price-list-changed"]] * 2, "once"
    assert len(_cycles_of(platform, actors, "signal_tender")) == 1


def test_an_interrupting_boundary_signal_ends_the_task_and_the_sale(platform, actors) -> None:
    deploy_all(platform, actors["head"], "signal_wait")
    cycle = waiting(platform, actors, "Frozen Ltd")
    result = platform.outside.signal(actors["admin"], "deal-frozen")
    assert result.woken == (_get(cycle, "id"),) and result.done
    assert _get(_cycle(platform, actors, _get(cycle, "id")), "status") == "lost"


def test_a_non_interrupting_boundary_signal_adds_work_and_keeps_the_task(platform, actors) -> None:
    deploy_all(platform, actors["head"], "signal_wait")
    cycle = waiting(platform, actors, "Requote Ltd")
    platform.outside.signal(actors["admin"], "price-list-changed", {"price": 99})
    assert sorted(visible(platform, actors["anna"], _get(cycle, "id"))) == ["Task_Requote", "Task_Work"]
    platform.outside.signal(actors["admin"], "price-list-changed", {"price": 98})
    assert sorted(visible(platform, actors["anna"], _get(cycle, "id"))) == ["Task_Requote", "Task_Requote", "Task_Work"]


def test_an_intermediate_catch_takes_a_signal_only_while_it_waits(platform, actors) -> None:
    deploy_all(platform, actors["head"], "signal_wait")
    cycle = waiting(platform, actors, "Launch Ltd")
    early = platform.outside.signal(actors["admin"], "go-live", {"launch_day": "monday"})
    assert early.woken == () and early.started == () and early.done, "nobody waits: nothing happens"
    complete(platform, actors["anna"], _get(cycle, "id"), "Task_Work", {})
    assert visible(platform, actors["anna"], _get(cycle, "id")) == [], "the early signal was not kept"
    Worker(platform).run_once()
    assert visible(platform, actors["anna"], _get(cycle, "id")) == []
    assert platform.outside.signal(actors["admin"], "go-live", {"launch_day": "tuesday"}).woken == (_get(cycle, "id"),)
    assert visible(platform, actors["anna"], _get(cycle, "id")) == ["Task_Launch"]
    assert _get(_cycle(platform, actors, _get(cycle, "id")), "variables")["launch_day"] == "tuesday"


def test_an_event_subprocess_signal_start_adds_work_beside_the_main_flow(platform, actors) -> None:
    deploy_all(platform, actors["head"], "signal_wait")
    cycle = waiting(platform, actors, "Audit Ltd")
    assert platform.outside.signal(actors["admin"], "audit-requested").woken == (_get(cycle, "id"),)
    assert sorted(visible(platform, actors["anna"], _get(cycle, "id"))) == ["Task_Audit", "Task_Work"]


def test_a_signal_start_event_starts_a_cycle_for_the_named_client_with_the_variables(platform, actors) -> None:
    deploy_all(platform, actors["head"], "signal_tender")
    client = platform.clients.create_client(actors["anna"], "Tender Ltd")
    with pytest.raises(InputInvalid, match="client_id"):
        platform.outside.signal(actors["admin"], "price-list-changed", {"price": 10})
    result = platform.outside.signal(actors["admin"], "price-list-changed", {"price": 10}, client_id=_get(client, "id"))
    [cycle_id] = result.started
    cycle = _cycle(platform, actors, cycle_id)
    assert _get(cycle, "client_id") == _get(client, "id") and _get(cycle, "variables")["price"] == 10
    assert visible(platform, actors["anna"], cycle_id) == ["Task_Quote"]


def test_a_cycle_that_starts_waiting_after_the_throw_does_not_catch_it(platform, actors) -> None:
    deploy_all(platform, actors["head"], "signal_wait", "signal_throw")
    before = waiting(platform, actors, "Before Ltd")
    thrower = start(platform, actors["anna"], "signal_throw", client_name="Thrower Ltd")
    complete(platform, actors["anna"], _get(thrower, "id"), "Task_Announce", {"new_price": 5})
    after = waiting(platform, actors, "After Ltd")
    Worker(platform).run_once()
    assert sorted(visible(platform, actors["anna"], _get(before, "id"))) == ["Task_Requote", "Task_Work"]
    assert visible(platform, actors["anna"], _get(after, "id")) == ["Task_Work"]


def test_more_cycles_than_the_batch_are_reached_by_the_worker_each_once(platform, actors) -> None:
    deploy_all(platform, actors["head"], "signal_wait")
    cycles = [waiting(platform, actors, f"Batch {n} Ltd") for n in range(3)]
    platform.settings = dataclasses.replace(platform.settings, signal_batch=2)
    result = platform.outside.signal(actors["admin"], "audit-requested")
    assert len(result.woken) == 2 and not result.done
    assert platform.outside.deliver_signals() > 0
    assert platform.outside.deliver_signals() == 0, "the broadcast is done"
    for cycle in cycles:
        assert _signals_received(platform, actors, _get(cycle, "id")) == ["audit-requested"]
        assert sorted(visible(platform, actors["anna"], _get(cycle, "id"))) == ["Task_Audit", "Task_Work"]


def test_a_deliverer_that_read_the_broadcast_before_another_delivered_takes_nothing(platform, actors) -> None:
    deploy_all(platform, actors["head"], "signal_wait")
    first, _ = waiting(platform, actors, "Race 1 Ltd"), waiting(platform, actors, "Race 2 Ltd")
    with platform.command() as s:
        broadcast_id = signals.send(s, platform.ctx, actors["admin"], "audit-requested", None).id
    with platform.command() as s:
        assert signals.step(s, platform.ctx, broadcast_id).cycle_id == _get(first, "id")
    with platform.command() as s:  # a second deliverer that still believes nothing was delivered
        assert not signals_repo.claim_cycle(s, broadcast_id, 0, _get(first, "id"))
    platform.outside.deliver_signals()
    assert _signals_received(platform, actors, _get(first, "id")) == ["audit-requested"]


def test_signal_names_that_cannot_be_routed_are_refused_at_deploy_naming_the_event(platform, actors) -> None:
    body = ('<bpmn:startEvent id="Start" /><bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Catch_Expr" />'
            '<bpmn:intermediateCatchEvent id="Catch_Expr" name="Wait for the region">'
            '<bpmn:signalEventDefinition signalRef="Signal_Expr" /></bpmn:intermediateCatchEvent>'
            '<bpmn:sequenceFlow id="F2" sourceRef="Catch_Expr" targetRef="Catch_NoRef" />'
            '<bpmn:intermediateCatchEvent id="Catch_NoRef"><bpmn:signalEventDefinition /></bpmn:intermediateCatchEvent>'
            '<bpmn:sequenceFlow id="F3" sourceRef="Catch_NoRef" targetRef="End" /><bpmn:endEvent id="End" />')
    problems = refused(platform, actors["head"], diagram(body, "signal_refused",
                                                         '<bpmn:signal id="Signal_Expr" name="go-${region}" />'))
    by_element = {p.element_id: p.message for p in problems}
    assert "literal names" in by_element["Catch_Expr"] and "signalRef" in by_element["Catch_NoRef"]


def test_a_signal_from_outside_is_bounded_and_literal(platform, actors) -> None:
    with pytest.raises(InputInvalid, match="literal"):
        platform.outside.signal(actors["admin"], "go-${x}")
    with pytest.raises(InputInvalid, match="200"):
        platform.outside.signal(actors["admin"], "x" * 201)
    with pytest.raises(Exception, match="integrate|send signals"):
        platform.outside.signal(actors["anna"], "go-live")


def test_two_deliverers_at_once_give_each_waiting_cycle_the_signal_once(platform, actors, monkeypatch) -> None:
    deploy_all(platform, actors["head"], "signal_wait")
    cycles = [waiting(platform, actors, f"Both {n} Ltd") for n in range(3)]
    with platform.command() as s:
        signals.send(s, platform.ctx, actors["admin"], "audit-requested", None)
    in_delivery, go_on = threading.Event(), threading.Event()
    real = messages.deliver

    def paused(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)  # the first deliverer has claimed and delivered; not committed yet
        if threading.current_thread().name == "first" and not in_delivery.is_set():
            in_delivery.set()
            go_on.wait(30)
        return result

    monkeypatch.setattr(messages, "deliver", paused)
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            platform.outside.deliver_signals()
        except BaseException as exc:  # shown by the assertion below
            errors.append(exc)

    first = threading.Thread(target=deliver, name="first")
    first.start()
    assert in_delivery.wait(30), "the first deliverer holds its unit"
    second = threading.Thread(target=deliver, name="second")
    second.start()
    second.join(1.0)  # it waits for the first's unit, or takes the next ones
    go_on.set()
    first.join(30)
    second.join(30)
    assert not first.is_alive() and not second.is_alive() and errors == []
    platform.outside.deliver_signals()
    for cycle in cycles:
        assert _signals_received(platform, actors, _get(cycle, "id")) == ["audit-requested"]
        assert sorted(visible(platform, actors["anna"], _get(cycle, "id"))) == ["Task_Audit", "Task_Work"]


def test_a_signal_end_event_passes_its_variables_but_never_another_cycles_identity(platform, actors) -> None:
    deploy_all(platform, actors["head"], "signal_wait", "signal_end")
    waiting_one = waiting(platform, actors, "Audited Ltd")
    closer = start(platform, actors["anna"], "signal_end", client_name="Closer Ltd")
    complete(platform, actors["anna"], _get(closer, "id"), "Task_Close", {"reason": "year end"})
    Worker(platform).run_once()
    assert sorted(visible(platform, actors["anna"], _get(waiting_one, "id"))) == ["Task_Audit", "Task_Work"]
    variables = _get(_cycle(platform, actors, _get(waiting_one, "id")), "variables")
    assert variables["reason"] == "year end"
    assert variables["client_name"] == "Audited Ltd" and variables["cycle_id"] == _get(waiting_one, "id")


def test_an_interrupting_signal_event_subprocess_takes_over_the_cycle(platform, actors) -> None:
    deploy_all(platform, actors["head"], "signal_offer")
    offer = start(platform, actors["anna"], "signal_offer", client_name="Offer Ltd")
    assert platform.outside.signal(actors["admin"], "deal-frozen").woken == (_get(offer, "id"),)
    assert visible(platform, actors["anna"], _get(offer, "id")) == ["Task_Unfreeze"]
    complete(platform, actors["anna"], _get(offer, "id"), "Task_Unfreeze", {})
    assert _get(_cycle(platform, actors, _get(offer, "id")), "status") != "active", "the offer does not come back"


def test_a_cycle_catches_its_own_signal_in_the_same_step_and_only_once(platform, actors) -> None:
    deploy_all(platform, actors["head"], "signal_self")
    own = start(platform, actors["anna"], "signal_self", client_name="Self Ltd")
    assert visible(platform, actors["anna"], _get(own, "id")) == ["Task_Prepare"]
    complete(platform, actors["anna"], _get(own, "id"), "Task_Prepare", {})
    assert visible(platform, actors["anna"], _get(own, "id")) == ["Task_Launch"], "in the throwing step itself"
    Worker(platform).run_once()
    assert visible(platform, actors["anna"], _get(own, "id")) == ["Task_Launch"]
    assert _signals_received(platform, actors, _get(own, "id")) == [], "the broadcast skips the thrower"


def test_a_non_interrupting_message_boundary_catches_every_message_while_its_task_runs(platform, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("payment_message.bpmn")])
    paying = start(platform, actors["anna"], "payment_message", client_name="Questions Ltd")
    for _ in range(2):
        platform.outside.correlate(actors["admin"], "client-question", cycle_id=_get(paying, "id"))
    assert sorted(visible(platform, actors["anna"], _get(paying, "id"))) == ["Task_Answer", "Task_Answer",
                                                                             "Task_SendInvoice"]


def test_a_throw_whose_payload_cannot_be_evaluated_stops_its_cycle_in_an_incident_naming_the_event(
        platform, actors) -> None:
    body = "\n".join([
        '<bpmn:startEvent id="Start" />', flow("Start", "Task_Announce", "F1"), user("Task_Announce"),
        flow("Task_Announce", "Throw_Price", "F2"),
        '<bpmn:intermediateThrowEvent id="Throw_Price" name="Announce the price list">'
        '<bpmn:signalEventDefinition signalRef="Signal_Price"><bpmn:extensionElements>'
        '<camunda:in sourceExpression="${no_such_price + 1}" target="price" /></bpmn:extensionElements>'
        '</bpmn:signalEventDefinition></bpmn:intermediateThrowEvent>',
        flow("Throw_Price", "End_Announced", "F3"), end("End_Announced", "won")])
    deploy(platform, actors["head"], diagram(body, "signal_bad_payload", SIGNALS), "signal_bad_payload.bpmn")
    deploy_all(platform, actors["head"], "signal_wait")
    waiting_one = waiting(platform, actors, "Still Waiting Ltd")
    thrower = start(platform, actors["anna"], "signal_bad_payload", client_name="Bad Payload Ltd")
    stopped = complete(platform, actors["anna"], _get(thrower, "id"), "Task_Announce", {})
    assert _get(stopped, "status") == "incident"
    assert _get(stopped, "incident")["element_id"] == "Throw_Price"
    assert "no_such_price" in _get(stopped, "incident")["message"]
    Worker(platform).run_once()
    assert _signals_received(platform, actors, _get(waiting_one, "id")) == [], "nothing was broadcast"
