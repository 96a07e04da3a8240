"""Every path of the demo regulation "New client sale", driven as its real users would.

anna (Sales) owns the client and does the Sales-lane work; pavel does Presales
work, lena Legal, olga Accounting. Each test checks what those people notice:
the cycle's status, outcome and stage, who finds which task in which inbox, and
what the cycle's history records.
"""
from __future__ import annotations

from typing import Any

import pytest
from cycle_helpers import complete, events, open_task, start, visible

from engine.platform.root import Reglament
from engine.shared.access import Actor

QUALIFIED = {"contact_person": "Maria", "budget": "1500000", "need": "CRM roll-out", "result": "qualified"}
DEMO = {"demo_date": "2026-12-03", "demo_notes": "Focus on reporting"}
INTERESTED = {"result": "interested"}
PROPOSAL = {"amount": 1_200_000, "discount_pct": 5}
AGREED = {"result": "agreed"}
SIGNED = {"result": "signed"}


@pytest.fixture
def cycle(platform: Reglament, actors: dict[str, Actor]) -> dict[str, Any]:
    return start(platform, actors["anna"], client_name="Acme Retail")


def _history(platform: Reglament, actors: dict[str, Actor], cycle_id: int) -> list[dict[str, Any]]:
    return platform.regulation.history(actors["head"], cycle_id)


def _assert_ended(platform: Reglament, actors: dict[str, Actor], cycle_id: int, outcome: str,
                  loss_reason: str | None, end_event: str) -> list[dict[str, Any]]:
    cycle = platform.regulation.cycle(actors["anna"], cycle_id)
    assert cycle.status == outcome and cycle.outcome == outcome
    assert cycle.loss_reason == loss_reason
    assert cycle.ended_at is not None
    for login in ("anna", "pavel", "lena", "olga"):
        assert visible(platform, actors[login], cycle_id) == [], f"{login} still has work in an ended cycle"
    history = _history(platform, actors, cycle_id)
    ended = events(history, "ended")
    assert len(ended) == 1 and history[-1] is ended[0]
    assert ended[0].task.element_id == end_event
    assert ended[0].actor is None
    assert ended[0].data["outcome"] == outcome and ended[0].data["loss_reason"] == loss_reason
    return history


def _assert_started_by_anna(history: list[dict[str, Any]]) -> None:
    assert history[0].type == "started" and history[0].actor == "anna"
    assert history[0].data == {"regulation": "new_client_sale", "version": 1, "client": "Acme Retail"}
    created = events(history, "created", "Task_QualificationCall")[0]
    assert created.actor is None and created.data["stage"] == "Qualification"
    assigned = events(history, "assigned", "Task_QualificationCall")[0]
    assert assigned.actor is None and assigned.data == {"assignee": "anna"}


def _completions(history: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e.task.element_id, e.actor) for e in events(history, "completed")]


def test_won_path_with_one_contract_returned_for_renegotiation(
        platform: Reglament, actors: dict[str, Actor], cycle: dict[str, Any], clock) -> None:
    anna, pavel, lena, olga, boris = (actors[x] for x in ("anna", "pavel", "lena", "olga", "boris"))
    cid = cycle.id
    stages = [cycle.stage]

    def step(actor: Actor, element_id: str, values: dict[str, Any]) -> dict[str, Any]:
        clock.advance(hours=1)
        result = complete(platform, actor, cid, element_id, values)
        assert result.status == "active" or element_id == "Task_ConfirmPayment"
        stages.append(result.stage)
        return result

    # Qualification: anna's own call, nobody else sees it
    assert visible(platform, anna, cid, "mine") == ["Task_QualificationCall"]
    assert visible(platform, anna, cid, "group") == []
    assert visible(platform, boris, cid) == [] and visible(platform, pavel, cid) == []
    qualified = step(anna, "Task_QualificationCall", QUALIFIED)
    assert qualified.variables["budget"] == 1_500_000  # typed from the form's "1500000"

    # Presentation stage: the demo is Presales group work; pavel claims it
    demo = open_task(platform, pavel, cid, "Task_PrepareDemo")
    assert demo.assignee is None and demo.candidate_groups == ("Presales",)
    assert visible(platform, pavel, cid, "group") == ["Task_PrepareDemo"]
    assert visible(platform, pavel, cid, "mine") == []
    assert visible(platform, anna, cid) == [] and visible(platform, lena, cid) == []
    platform.regulation.claim_task(pavel, demo.id)
    assert visible(platform, pavel, cid, "mine") == ["Task_PrepareDemo"]
    assert visible(platform, pavel, cid, "group") == []
    step(pavel, "Task_PrepareDemo", DEMO)

    assert visible(platform, anna, cid, "mine") == ["Task_Presentation"]
    assert visible(platform, pavel, cid) == []
    step(anna, "Task_Presentation", INTERESTED)
    step(anna, "Task_Proposal", PROPOSAL)
    step(anna, "Task_Negotiation", AGREED)

    # Legal returns the contract once: the work goes back to anna's negotiation
    assert visible(platform, lena, cid, "group") == ["Task_ContractReview"]
    assert visible(platform, anna, cid) == []
    returned = step(lena, "Task_ContractReview", {"contract_number": "C-2026-001", "approved": "false"})
    assert returned.variables["approved"] is False
    assert visible(platform, anna, cid, "mine") == ["Task_Negotiation"]
    assert visible(platform, lena, cid) == []
    step(anna, "Task_Negotiation", AGREED)
    step(lena, "Task_ContractReview", {"contract_number": "C-2026-001/2", "approved": "on"})

    step(anna, "Task_SignContract", SIGNED)
    assert visible(platform, olga, cid, "group") == ["Task_IssueInvoice"]
    assert visible(platform, anna, cid) == []
    step(olga, "Task_IssueInvoice", {"invoice_number": "INV-1001"})
    assert visible(platform, olga, cid, "group") == ["Task_ConfirmPayment"]
    won = step(olga, "Task_ConfirmPayment", {"paid_amount": 1_140_000, "payment_date": "2026-12-20"})

    assert won.status == "won" and won.outcome == "won" and won.loss_reason is None
    assert won.variables["contract_number"] == "C-2026-001/2"
    assert won.variables["paid_amount"] == 1_140_000
    assert stages == ["Qualification", "Presentation", "Presentation", "Proposal", "Negotiation",
                      "Contract", "Negotiation", "Contract", "Contract", "Payment", "Payment", "Payment"]

    history = _assert_ended(platform, actors, cid, "won", None, "End_Won")
    _assert_started_by_anna(history)
    assert _completions(history) == [
        ("Task_QualificationCall", "anna"), ("Task_PrepareDemo", "pavel"),
        ("Task_Presentation", "anna"), ("Task_Proposal", "anna"), ("Task_Negotiation", "anna"),
        ("Task_ContractReview", "lena"), ("Task_Negotiation", "anna"), ("Task_ContractReview", "lena"),
        ("Task_SignContract", "anna"), ("Task_IssueInvoice", "olga"), ("Task_ConfirmPayment", "olga"),
    ]
    reviews = events(history, "completed", "Task_ContractReview")
    assert [r.data["variables"] for r in reviews] == [
        {"contract_number": "C-2026-001", "approved": False},
        {"contract_number": "C-2026-001/2", "approved": True},
    ]
    assert events(history, "completed", "Task_QualificationCall")[0].data["variables"] == {
        "contact_person": "Maria", "budget": 1_500_000, "need": "CRM roll-out",
        "result": "qualified", "loss_reason": None}
    # group work was claimed by the person who did it (pavel explicitly, lena and olga on completion)
    claims = [(e.task.element_id, e.actor) for e in events(history, "claimed")]
    assert claims == [("Task_PrepareDemo", "pavel"), ("Task_ContractReview", "lena"),
                      ("Task_ContractReview", "lena"), ("Task_IssueInvoice", "olga"),
                      ("Task_ConfirmPayment", "olga")]
    assert all(e.data == {"assignee": e.actor} for e in events(history, "claimed"))
    # the negotiation task was created twice: once from the proposal, once from the returned contract
    assert len(events(history, "created", "Task_Negotiation")) == 2
    # the history is in time order
    assert [e.at for e in history] == sorted(e.at for e in history)


def test_lost_at_qualification_keeps_the_loss_reason(
        platform: Reglament, actors: dict[str, Actor], cycle: dict[str, Any]) -> None:
    anna = actors["anna"]
    ended = complete(platform, anna, cycle.id, "Task_QualificationCall",
                     {"contact_person": "Ivan", "result": "refused", "loss_reason": "No budget this year"})
    assert ended.stage == "Qualification"
    history = _assert_ended(platform, actors, cycle.id, "lost", "No budget this year",
                            "End_LostQualification")
    _assert_started_by_anna(history)
    assert _completions(history) == [("Task_QualificationCall", "anna")]
    assert events(history, "completed")[0].data["variables"]["loss_reason"] == "No budget this year"
    assert events(history, "created", "Task_PrepareDemo") == []


def test_lost_at_presentation_after_presales_prepared_the_demo(
        platform: Reglament, actors: dict[str, Actor], cycle: dict[str, Any]) -> None:
    anna, pavel = actors["anna"], actors["pavel"]
    cid = cycle.id
    complete(platform, anna, cid, "Task_QualificationCall", QUALIFIED)
    assert visible(platform, pavel, cid, "group") == ["Task_PrepareDemo"]
    after_demo = complete(platform, pavel, cid, "Task_PrepareDemo", DEMO)
    assert after_demo.stage == "Presentation"
    ended = complete(platform, anna, cid, "Task_Presentation",
                     {"result": "refused", "loss_reason": "Chose a competitor"})
    assert ended.stage == "Presentation"
    history = _assert_ended(platform, actors, cid, "lost", "Chose a competitor", "End_LostPresentation")
    _assert_started_by_anna(history)
    assert _completions(history) == [("Task_QualificationCall", "anna"), ("Task_PrepareDemo", "pavel"),
                                     ("Task_Presentation", "anna")]
    assert events(history, "claimed", "Task_PrepareDemo")[0].actor == "pavel"
    assert events(history, "completed", "Task_PrepareDemo")[0].data["variables"] == DEMO


def test_lost_at_negotiation(platform: Reglament, actors: dict[str, Actor], cycle: dict[str, Any]) -> None:
    anna, pavel, lena = actors["anna"], actors["pavel"], actors["lena"]
    cid = cycle.id
    complete(platform, anna, cid, "Task_QualificationCall", QUALIFIED)
    complete(platform, pavel, cid, "Task_PrepareDemo", DEMO)
    complete(platform, anna, cid, "Task_Presentation", INTERESTED)
    proposed = complete(platform, anna, cid, "Task_Proposal", PROPOSAL)
    assert proposed.stage == "Negotiation"
    assert visible(platform, anna, cid, "mine") == ["Task_Negotiation"]
    ended = complete(platform, anna, cid, "Task_Negotiation",
                     {"result": "refused", "loss_reason": "Discount too small"})
    assert ended.stage == "Negotiation"
    history = _assert_ended(platform, actors, cid, "lost", "Discount too small", "End_LostNegotiation")
    _assert_started_by_anna(history)
    assert events(history, "created", "Task_ContractReview") == []
    assert visible(platform, lena, cid) == []
    assert events(history, "completed", "Task_Proposal")[0].data["variables"] == PROPOSAL


def test_lost_at_contract_signing(platform: Reglament, actors: dict[str, Actor], cycle: dict[str, Any]) -> None:
    anna, pavel, lena, olga = actors["anna"], actors["pavel"], actors["lena"], actors["olga"]
    cid = cycle.id
    complete(platform, anna, cid, "Task_QualificationCall", QUALIFIED)
    complete(platform, pavel, cid, "Task_PrepareDemo", DEMO)
    complete(platform, anna, cid, "Task_Presentation", INTERESTED)
    complete(platform, anna, cid, "Task_Proposal", PROPOSAL)
    complete(platform, anna, cid, "Task_Negotiation", AGREED)
    reviewed = complete(platform, lena, cid, "Task_ContractReview",
                        {"contract_number": "C-77", "approved": True})
    assert reviewed.stage == "Contract"
    assert visible(platform, anna, cid, "mine") == ["Task_SignContract"]
    ended = complete(platform, anna, cid, "Task_SignContract",
                     {"result": "refused", "loss_reason": "Board vetoed the deal"})
    assert ended.stage == "Contract"
    history = _assert_ended(platform, actors, cid, "lost", "Board vetoed the deal", "End_LostContract")
    _assert_started_by_anna(history)
    assert _completions(history)[-2:] == [("Task_ContractReview", "lena"), ("Task_SignContract", "anna")]
    assert events(history, "created", "Task_IssueInvoice") == []
    assert visible(platform, olga, cid) == []
