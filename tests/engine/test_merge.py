"""Merging two clients: everything of both ends on the survivor (counted before and after), the
other is marked merged and leads to the survivor, empty fields are filled, who may merge."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cycle_helpers import complete

from engine.clients.records import Filters
from engine.platform.root import Reglament
from engine.shared.errors import ClientMerged, Forbidden, InputInvalid
from storage.repositories import clients as clients_repo

QUALIFIED = {"contact_person": "Maria", "result": "qualified"}


@pytest.fixture(autouse=True)
def catalogue(platform: Reglament, actors) -> None:
    for name, label in (("call", "Call"), ("meeting", "Meeting")):
        platform.regulation.save_work_type(actors["head"], name, label, None)


def counts(platform: Reglament, client_id: int) -> dict[str, int]:
    with platform.query() as s:
        return clients_repo.client_row_counts(s, client_id)


def busy_client(platform: Reglament, clock, owner, name: str, **fields: Any) -> int:
    """A client with a cycle past its first task, a done and a planned contact, a contact person and a note."""
    client = platform.clients.create_client(owner, name, fields=fields, contact={"name": f"{name} buyer", "phone": "+7 900 1"
                                                                        + str(len(name)).zfill(6)})
    cycle = platform.regulation.start_cycle(owner, client.id, "new_client_sale")
    complete(platform, owner, cycle.id, "Task_QualificationCall", QUALIFIED)
    done = platform.planning.plan_contact(owner, client.id, "call", clock.now + timedelta(hours=1))
    platform.planning.contact_done(owner, done.id, "Talked about the budget")
    platform.planning.plan_contact(owner, client.id, "meeting", clock.now + timedelta(days=2))
    platform.clients.add_client_note(owner, client.id, f"Note about {name}")
    return client.id


def test_merging_moves_every_row_of_the_other_client_to_the_survivor(platform, actors, clock) -> None:
    anna, head = actors["anna"], actors["head"]
    survivor = busy_client(platform, clock, anna, "Alfa Retail", region="Moscow")
    other = busy_client(platform, clock, anna, "Alfa Retail Moscow", tax_id="7707083893", industry="retail",
                        region="Tver", size="large", status="customer")
    before = {"survivor": counts(platform, survivor), "other": counts(platform, other)}
    assert all(before["other"][k] > 0 for k in ("cycles", "history", "activities", "work_done", "contacts", "events"))

    result = platform.clients.merge_clients(head, survivor, other)

    after = counts(platform, survivor)
    moved = {k: before["other"][k] for k in before["other"]}
    assert {k: after[k] for k in after} == {k: before["survivor"][k] + moved[k] + (1 if k == "events" else 0)
                                            for k in after}, "everything of both, plus the merged event"
    assert counts(platform, other) == dict.fromkeys(after, 0)
    assert result.moved == moved
    assert result.filled == {"tax_id": "7707083893", "industry": "retail", "size": "large", "status": "customer"}
    card = platform.clients.client_card(head, survivor).data
    assert (card.region, card.tax_id, card.status) == ("Moscow", "7707083893", "customer"), \
        "the survivor's own values stay; empty ones are filled; the further status wins"
    assert sorted(c.name for c in card.contacts or ()) == ["Alfa Retail Moscow buyer", "Alfa Retail buyer"]
    with platform.query() as s:
        (event,) = clients_repo.client_events(s, survivor, "merged")
        assert (event.data["other_id"], event.data["other_name"], event.actor) == (other, "Alfa Retail Moscow", "head")
        assert event.data["moved"] == moved
        gone = clients_repo.client_by_id(s, other)
        assert (gone.status, gone.merged_into_id) == ("merged", survivor)
    cycles = platform.regulation.cycles(anna)
    assert {c.client_id for c in cycles} == {survivor} and len(cycles) == 2


def test_the_merged_client_leaves_lists_and_opening_it_leads_to_the_survivor(platform, actors) -> None:
    anna = actors["anna"]
    a = platform.clients.create_client(anna, "Beta Foods", contact={"phone": "+7 903 111 22 33"})
    b = platform.clients.create_client(anna, "Beta Food", contact={"phone": "8 903 111 22 33"})
    platform.clients.merge_clients(anna, a.id, b.id)
    assert [c.name for c in platform.clients.client_list(anna).clients] == ["Beta Foods"]
    assert [c.name for c in platform.clients.client_list(anna, Filters(text="89031112233")).clients] == ["Beta Foods"]
    with pytest.raises(ClientMerged) as exc:
        platform.clients.client_timeline(anna, b.id)
    assert exc.value.details["merged_into_id"] == a.id
    with pytest.raises(ClientMerged):
        platform.regulation.start_cycle(anna, b.id, "new_client_sale")
    dup = platform.clients.create_client(anna, "Gamma", contact={"phone": "+7 903 111 22 33"}, check_duplicates=False)
    assert platform.clients.client_card(anna, dup.id).duplicates[0].id == a.id, "only the survivor is offered"


def test_clients_merged_earlier_follow_to_the_new_survivor(platform, actors) -> None:
    head = actors["head"]
    a, b, c = (platform.clients.create_client(head, n, owner="anna").id for n in ("One", "Two", "Three"))
    platform.clients.merge_clients(head, b, a)
    platform.clients.merge_clients(head, c, b)
    with pytest.raises(ClientMerged) as exc:
        platform.clients.client_card(head, a)
    assert exc.value.details["merged_into_id"] == c


def test_a_manager_merges_two_of_his_own_clients_only(platform, actors, clock) -> None:
    anna, boris, alex, head = actors["anna"], actors["boris"], actors["alex"], actors["head"]
    mine1, mine2 = platform.clients.create_client(anna, "Mine 1").id, platform.clients.create_client(anna, "Mine 2").id
    boris_own = platform.clients.create_client(boris, "Boris 1").id
    queue = platform.clients.create_client(head, "Queue 1").id
    with pytest.raises(Forbidden):
        platform.clients.merge_clients(anna, mine1, boris_own)
    with pytest.raises(Forbidden):
        platform.clients.merge_clients(anna, mine1, queue)
    with pytest.raises(Forbidden):
        platform.clients.merge_clients(alex, mine1, mine2)
    with pytest.raises(InputInvalid):
        platform.clients.merge_clients(anna, mine1, mine1)
    assert counts(platform, mine2)["events"] == 1, "nothing moved by the refused merges"
    platform.clients.merge_clients(anna, mine1, mine2)
    platform.clients.merge_clients(head, boris_own, queue)
    assert [c.name for c in platform.clients.client_list(head).clients] == ["Boris 1", "Mine 1"]


def test_the_merge_preview_shows_both_clients_and_what_would_be_filled(platform, actors, clock) -> None:
    anna = actors["anna"]
    a = busy_client(platform, clock, anna, "Delta", region="Tver")
    b = platform.clients.create_client(anna, "Delta Logistics", fields={"industry": "logistics", "region": "Kazan"}).id
    preview = platform.clients.merge_preview(anna, a, b)
    assert preview.survivor.client.name == "Delta" and preview.other.client.name == "Delta Logistics"
    assert preview.filled == {"industry": "logistics"}
    assert preview.survivor.counts["cycles"] == 1 and preview.other.counts["cycles"] == 0
