"""A period is locked after it ends, or early when the head names it; what happens in a period
after its early lock (a win, its payment, a refund) is paid in the next open period as a
correction, and the locked statement lists it: pay nobody loses and nobody gets twice."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from conftest import Clock
from test_statements import DECEMBER_1, add_scheme, plan, statement_of, win

from engine.motivation.statement_states import PeriodNotOver
from engine.platform.root import Reglament


@pytest.fixture
def approved(platform: Reglament, actors, clock: Clock) -> dict[str, Any]:
    """anna won 800 000 of a 1 000 000 plan in November; her November statement is approved
    (40 200: 5 % and two calls at 100) and November is not over (26 November)."""
    add_scheme(platform, piece_rates={"call": "100.00"})
    acme = win(platform, actors, clock, "anna", "Acme", 800_000)
    plan(platform, actors["head"], anna={"revenue": "1000000"})
    platform.motivation.compute_statements(actors["head"], "2026-11")
    statement = statement_of(platform, actors["head"], "anna")
    platform.motivation.approve_statement(actors["head"], statement.id, confirmed=statement.fingerprint)
    return {"id": statement.id, "acme": acme}


def _commission_cycles(statement: Any) -> dict[int, str | None]:
    [commission] = [line for line in statement.lines if line.kind == "commission"]
    return {c["id"]: c.get("late_from") for c in commission.explanation["cycles"]}


def test_locking_before_the_period_ends_needs_the_period_named(platform: Reglament, actors, approved) -> None:
    head = actors["head"]
    shown = platform.motivation.statement(head, approved["id"])
    assert shown.status == "approved" and not shown.period_over
    with pytest.raises(PeriodNotOver, match="2026-11 is not over"):
        platform.motivation.lock_statement(head, approved["id"], confirmed=shown.fingerprint)
    with pytest.raises(PeriodNotOver, match="the early lock names 2026-12, not 2026-11"):
        platform.motivation.lock_statement(head, approved["id"], confirmed=shown.fingerprint, early="2026-12")
    assert platform.motivation.statement(head, approved["id"]).status == "approved"
    platform.motivation.lock_statement(head, approved["id"], confirmed=shown.fingerprint, early="2026-11")
    locked = platform.motivation.statement(head, approved["id"])
    assert locked.status == "locked" and locked.total == D("40200.00")


def test_a_win_after_an_early_lock_is_paid_next_period_and_listed_on_the_locked_statement(
        platform: Reglament, actors, clock: Clock, approved) -> None:
    head = actors["head"]
    platform.motivation.lock_statement(head, approved["id"], early="2026-11")
    clock.advance(hours=1)
    later = win(platform, actors, clock, "anna", "Later Ltd", 400_000)  # still November, after the lock

    november = platform.motivation.statement(head, approved["id"])
    assert november.total == D("40200.00"), "a locked statement never changes"
    assert {(item.kind, item.cycle_id, item.lands_in) for item in november.later} >= {
        ("won", later, "2026-12"), ("payment", later, "2026-12")}
    assert all(item.cycle_id != approved["acme"] for item in november.later), "before the lock: paid in November"
    assert platform.motivation.earned_so_far(actors["anna"], period="2026-11").total == D("40200.00")

    clock.now = DECEMBER_1 + timedelta(days=1)
    platform.motivation.compute_statements(head, "2026-12")
    december = statement_of(platform, head, "anna", "2026-12")
    assert _commission_cycles(december) == {later: "2026-11"}, "the late win once, marked; Acme not again"
    [commission] = [line for line in december.lines if line.kind == "commission"]
    assert commission.quantity == D("400000") and "including 1 from 2026-11" in commission.description
    assert platform.motivation.earned_so_far(actors["anna"], period="2026-12").total == december.total


def test_a_period_locked_after_it_ends_sends_nothing_to_the_next(platform: Reglament, actors, clock: Clock,
                                                                approved) -> None:
    head = actors["head"]
    clock.now = DECEMBER_1
    platform.motivation.lock_statement(head, approved["id"])
    assert platform.motivation.statement(head, approved["id"]).later == ()
    win(platform, actors, clock, "anna", "December Ltd", 100_000)
    platform.motivation.compute_statements(head, "2026-12")
    assert set(_commission_cycles(statement_of(platform, head, "anna", "2026-12")).values()) == {None}


def test_lock_all_before_the_period_ends_needs_the_period_named(platform: Reglament, actors, approved) -> None:
    head = actors["head"]
    review = platform.motivation.review_statements(head, "2026-11", "lock")
    assert review.blocked and [row.login for row in review.acting] == ["anna"]
    with pytest.raises(PeriodNotOver):
        platform.motivation.lock_statements(head, "2026-11", review.token)
    with pytest.raises(PeriodNotOver):
        platform.motivation.lock_statements(head, "2026-11", review.token, early="2026-10")
    acted = platform.motivation.lock_statements(head, "2026-11", review.token, early="2026-11")
    assert acted.done == ("anna",)
    assert platform.motivation.statement(head, approved["id"]).status == "locked"
