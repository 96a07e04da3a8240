"""Messages and signals from outside reach the cycles that wait for them."""
from __future__ import annotations

import pytest
from conftest import bpmn_file
from cycle_helpers import complete, visible

from engine.platform.root import Reglament


@pytest.fixture
def paying(platform: Reglament, actors) -> dict:
    platform.regulation.deploy(actors["head"], [bpmn_file("payment_message.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Pays Ltd")
    return platform.regulation.start_cycle(actors["anna"], client.id, "payment_message")


def test_an_intermediate_message_catch_waits_then_the_message_moves_the_cycle(platform, actors, paying) -> None:
    complete(platform, actors["anna"], paying.id, "Task_SendInvoice", {})
    assert visible(platform, actors["anna"], paying.id) == []
    reached = platform.outside.correlate(actors["admin"], "payment-received", cycle_id=paying.id,
                                         variables={"paid_amount": 1200})
    assert reached == [paying.id]
    cycle = platform.regulation.cycle(actors["anna"], paying.id)
    assert cycle.variables["paid_amount"] == 1200 and cycle.variables["last_message"] == "payment-received"
    assert visible(platform, actors["anna"], paying.id) == ["Task_Thank"]
    history = platform.regulation.history(actors["head"], paying.id)
    assert any(e.type == "message" and e.data["name"] == "payment-received" for e in history)


def test_a_non_interrupting_message_boundary_adds_work_and_keeps_the_task(platform, actors, paying) -> None:
    platform.outside.correlate(actors["admin"], "client-question", cycle_id=paying.id)
    assert sorted(visible(platform, actors["anna"], paying.id)) == ["Task_Answer", "Task_SendInvoice"]


def test_a_message_the_cycle_does_not_wait_for_reaches_nothing(platform, actors, paying) -> None:
    assert platform.outside.correlate(actors["admin"], "payment-received", cycle_id=paying.id) == []
    assert visible(platform, actors["anna"], paying.id) == ["Task_SendInvoice"]


@pytest.fixture
def ordering(platform: Reglament, actors) -> dict:
    platform.regulation.deploy(actors["head"], [bpmn_file("order_receive.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Orders Ltd")
    return platform.regulation.start_cycle(actors["anna"], client.id, "order_receive")


def test_a_receive_task_waits_for_its_message(platform, actors, ordering) -> None:
    assert platform.regulation.cycle(actors["anna"], ordering.id).status == "active"
    platform.outside.correlate(actors["admin"], "order-placed", cycle_id=ordering.id, variables={"order": "O-1"})
    cycle = platform.regulation.cycle(actors["anna"], ordering.id)
    assert cycle.status == "won" and cycle.variables["order"] == "O-1"


def test_an_interrupting_message_boundary_ends_the_wait(platform, actors, ordering) -> None:
    platform.outside.correlate(actors["admin"], "order-cancelled", cycle_id=ordering.id)
    cycle = platform.regulation.cycle(actors["anna"], ordering.id)
    assert cycle.status == "lost" and cycle.loss_reason == "The client cancelled the order"
    assert platform.outside.correlate(actors["admin"], "order-placed", cycle_id=ordering.id) == []


def test_a_signal_reaches_every_waiting_cycle(platform, actors, ordering) -> None:
    client = platform.clients.create_client(actors["anna"], "Second Ltd")
    second = platform.regulation.start_cycle(actors["anna"], client.id, "order_receive")
    reached = platform.outside.signal(actors["admin"], "price-list-changed").woken
    assert sorted(reached) == sorted([ordering.id, second.id])
    for cycle_id in (ordering.id, second.id):
        assert visible(platform, actors["anna"], cycle_id) == ["Task_Requote"]


def test_correlation_by_business_key_and_by_correlation_keys(platform, actors, ordering) -> None:
    client = platform.clients.create_client(actors["anna"], "Keyed Ltd")
    keyed = platform.regulation.start_cycle(actors["anna"], client.id, "order_receive")
    with pytest.raises(Exception, match="2 cycles wait"):
        platform.outside.correlate(actors["admin"], "order-placed", all_=False)
    reached = platform.outside.correlate(actors["admin"], "order-placed", keys={"client_name": "Keyed Ltd"})
    assert reached == [keyed.id]
    assert platform.regulation.cycle(actors["anna"], ordering.id).status == "active"


def test_a_cycle_starts_with_a_business_key_and_variables(platform, actors) -> None:
    client = platform.clients.create_client(actors["anna"], "Keyed Start")
    cycle = platform.outside.start_cycle(actors["anna"], client.id, "new_client_sale", "ORDER-77",
                                         {"source_system": "shop"})
    assert cycle.business_key == "ORDER-77" and cycle.variables["source_system"] == "shop"
    assert cycle.variables["client_id"] == client.id
    with pytest.raises(Exception, match="client_id"):
        platform.outside.start_cycle(actors["anna"], client.id, "new_client_sale", None, {"client_id": 99})
    with pytest.raises(Exception, match="200 characters"):
        platform.outside.start_cycle(actors["anna"], client.id, "new_client_sale", "x" * 201)


def test_reglaments_messages_are_idempotent_and_delivered_by_business_key(platform, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("order_receive.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Shop Ltd")
    cycle = platform.outside.start_cycle(actors["anna"], client.id, "order_receive", "INV-123")
    first = platform.outside.receive_message(actors["admin"], "order-placed", "m-1", business_key="INV-123",
                                             variables={"amount": 10})
    assert first.state == "delivered" and first.cycle_id == cycle.id
    again = platform.outside.receive_message(actors["admin"], "order-placed", "m-1", business_key="INV-123",
                                             variables={"amount": 99})
    assert again.id == first.id and again.state == "delivered"
    assert platform.regulation.cycle(actors["anna"], cycle.id).variables["amount"] == 10


def test_a_message_that_comes_first_is_kept_and_delivered_when_the_cycle_waits(platform, actors, paying) -> None:
    kept = platform.outside.receive_message(actors["admin"], "payment-received", "pay-1", cycle_id=paying.id,
                                            variables={"paid_amount": 700})
    assert kept.state == "waiting"
    complete(platform, actors["anna"], paying.id, "Task_SendInvoice", {})
    cycle = platform.regulation.cycle(actors["anna"], paying.id)
    assert cycle.variables["paid_amount"] == 700
    assert visible(platform, actors["anna"], paying.id) == ["Task_Thank"]
    assert platform.outside.receive_message(actors["admin"], "payment-received", "pay-1").state == "delivered"


def test_a_message_no_cycle_matches_goes_to_triage_and_the_clients_timeline(platform, actors, clock) -> None:
    client = platform.clients.create_client(actors["anna"], "Nobody Waits")
    lost = platform.outside.receive_message(actors["admin"], "payment-received", "pay-x",
                                            correlation={"client_id": client.id})
    assert lost.state == "triage" and lost.client_id == client.id
    assert [m.message_id for m in platform.outside.triage(actors["head"])] == ["pay-x"]
    with pytest.raises(Exception, match="may not"):
        platform.outside.triage(actors["anna"])


def test_a_kept_message_goes_to_triage_after_its_time_to_live(platform, actors, clock, paying) -> None:
    platform.outside.receive_message(actors["admin"], "payment-received", "late", cycle_id=paying.id)
    clock.advance(days=8)
    [row] = platform.outside.triage(actors["head"])
    assert row.state == "triage" and row.note is not None and "time to live" in row.note


def test_a_message_start_event_starts_a_cycle_for_the_client_it_names(platform, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("message_start.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Web Lead")
    [cycle_id] = platform.outside.correlate(actors["admin"], "lead-received", business_key="LEAD-5",
                                            variables={"client_id": client.id, "page": "/pricing"})
    cycle = platform.regulation.cycle(actors["anna"], cycle_id)
    assert cycle.business_key == "LEAD-5" and cycle.variables["page"] == "/pricing"
    assert visible(platform, actors["anna"], cycle_id) == ["Task_CallLead"]
    with pytest.raises(Exception, match="client_id"):
        platform.outside.correlate(actors["admin"], "lead-received", variables={"page": "/"})


def test_a_message_throw_event_without_an_implementation_passes_through_as_in_camunda(platform, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("message_throw.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Throws Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "message_throw")
    complete(platform, actors["anna"], cycle.id, "Task_SendInvoice", {})
    after = platform.regulation.cycle(actors["anna"], cycle.id)
    assert after.status == "active" and after.incident is None
    assert visible(platform, actors["anna"], cycle.id) == [], "it waits for the payment; it caught nothing itself"
    assert platform.outside.correlate(actors["admin"], "payment-received", cycle_id=cycle.id) == [cycle.id]
    assert visible(platform, actors["anna"], cycle.id) == ["Task_Thank"]


def test_message_event_subprocesses_interrupting_and_not(platform, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("message_event_subprocess.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Subprocess Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "message_event_subprocess")
    assert platform.outside.correlate(actors["admin"], "complaint", cycle_id=cycle.id,
                                      variables={"complaint": "late"}) == [cycle.id]
    assert sorted(visible(platform, actors["anna"], cycle.id)) == ["Task_Deliver", "Task_Handle"]
    assert platform.outside.correlate(actors["admin"], "order-cancelled", cycle_id=cycle.id) == [cycle.id]
    open_now = visible(platform, actors["anna"], cycle.id)
    assert "Task_Refund" in open_now and "Task_Deliver" not in open_now, "the interrupting one took over"


def test_a_send_task_without_an_implementation_passes_through(platform, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("send_task.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Sends Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "send_task")
    complete(platform, actors["anna"], cycle.id, "Task_SendInvoice", {})
    assert platform.regulation.cycle(actors["anna"], cycle.id).incident is None
    assert platform.outside.correlate(actors["admin"], "payment-received", cycle_id=cycle.id) == [cycle.id]
