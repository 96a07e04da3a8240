"""Review of messages, signals and external tasks: protected variables, correlation windows, one
transaction per cycle, fetch filters in the database, the integrate permission."""
from __future__ import annotations

import pytest
from conftest import bpmn_file
from cycle_helpers import visible

from engine.platform.root import Reglament
from engine.regulation import messages, received
from engine.regulation.external_tasks import TopicRequest
from engine.regulation.reading import CycleView
from engine.shared.access import Actor, Permission
from engine.shared.errors import Forbidden, InputInvalid
from storage.repositories import messaging as messaging_repo


def _ordering(platform: Reglament, actors, names: list[str]) -> list[CycleView]:
    platform.regulation.deploy(actors["head"], [bpmn_file("order_receive.bpmn")])
    out = []
    for name in names:
        client = platform.clients.create_client(actors["anna"], name)
        out.append(platform.regulation.start_cycle(actors["anna"], client.id, "order_receive"))
    return out


def test_a_signal_cannot_rename_a_running_cycles_client(platform, actors) -> None:
    [cycle] = _ordering(platform, actors, ["Signal Ltd"])
    with pytest.raises(InputInvalid, match="client_id"):
        platform.outside.signal(actors["admin"], "price-list-changed", {"client_id": 999_999})
    after = platform.regulation.cycle(actors["anna"], cycle.id)
    assert after.variables["client_id"] == cycle.variables["client_id"]
    assert visible(platform, actors["anna"], cycle.id) == [], "nothing was delivered"


def test_one_failing_cycle_does_not_take_the_signal_from_the_others(platform, actors, monkeypatch) -> None:
    first, second = _ordering(platform, actors, ["First Ltd", "Second Ltd"])
    real = messages.deliver

    def deliver(session, ctx, cycle_id, *args, **kwargs):  # type: ignore[no-untyped-def]
        if cycle_id == first.id:
            raise RuntimeError("this cycle's delivery fails")
        return real(session, ctx, cycle_id, *args, **kwargs)

    monkeypatch.setattr(messages, "deliver", deliver)
    assert platform.outside.signal(actors["admin"], "price-list-changed").woken == (second.id,)
    monkeypatch.setattr(messages, "deliver", real)
    assert visible(platform, actors["anna"], second.id) == ["Task_Requote"]
    assert visible(platform, actors["anna"], first.id) == []


def test_correlation_keys_find_a_newer_cycle_beyond_the_old_window(platform, actors, monkeypatch) -> None:
    cycles = _ordering(platform, actors, [f"Old {n} Ltd" for n in range(4)] + ["Newest Ltd"])
    monkeypatch.setattr(messages, "MAX_TARGETS", 3)
    reached = platform.outside.correlate(actors["admin"], "order-placed", keys={"client_name": "Newest Ltd"})
    assert reached == [cycles[-1].id]
    by_id = platform.outside.correlate(actors["admin"], "order-cancelled",
                                       keys={"client_id": cycles[-2].variables["client_id"]})
    assert by_id == [cycles[-2].id], "a number matches as a number"
    assert platform.outside.correlate(actors["admin"], "order-cancelled", keys={"client_id": "1"}) == []


def test_more_cycles_than_the_limit_are_refused_not_cut(platform, actors, monkeypatch) -> None:
    cycles = _ordering(platform, actors, [f"Many {n} Ltd" for n in range(5)])
    monkeypatch.setattr(messages, "MAX_TARGETS", 3)
    with pytest.raises(InputInvalid, match="more than 3 cycles"):
        platform.outside.correlate(actors["admin"], "order-placed", all_=True)
    for cycle in cycles:
        assert platform.regulation.cycle(actors["anna"], cycle.id).status == "active", "none was touched"


def test_a_received_message_finds_a_newer_cycle_beyond_the_old_scan(platform, actors, monkeypatch) -> None:
    cycles = _ordering(platform, actors, [f"Scan {n} Ltd" for n in range(4)] + ["Scanned Ltd"])
    monkeypatch.setattr(received, "MAX_SCAN", 3)
    message = platform.outside.receive_message(actors["admin"], "order-placed",
                                               correlation={"client_name": "Scanned Ltd"})
    assert message.state == "delivered" and message.cycle_id == cycles[-1].id
    assert platform.regulation.cycle(actors["anna"], cycles[-1].id).status == "won"


@pytest.fixture
def invoices(platform: Reglament, actors) -> list[CycleView]:
    platform.regulation.deploy(actors["head"], [bpmn_file("external_invoice.bpmn")])
    out = []
    for n in range(11):
        client = platform.clients.create_client(actors["anna"], f"Invoice {n} Ltd")
        out.append(platform.outside.start_cycle(actors["anna"], client.id, "external_invoice",
                                                "WANTED" if n == 10 else f"OTHER-{n}"))
    return out


def test_fetch_filters_by_business_key_in_the_database(platform, actors, invoices) -> None:
    topic = [TopicRequest("issue-invoice", 60_000, business_key="WANTED")]
    [task] = platform.outside.fetch_and_lock(actors["admin"], "w", 2, topic)
    assert task.cycle_id == invoices[-1].id and task.business_key == "WANTED"
    by_regulation = [TopicRequest("issue-invoice", 60_000, regulation="external_invoice")]
    assert len(platform.outside.fetch_and_lock(actors["admin"], "w", 3, by_regulation)) == 3
    elsewhere = [TopicRequest("issue-invoice", 60_000, regulation="another_regulation")]
    assert platform.outside.fetch_and_lock(actors["admin"], "w", 3, elsewhere) == []


def test_integrating_is_a_permission(platform, actors) -> None:
    def actor(role: str) -> Actor:
        return Actor(1, role, role, frozenset({role}), frozenset())

    assert [r for r in ("owner", "head", "admin", "manager", "analyst") if actor(r).may(Permission.INTEGRATE)] \
        == ["owner", "head", "admin"]
    with pytest.raises(Forbidden, match="fetch external tasks"):
        platform.outside.fetch_and_lock(actors["anna"], "w", 1, [TopicRequest("issue-invoice", 1000)])
    assert not hasattr(messaging_repo, "database_now"), "one database clock: storage/repositories/clock.py"
    assert not hasattr(messaging_repo, "count_triage") and not hasattr(messaging_repo, "list_external_tasks")
