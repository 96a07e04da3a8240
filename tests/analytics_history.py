"""A small fixed history for the analytics tests, made through the engine with the test clock.

November 2026 (the clock starts on 26 November, 09:00 UTC):
  won     anna   Qualification > Presentation > Proposal > Negotiation > Contract (not approved)
                 > Negotiation (a loop back) > Contract > Payment > won
  lost    anna   Qualification > Presentation, refused there
  refused boris  Qualification, refused there
December 2026 (six days later):
  open    anna   Qualification > Presentation > Proposal, still there
  ended   boris  the follow_up regulation: Qualification, ended without an outcome (cancelled)

Hand-computed funnel over all time (entered: advanced, lost, moved back, cancelled, still there):
  Qualification 5: 3, 1, 0, 1, 0     Presentation 3: 2, 1, 0, 0, 0    Proposal 2: 1, 0, 0, 0, 1
  Negotiation   2: 2, 0, 0, 0, 0     Contract     2: 1, 0, 1, 0, 0    Payment  1: 1, 0, 0, 0, 0

second_version adds version 2 of the sale and two cycles on it (for the before/after comparison).
"""
from __future__ import annotations

from typing import Any

from conftest import DEMO_BPMN, FIXTURES, Clock

from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from engine.shared.access import Actor

QUALIFIED = {"contact_person": "Maria", "result": "qualified"}
FUNNEL = {  # stage: (entered, advanced, lost, moved_back, cancelled, still_there)
    "Qualification": (5, 3, 1, 0, 1, 0), "Presentation": (3, 2, 1, 0, 0, 0), "Proposal": (2, 1, 0, 0, 0, 1),
    "Negotiation": (2, 2, 0, 0, 0, 0), "Contract": (2, 1, 0, 1, 0, 0), "Payment": (1, 1, 0, 0, 0, 0)}


def step(platform: Reglament, actor: Actor, cycle_id: int, element_id: str, values: dict[str, Any]) -> None:
    [task] = [t for t, _ in platform.regulation.inbox(actor, cycle_id=cycle_id) if t.element_id == element_id]
    if task.assignee is None:
        platform.regulation.claim_task(actor, task.id)
    platform.regulation.complete_task(actor, task.id, values)


def _start(platform: Reglament, owner: Actor, name: str, regulation: str = "new_client_sale",
           segment: str | None = None) -> int:
    client = platform.clients.create_client(owner, name, segment)
    return int(platform.regulation.start_cycle(owner, client.id, regulation).id)


def build(platform: Reglament, actors: dict[str, Actor], clock: Clock) -> dict[str, int]:
    """The history above; returns the cycle ids by name."""
    a, b, head = actors["anna"], actors["boris"], actors["head"]
    pavel, lena, olga = actors["pavel"], actors["lena"], actors["olga"]
    platform.regulation.deploy(head, [SourceFile("follow_up.bpmn", (FIXTURES / "follow_up.bpmn").read_bytes())])
    ids = {"won": _start(platform, a, "Won Ltd", segment="Retail"),
           "lost": _start(platform, a, "Lost Ltd"), "refused": _start(platform, b, "Refused Ltd")}
    clock.advance(hours=1)
    step(platform, a, ids["won"], "Task_QualificationCall", QUALIFIED)
    step(platform, a, ids["lost"], "Task_QualificationCall", QUALIFIED)
    step(platform, b, ids["refused"], "Task_QualificationCall",
         {"contact_person": "Ivan", "result": "refused", "loss_reason": "No budget"})
    clock.advance(hours=1)
    for name in ("won", "lost"):
        step(platform, pavel, ids[name], "Task_PrepareDemo", {"demo_date": "2026-11-30"})
    step(platform, a, ids["lost"], "Task_Presentation", {"result": "refused", "loss_reason": "Too expensive"})
    won = ids["won"]
    for who, element_id, values in [
            (a, "Task_Presentation", {"result": "interested"}), (a, "Task_Proposal", {"amount": 500_000}),
            (a, "Task_Negotiation", {"result": "agreed"}),
            (lena, "Task_ContractReview", {"contract_number": "C-1", "approved": "false"}),
            (a, "Task_Negotiation", {"result": "agreed"}),
            (lena, "Task_ContractReview", {"contract_number": "C-2", "approved": "true"}),
            (a, "Task_SignContract", {"result": "signed"}), (olga, "Task_IssueInvoice", {"invoice_number": "I-1"}),
            (olga, "Task_ConfirmPayment", {"paid_amount": 500_000, "payment_date": "2026-11-27"})]:
        clock.advance(hours=1)
        step(platform, who, won, element_id, values)
    clock.advance(days=6)  # 2 December
    ids["open"] = _start(platform, a, "Open Ltd")
    ids["ended"] = _start(platform, b, "Ended Ltd", "follow_up")
    clock.advance(hours=1)
    step(platform, a, ids["open"], "Task_QualificationCall", QUALIFIED)
    step(platform, pavel, ids["open"], "Task_PrepareDemo", {"demo_date": "2026-12-04"})
    step(platform, a, ids["open"], "Task_Presentation", {"result": "interested"})
    step(platform, b, ids["ended"], "Task_FollowUp", {"note": "Will call in spring"})
    return ids


def second_version(platform: Reglament, actors: dict[str, Actor], clock: Clock) -> dict[str, int]:
    """Version 2 of the sale (renamed gateway), and two cycles on it: won in 18 hours with two hours
    per step and no loop, and lost at the qualification call after 4 hours."""
    a, head = actors["anna"], actors["head"]
    changed = DEMO_BPMN.read_bytes().replace(b'name="Qualified?"', b'name="Qualified (v2)?"')
    assert platform.regulation.deploy(head, [SourceFile(DEMO_BPMN.name, changed)])
    ids = {name: _start(platform, a, f"{name.title()} v2 Ltd") for name in ("won", "lost")}
    for who, element_id, values in [
            (a, "Task_QualificationCall", QUALIFIED), (actors["pavel"], "Task_PrepareDemo", {"demo_date": "2026-12-09"}),
            (a, "Task_Presentation", {"result": "interested"}), (a, "Task_Proposal", {"amount": 300_000}),
            (a, "Task_Negotiation", {"result": "agreed"}),
            (actors["lena"], "Task_ContractReview", {"contract_number": "C-9", "approved": "true"}),
            (a, "Task_SignContract", {"result": "signed"}), (actors["olga"], "Task_IssueInvoice", {"invoice_number": "I-9"}),
            (actors["olga"], "Task_ConfirmPayment", {"paid_amount": 300_000, "payment_date": "2026-12-03"})]:
        clock.advance(hours=2)
        step(platform, who, ids["won"], element_id, values)
        if element_id == "Task_PrepareDemo":  # four hours after the start
            step(platform, a, ids["lost"], "Task_QualificationCall",
                 {"contact_person": "Oleg", "result": "refused", "loss_reason": "No need"})
    return ids
