"""Hand-over of clients between managers: for good and for a period, with their open tasks,
the cycles' owner, history and client events; returns at the time via return_due."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cycle_helpers import complete, events, open_task, visible
from sqlalchemy import select

from engine.organization import handover
from engine.platform.root import Reglament
from engine.platform.worker import Worker
from engine.shared.errors import Forbidden, InputInvalid
from storage.models import Activity, Notification
from storage.repositories import accounts as accounts_repo
from storage.repositories import clients as clients_repo
from storage.repositories import planning as planning_repo
from storage.repositories import regulation as regulation_repo

QUALIFIED = {"contact_person": "Maria", "result": "qualified"}


def sale(platform: Reglament, owner, name: str) -> dict[str, Any]:
    client = platform.clients.create_client(owner, name)
    return platform.regulation.start_cycle(owner, client.id, "new_client_sale")


@pytest.fixture
def book(platform: Reglament, actors) -> dict[str, dict[str, Any]]:
    """Anna's sales Alfa (at the qualification call) and Beta (qualified: Prepare demo claimed
    by pavel); boris's sale Gamma."""
    anna, boris, pavel = actors["anna"], actors["boris"], actors["pavel"]
    alfa, beta, gamma = sale(platform, anna, "Alfa"), sale(platform, anna, "Beta"), sale(platform, boris, "Gamma")
    complete(platform, anna, beta.id, "Task_QualificationCall", QUALIFIED)
    platform.regulation.claim_task(pavel, open_task(platform, pavel, beta.id, "Task_PrepareDemo").id)
    return {"alfa": alfa, "beta": beta, "gamma": gamma}


def owner_of(platform: Reglament, client_id: int) -> str | None:
    with platform.query() as s:
        client = clients_repo.client_by_id(s, client_id)
        return client.owner.login if client.owner else None


def assignees(platform: Reglament, cycle_id: int) -> dict[str, str | None]:
    with platform.query() as s:
        return {t.element_id: t.assignee for t in regulation_repo.open_tasks_of_cycle(s, cycle_id)}


def test_a_portfolio_moves_with_the_old_owners_open_tasks_only(platform, actors, book) -> None:
    head, lena = actors["head"], actors["lena"]
    result = platform.organization.hand_over(head, "anna", "lena", None, None, "anna leaves the company")
    assert (result.status, result.count, result.from_login, result.to_login) == ("done", 2, "anna", "lena")
    alfa, beta, gamma = book["alfa"], book["beta"], book["gamma"]
    assert [owner_of(platform, c.client_id) for c in (alfa, beta, gamma)] == ["lena", "lena", "boris"]
    assert assignees(platform, alfa.id) == {"Task_QualificationCall": "lena"}
    assert assignees(platform, beta.id) == {"Task_PrepareDemo": "pavel"}, "pavel's task stays his"
    assert assignees(platform, gamma.id) == {"Task_QualificationCall": "boris"}
    assert visible(platform, actors["anna"], alfa.id) == []
    assert visible(platform, lena, alfa.id) == ["Task_QualificationCall"]


def test_the_cycle_history_and_the_client_record_the_hand_over(platform, actors, clock, book) -> None:
    alfa = book["alfa"]
    platform.organization.hand_over(actors["head"], "anna", "boris", [alfa.client_id], None, "workload")
    [event] = events(platform.regulation.history(actors["head"], alfa.id), "handover")
    assert (event.actor, event.data["from"], event.data["to"], event.data["reason"],
            event.data["tasks"]) == ("head", "anna", "boris", "workload", ["Qualification call"])
    with platform.query() as s:
        [owner] = clients_repo.client_events(s, alfa.client_id, "owner")
        assert (owner.at, owner.actor, owner.data["from"], owner.data["to"], owner.data["until"],
                owner.data["reason"]) == (clock.now, "head", "anna", "boris", None, "workload")
        assert clients_repo.client_events(s, book["beta"].client_id, "owner") == [], "Beta was not handed over"
        notes = list(s.scalars(select(Notification).where(Notification.login == "boris",
                                                          Notification.kind == "client_assigned")))
    assert [(n.title, n.link) for n in notes] == [
        ("Clients handed over to you from Anna Smirnova: 1", f"/clients/{alfa.client_id}")]


def test_later_tasks_for_the_owner_go_to_the_new_owner(platform, actors, clock, book) -> None:
    """The cycle's ``owner`` moves too: the reminder the timer creates a day later and the
    presentation after the demo are the new owner's."""
    alfa, beta = book["alfa"], book["beta"]
    platform.organization.hand_over(actors["head"], "anna", "boris", None, None, "")
    assert platform.regulation.cycle(actors["head"], alfa.id).variables["owner"] == "boris"
    clock.advance(days=1, seconds=1)
    Worker(platform).run_once()
    assert assignees(platform, alfa.id) == {"Task_QualificationCall": "boris", "Task_RemindFirstCall": "boris"}
    complete(platform, actors["pavel"], beta.id, "Task_PrepareDemo", {"demo_date": "2026-12-03"})
    assert assignees(platform, beta.id) == {"Task_Presentation": "boris"}


def test_planned_contacts_of_the_old_owner_move_too(platform, actors, clock, book) -> None:
    alfa = book["alfa"]
    with platform.command() as s:
        s.add_all([Activity(client_id=alfa.client_id, assignee="anna", work_type="call", planned_at=clock.now,
                            created_by="anna"),
                   Activity(client_id=alfa.client_id, assignee="pavel", work_type="demo",
                            planned_at=clock.now, created_by="pavel")])
    platform.organization.hand_over(actors["head"], "anna", "boris", [alfa.client_id], None, "")
    with platform.query() as s:
        assert sorted(a.assignee for a in planning_repo.activities_of_client(s, alfa.client_id)) == ["boris", "pavel"]


def test_a_temporary_hand_over_returns_at_its_time(platform, actors, clock, book) -> None:
    head, alfa, beta = actors["head"], book["alfa"], book["beta"]
    back = clock.now + timedelta(days=7)
    result = platform.organization.hand_over(head, "anna", "boris", None, back, "vacation")
    assert result.status == "temporary"
    # meanwhile the head gives Beta to lena for good: it stays with her after the return
    platform.organization.hand_over(head, "boris", "lena", [beta.client_id], None, "presales expertise")
    clock.advance(days=6)
    assert platform.organization.return_due_handovers() == 0
    assert owner_of(platform, alfa.client_id) == "boris"
    clock.advance(days=1)
    assert platform.organization.return_due_handovers() == 1
    assert (owner_of(platform, alfa.client_id), owner_of(platform, beta.client_id)) == ("anna", "lena")
    assert assignees(platform, alfa.id) == {"Task_QualificationCall": "anna"}
    assert platform.regulation.cycle(head, alfa.id).variables["owner"] == "anna"
    assert assignees(platform, book["gamma"].id) == {"Task_QualificationCall": "boris"}, "boris's own"
    types = [(e.data["from"], e.data["to"], e.data["returned"])
             for e in events(platform.regulation.history(head, alfa.id), "handover")]
    assert types == [("anna", "boris", False), ("boris", "anna", True)]
    [listed, *_] = [h for h in platform.organization.handover_list(head) if h.id == result.id]
    assert listed.status == "returned"
    assert platform.organization.return_due_handovers() == 0, "returned once"


def test_return_due_is_what_the_worker_calls(platform, actors, clock, book) -> None:
    platform.organization.hand_over(actors["head"], "anna", "boris", None, clock.now + timedelta(hours=1), "")
    clock.advance(hours=2)
    with platform.command() as s:
        assert handover.return_due(s, clock.now) == 1
    assert owner_of(platform, book["alfa"].client_id) == "anna"


def test_the_head_can_end_a_temporary_hand_over_early(platform, actors, clock, book) -> None:
    result = platform.organization.hand_over(actors["head"], "anna", "boris", None, clock.now + timedelta(days=7), "")
    platform.organization.return_handover(actors["head"], result.id)
    assert owner_of(platform, book["alfa"].client_id) == "anna"
    with pytest.raises(InputInvalid):
        platform.organization.return_handover(actors["head"], result.id)


@pytest.mark.parametrize("who", ["anna", "boris", "alex"])
def test_only_heads_hand_clients_over(platform, actors, book, who) -> None:
    with pytest.raises(Forbidden):
        platform.organization.hand_over(actors[who], "anna", "boris", None, None, "")
    assert owner_of(platform, book["alfa"].client_id) == "anna"


def test_analysts_see_hand_overs_managers_do_not(platform, actors, book) -> None:
    platform.organization.hand_over(actors["head"], "anna", "boris", None, None, "")
    assert [h.to_login for h in platform.organization.handover_list(actors["alex"])] == ["boris"]
    with pytest.raises(Forbidden):
        platform.organization.handover_list(actors["anna"])


@pytest.mark.parametrize("args, errors", [
    (("anna", "anna", None, "past", ""), {"to": "must be someone other than the manager handing over",
                                          "returns_at": "must be in the future"}),
    (("anna", "alex", None, None, ""), {"to": "alex is not an active manager"}),
    (("ghost", "", None, None, ""), {"from": "no user 'ghost'", "to": "is required"}),
    (("lena", "boris", None, None, ""), {"clients": "lena has no clients"}),
    (("anna", "boris", [], None, ""), {"clients": "choose at least one client"}),
    (("anna", "boris", "gamma", None, ""), {"clients": "not clients of anna: {gamma}"}),
])
def test_a_hand_over_is_checked_before_anything_moves(platform, actors, clock, book, args, errors) -> None:
    from_login, to_login, ids, until, reason = args
    if ids == "gamma":
        ids = [book["alfa"].client_id, book["gamma"].client_id]
    when = clock.now - timedelta(minutes=1) if until == "past" else until
    with pytest.raises(InputInvalid) as caught:
        platform.organization.hand_over(actors["head"], from_login, to_login, ids, when, reason)
    expected = {k: v.format(gamma=book["gamma"].client_id) for k, v in errors.items()}
    assert caught.value.details["fields"] == expected
    assert owner_of(platform, book["alfa"].client_id) == "anna"


def test_a_portfolio_lists_a_managers_clients(platform, actors, book) -> None:
    assert [c.name for c in platform.organization.portfolio(actors["head"], "anna")] == ["Alfa", "Beta"]
    with pytest.raises(Forbidden):
        platform.organization.portfolio(actors["boris"], "anna")


def test_an_original_owner_who_left_keeps_nothing_back(platform, actors, clock, book) -> None:
    result = platform.organization.hand_over(actors["head"], "anna", "boris", None, clock.now + timedelta(days=1), "")
    with platform.command() as s:
        accounts_repo.user_by_login(s, "anna").active = False
    try:
        clock.advance(days=2)
        assert platform.organization.return_due_handovers() == 1
        assert owner_of(platform, book["alfa"].client_id) == "boris"
        assert [h.status for h in platform.organization.handover_list(actors["head"]) if h.id == result.id] == ["done"]
    finally:
        with platform.command() as s:
            accounts_repo.user_by_login(s, "anna").active = True
