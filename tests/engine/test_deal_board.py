"""The deal board (issue 16): open deals by stage with their amounts and totals per stage, a
manager's own and the head's for everyone."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from cycle_helpers import complete, start

from engine.platform.root import Reglament
from engine.shared.errors import Forbidden, InputInvalid


def _to_proposal(platform: Reglament, actors, owner: str, name: str, amount: str | None) -> int:
    seller, pavel = actors[owner], actors["pavel"]
    cycle = start(platform, seller, client_name=name)
    complete(platform, seller, cycle.id, "Task_QualificationCall", {"contact_person": "M", "result": "qualified"})
    complete(platform, pavel, cycle.id, "Task_PrepareDemo", {"demo_date": "2026-12-10"})
    complete(platform, seller, cycle.id, "Task_Presentation", {"result": "interested"})
    if amount is not None:
        complete(platform, seller, cycle.id, "Task_Proposal", {"amount": amount})
    return int(cycle.id)


def test_deals_are_columns_by_stage_with_amounts_and_totals(platform: Reglament, actors) -> None:
    anna, boris, head = actors["anna"], actors["boris"], actors["head"]
    start(platform, anna, client_name="Fresh lead")
    _to_proposal(platform, actors, "anna", "Acme", "250 000,50")
    _to_proposal(platform, actors, "anna", "Beta", "1 000 000")
    _to_proposal(platform, actors, "anna", "Gamma", None)
    _to_proposal(platform, actors, "boris", "Delta", "99,99")

    mine = platform.regulation.deal_board(anna)
    stages = [c.stage for c in mine.columns]
    assert stages == ["Qualification", "Presentation", "Proposal", "Negotiation", "Contract", "Payment"]
    by_stage = {c.stage: c for c in mine.columns}
    assert [d.client_name for d in by_stage["Qualification"].deals] == ["Fresh lead"]
    assert sorted(d.client_name for d in by_stage["Negotiation"].deals) == ["Acme", "Beta"]
    assert by_stage["Negotiation"].total == Decimal("1250000.50")
    assert [d.client_name for d in by_stage["Proposal"].deals] == ["Gamma"]
    assert by_stage["Proposal"].total == Decimal("0") and by_stage["Proposal"].without_amount == 1
    assert mine.total == Decimal("1250000.50") and mine.count == 4 and mine.owner == "anna"

    everyone = platform.regulation.deal_board(head)
    assert everyone.count == 5 and everyone.total == Decimal("1250100.49") and everyone.owner is None
    borises = platform.regulation.deal_board(head, owner="boris")
    assert [d.client_name for c in borises.columns for d in c.deals] == ["Delta"]
    assert borises.as_dict()["total"] == "99.99"
    assert platform.regulation.deal_board(boris).count == 1


def test_a_manager_sees_only_his_own_board_and_other_roles_none(platform: Reglament, actors) -> None:
    with pytest.raises(InputInvalid):
        platform.regulation.deal_board(actors["anna"], owner="boris")
    with pytest.raises(Forbidden):  # someone who neither sells nor reads everything
        platform.regulation.deal_board(replace(actors["lena"], roles=frozenset({"staff"})))
    with pytest.raises(InputInvalid):
        platform.regulation.deal_board(actors["head"], owner="nobody-such")
