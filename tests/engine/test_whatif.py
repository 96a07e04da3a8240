"""What-if: a past period under a draft scheme version and/or a draft plan scenario, side by
side with the real statements, which stay exactly as they were."""
from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from conftest import Clock
from test_statements import TABLES, add_scheme, win

from engine.motivation.whatif import WhatIf
from engine.platform.root import Reglament
from engine.shared.errors import Forbidden


@pytest.fixture
def november(platform: Reglament, actors, clock: Clock) -> dict[str, Any]:
    """anna won 800 000 against a plan of 1 000 000 (5 %), boris 1 100 000 against 1 000 000 (7 %);
    their statements computed, anna's approved."""
    head = actors["head"]
    active = add_scheme(platform).id
    win(platform, actors, clock, "anna", "Acme", 800_000)
    win(platform, actors, clock, "boris", "Beta", 1_100_000)
    platform.motivation.save_plans(head, "2026-11", "actual", {"user:anna|revenue": "1000000", "user:boris|revenue": "1000000"})
    platform.motivation.compute_statements(head, "2026-11", ["anna", "boris"])
    listing = platform.motivation.statements(head, "2026-11")
    ids = {r.login: r.statement.id for r in listing.rows if r.statement}
    platform.motivation.approve_statement(head, ids["anna"])
    return {"active": active, "ids": ids}


def _snapshot(platform: Reglament, head, ids: dict[str, int]) -> dict[str, Any]:
    return {login: platform.motivation.statement(head, sid) for login, sid in ids.items()}


def _row(result: WhatIf, login: str):
    return next(r for r in result.rows if r.login == login)


def test_a_draft_scheme_shows_each_managers_total_beside_the_real_one_and_stores_nothing(
        platform: Reglament, actors, november) -> None:
    head = actors["head"]
    generous = TABLES["commission_rate"].replace("<text>0.05</text>", "<text>0.06</text>").replace(
        "<text>0.07</text>", "<text>0.1</text>")
    draft = platform.motivation.save_scheme_table(head, "sales", "commission_rate", generous).id  # v2, a draft
    before = _snapshot(platform, head, november["ids"])

    result = platform.motivation.what_if(head, "2026-11", draft, None)

    anna, boris = _row(result, "anna"), _row(result, "boris")
    assert (anna.real, anna.statement_status, anna.whatif) == (D("40000.00"), "approved", D("48000.00"))
    assert anna.difference == D("8000.00") and anna.whatif_rate == "0.06"
    assert (boris.real, boris.whatif, boris.difference) == (D("77000.00"), D("110000.00"), D("33000.00"))
    assert result.scheme == "sales v2"
    assert result.difference == result.whatif_total - result.real_total
    assert _snapshot(platform, head, november["ids"]) == before  # totals, lines, times, status untouched


def test_a_draft_plan_scenario_changes_the_tier(platform: Reglament, actors, november) -> None:
    head = actors["head"]
    platform.motivation.save_plans(head, "2026-11", "stretch", {"user:anna|revenue": "2000000", "user:boris|revenue": "1000000"})
    before = _snapshot(platform, head, november["ids"])
    result = platform.motivation.what_if(head, "2026-11", None, "stretch")
    anna = _row(result, "anna")
    assert anna.whatif_attainment == "0.4000" and anna.whatif == D("0.00")  # under 50 %: no commission
    assert anna.difference == D("-40000.00")
    assert _row(result, "boris").difference == D("0.00")
    assert platform.motivation.plan_grid(head, "2026-11").rows[0].values["revenue"] == "1000000"  # actual unchanged
    assert _snapshot(platform, head, november["ids"]) == before


def test_a_manager_without_a_stored_statement_is_compared_with_the_period_computed_now(
        platform: Reglament, actors, november) -> None:
    result = platform.motivation.what_if(actors["head"], "2026-11", november["active"], None)
    lena = _row(result, "lena")
    assert lena.statement_status is None and lena.real == lena.whatif == D("0.00")
    assert platform.motivation.statements(actors["head"], "2026-11").rows[2].login == "lena"
    assert platform.motivation.statements(actors["head"], "2026-11").rows[2].statement is None


def test_the_real_column_is_the_period_computed_now_not_the_stored_statement(
        platform: Reglament, actors, clock: Clock, november) -> None:
    """anna's approved statement says 40 000; she has won 400 000 more since: the real column is
    the period computed now with the scheme in force, so the difference is the scheme's alone."""
    head = actors["head"]
    win(platform, actors, clock, "anna", "Later Ltd", 400_000)  # 1 200 000 of 1 000 000: the 9 % tier
    same = platform.motivation.what_if(head, "2026-11", november["active"], None)  # the scheme in force itself
    anna = _row(same, "anna")
    assert anna.real == anna.whatif == D("108000.00") and anna.difference == D("0.00")
    assert (anna.statement_status, anna.statement_total, anna.statement_agrees) == ("approved", D("40000.00"), False)
    assert platform.motivation.earned_so_far(head, "anna", "2026-11").total == anna.real  # a fresh computation
    assert platform.motivation.statement(head, november["ids"]["anna"]).total == D("40000.00")  # stored nothing
    generous = TABLES["commission_rate"].replace("<text>0.09</text>", "<text>0.1</text>")
    draft = platform.motivation.save_scheme_table(head, "sales", "commission_rate", generous).id
    anna = _row(platform.motivation.what_if(head, "2026-11", draft, None), "anna")
    assert (anna.real, anna.whatif, anna.difference) == (D("108000.00"), D("120000.00"), D("12000.00"))


def test_a_table_that_fails_is_named_and_the_others_are_still_compared(platform: Reglament, actors,
                                                                       november) -> None:
    head = actors["head"]
    gap = TABLES["commission_rate"].replace("<text>[0.5..0.8)</text>", "<text>[0.5..0.7)</text>")  # no rule for 80 %
    gap = gap.replace("<text>[0.8..1)</text>", "<text>[0.85..1)</text>")
    gap = gap.replace("<text>attainment</text>", "<text>attainment * 1</text>")  # past the check at save
    draft = platform.motivation.save_scheme_table(head, "sales", "commission_rate", gap).id
    result = platform.motivation.what_if(head, "2026-11", draft, None)
    anna, boris = _row(result, "anna"), _row(result, "boris")
    assert anna.whatif is None and "no rule matches" in anna.problem and anna.real == D("40000.00")
    assert boris.whatif == D("77000.00") and boris.problem is None
    [problem] = result.problems
    assert problem.side == "whatif" and problem.logins == ("anna",) and "commission_rate" in problem.message


def test_only_heads_run_what_if(platform: Reglament, actors, november) -> None:
    for who in ("anna", "alex"):
        with pytest.raises(Forbidden):
            platform.motivation.what_if(actors[who], "2026-11", None, None)


def test_a_manager_sees_only_the_plan_in_force_not_the_heads_draft_scenarios(platform: Reglament, actors,
                                                                            november) -> None:
    platform.motivation.save_plans(actors["head"], "2026-11", "stretch", {"user:anna|revenue": "2000000"})
    with pytest.raises(Forbidden):
        platform.motivation.plan_grid(actors["anna"], "2026-11", "stretch")
    mine = platform.motivation.plan_grid(actors["anna"], "2026-11")
    assert mine.scenarios == ("actual",) and mine.rows[0].values["revenue"] == "1000000"
    assert platform.motivation.plan_grid(actors["alex"], "2026-11", "stretch").scenarios == ("actual", "stretch")
