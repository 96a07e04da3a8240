"""A client's one timeline: every cycle event, contacts planned and made, notes, edits, owner
changes and distribution decisions, newest first; filters by kind; paging with a cursor that
neither skips nor repeats entries, even many of one moment."""
from __future__ import annotations

from datetime import timedelta

import pytest
from cycle_helpers import complete

from engine.platform.root import Reglament
from engine.shared.errors import Forbidden, InputInvalid

QUALIFIED = {"contact_person": "Maria", "result": "qualified"}


@pytest.fixture(autouse=True)
def catalogue(platform: Reglament, actors) -> None:
    platform.regulation.save_work_type(actors["head"], "call", "Call", None)


@pytest.fixture
def story(platform: Reglament, actors, clock) -> dict[str, int]:
    """A client's life, an hour between steps: created, cycle started, qualification call done,
    a contact planned then made, a note, an edit, handed over to boris."""
    anna, head = actors["anna"], actors["head"]
    client = platform.clients.create_client(anna, "Story Ltd").id
    clock.advance(hours=1)
    cycle = platform.regulation.start_cycle(anna, client, "new_client_sale").id
    clock.advance(hours=1)
    complete(platform, anna, cycle, "Task_QualificationCall", QUALIFIED)
    clock.advance(hours=1)
    planned = platform.planning.plan_contact(anna, client, "call", clock.now + timedelta(hours=2), "Budget call")
    clock.advance(hours=1)
    platform.planning.contact_done(anna, planned.id, "Budget in January")
    clock.advance(hours=1)
    platform.clients.add_client_note(anna, client, "Decides in January")
    clock.advance(hours=1)
    platform.clients.update_client(anna, client, {"region": "Tver"})
    clock.advance(hours=1)
    platform.clients.update_client(head, client, {"owner": "boris"})
    return {"client": client, "cycle": cycle}


def summary(page) -> list[tuple[str, str]]:
    return [(e.kind, e.type) for e in page.entries]


def test_the_timeline_is_every_source_newest_first(platform, actors, story) -> None:
    page = platform.clients.client_timeline(actors["head"], story["client"])
    entries = summary(page)
    assert entries[:5] == [("ownership", "owner"), ("cycles", "handover"), ("edits", "edited"), ("notes", "note"),
                           ("activities", "done")], "the client's own event before the cycle's of the same moment"
    assert entries[-1] == ("edits", "created")
    assert ("cycles", "started") in entries and ("cycles", "completed") in entries
    assert ("cycles", "contact") not in entries, "the done contact shows once, as the contact itself"
    moments = [e.at for e in page.entries]
    assert moments == sorted(moments, reverse=True)
    assert page.next is None


def test_done_work_rides_on_its_completed_task_and_contact(platform, actors, story) -> None:
    page = platform.clients.client_timeline(actors["head"], story["client"])
    (completed,) = [e for e in page.entries if e.type == "completed"]
    assert completed.task == "Qualification call" and completed.regulation == "New client sale"
    assert completed.cycle_id == story["cycle"] and completed.data["variables"]["contact_person"] == "Maria"
    (contact,) = [e for e in page.entries if e.source == "activity"]
    assert contact.data["result"] == "Budget in January" and contact.work["on_time"] is True
    assert contact.work["work_type"] == "call"


@pytest.mark.parametrize(("kinds", "expected"), [
    (["notes"], {("notes", "note")}),
    (["ownership"], {("ownership", "owner")}),
    (["edits"], {("edits", "edited"), ("edits", "created")}),
    (["activities"], {("activities", "done")}),
    (["notes", "ownership"], {("notes", "note"), ("ownership", "owner")}),
])
def test_the_timeline_is_filtered_by_kind(platform, actors, story, kinds: list[str],
                                          expected: set[tuple[str, str]]) -> None:
    page = platform.clients.client_timeline(actors["head"], story["client"], kinds)
    assert set(summary(page)) == expected and page.kinds == tuple(kinds)


def test_cycle_events_only(platform, actors, story) -> None:
    page = platform.clients.client_timeline(actors["head"], story["client"], ["cycles"])
    assert {kind for kind, _ in summary(page)} == {"cycles"}
    assert [t for _, t in summary(page)][-1] == "started"


def test_pages_follow_each_other_without_gaps_or_repeats(platform, actors, story) -> None:
    head = actors["head"]
    everything = platform.clients.client_timeline(head, story["client"], limit=500).entries
    assert len(everything) > 12, "a cycle start alone writes several events of one moment"
    seen, before = [], None
    for _ in range(50):
        page = platform.clients.client_timeline(head, story["client"], after=before, limit=3)
        assert len(page.entries) <= 3
        seen.extend(page.entries)
        before = page.next
        if before is None:
            break
    assert [(e.source, e.id) for e in seen] == [(e.source, e.id) for e in everything]


def test_entries_of_one_moment_split_across_pages_are_all_shown(platform, actors, clock) -> None:
    anna = actors["anna"]
    client = platform.clients.create_client(anna, "Busy Ltd").id
    for i in range(7):
        platform.clients.add_client_note(anna, client, f"Note {i}")  # all at the same moment
    texts = []
    before = None
    while True:
        page = platform.clients.client_timeline(anna, client, ["notes"], after=before, limit=2)
        texts += [e.data["text"] for e in page.entries]
        before = page.next
        if before is None:
            break
    assert texts == [f"Note {i}" for i in range(6, -1, -1)]


def test_distribution_decisions_show_with_their_reason(platform, actors) -> None:
    created = platform.clients.create_client(actors["head"], "Queue Ltd")
    (decision,) = platform.clients.client_timeline(actors["head"], created.id, ["ownership"]).entries
    assert decision.type == "distributed" and "manual distribution" in decision.data["text"]


def test_the_timeline_is_private_and_checks_its_parameters(platform, actors, story) -> None:
    with pytest.raises(Forbidden):
        platform.clients.client_timeline(actors["anna"], story["client"])  # boris's client now
    assert platform.clients.client_timeline(actors["alex"], story["client"]).entries, "the analyst reads it"
    with pytest.raises(InputInvalid):
        platform.clients.client_timeline(actors["head"], story["client"], ["gossip"])
    with pytest.raises(InputInvalid):
        platform.clients.client_timeline(actors["head"], story["client"], after="yesterday")
