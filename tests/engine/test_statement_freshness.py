"""Statements are never approved or locked on stale figures: approving recomputes, a whole
period is approved or locked only through a confirmation of its fresh figures, locking waits
for the period to end, and "earned so far" agrees with the period's statement."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

import pytest
from conftest import Clock
from test_statements import DECEMBER_1, plan, statement_of, win

from engine.motivation.statement_states import ConfirmationNeeded, FiguresChanged, PeriodNotOver
from engine.platform.root import Reglament


@pytest.fixture
def drafted(platform: Reglament, actors, clock: Clock) -> dict[str, Any]:
    """anna won 800 000 of a 1 000 000 plan (5 %: 40 000 plus her calls); the November drafts
    of every manager computed."""
    from test_statements import add_scheme
    add_scheme(platform, piece_rates={"call": "100.00"})
    win(platform, actors, clock, "anna", "Acme", 800_000)
    plan(platform, actors["head"], anna={"revenue": "1000000"})
    platform.motivation.compute_statements(actors["head"], "2026-11")
    statement = statement_of(platform, actors["head"], "anna")
    return {"id": statement.id, "total": statement.total, "fingerprint": statement.fingerprint}


# ---------------------------------------------------------------- one statement

def test_a_statement_approved_after_new_sales_shows_the_new_total(platform: Reglament, actors, clock: Clock,
                                                                 drafted) -> None:
    head = actors["head"]
    assert drafted["total"] == D("40200.00")
    win(platform, actors, clock, "anna", "Later Ltd", 400_000)  # the draft is now stale
    platform.motivation.approve_statement(head, drafted["id"])
    approved = platform.motivation.statement(head, drafted["id"])
    assert approved.status == "approved"
    assert approved.total == D("108400.00")  # 1 200 000 at 9 % and four calls: recomputed, then approved
    assert approved.computed_at == clock.now
    assert approved.total == platform.motivation.earned_so_far(actors["anna"]).total


def test_approving_the_figures_shown_is_refused_when_they_changed_naming_both_totals(
        platform: Reglament, actors, clock: Clock, drafted) -> None:
    head = actors["head"]
    win(platform, actors, clock, "anna", "Later Ltd", 400_000)
    with pytest.raises(FiguresChanged) as refused:
        platform.motivation.approve_statement(head, drafted["id"], confirmed=drafted["fingerprint"])
    assert "40,200.00 RUB" in refused.value.message and "108,400.00 RUB" in refused.value.message
    [changed] = refused.value.details["changes"]
    assert (changed["login"], changed["old"], changed["new"]) == ("anna", "40200.00", "108400.00")
    draft = platform.motivation.statement(head, drafted["id"])
    assert draft.status == "draft" and draft.total == D("108400.00")  # recomputed to be reviewed again
    platform.motivation.approve_statement(head, drafted["id"], confirmed=draft.fingerprint)
    assert platform.motivation.statement(head, drafted["id"]).status == "approved"


def test_a_statement_is_locked_only_after_its_period_is_over(platform: Reglament, actors, clock: Clock,
                                                            drafted) -> None:
    head = actors["head"]
    platform.motivation.approve_statement(head, drafted["id"])
    with pytest.raises(PeriodNotOver, match="2026-11 is not over: statements of it can be locked from 2026-12-01"):
        platform.motivation.lock_statement(head, drafted["id"])
    assert platform.motivation.statement(head, drafted["id"]).period_over is False
    clock.now = DECEMBER_1
    page = platform.motivation.statement(head, drafted["id"])
    assert page.period_over is True and str(page.locks_from) == "2026-12-01"
    platform.motivation.lock_statement(head, drafted["id"], confirmed=page.fingerprint)
    assert platform.motivation.statement(head, drafted["id"]).status == "locked"


def test_an_approved_statement_whose_figures_changed_is_not_locked(platform: Reglament, actors, clock: Clock,
                                                                   drafted) -> None:
    head = actors["head"]
    platform.motivation.approve_statement(head, drafted["id"])  # on 26 November
    win(platform, actors, clock, "anna", "Later Ltd", 400_000)  # still November
    clock.now = DECEMBER_1
    with pytest.raises(FiguresChanged) as refused:
        platform.motivation.lock_statement(head, drafted["id"])
    assert "says 40,200.00 RUB, but computed now it is 108,400.00 RUB" in refused.value.message
    assert "reopen it" in refused.value.message
    platform.motivation.reopen_statement(head, drafted["id"])
    platform.motivation.approve_statement(head, drafted["id"])
    platform.motivation.lock_statement(head, drafted["id"])
    locked = platform.motivation.statement(head, drafted["id"])
    assert (locked.status, locked.total) == ("locked", D("108400.00"))


# ---------------------------------------------------------------- a whole period

def test_approve_all_shows_fresh_totals_and_acts_only_on_the_confirmed_figures(
        platform: Reglament, actors, clock: Clock, drafted) -> None:
    head = actors["head"]
    win(platform, actors, clock, "anna", "Later Ltd", 400_000)  # the stored draft is stale
    review = platform.motivation.review_statements(head, "2026-11", "approve")
    anna = next(r for r in review.rows if r.login == "anna")
    assert (anna.stored, anna.fresh, anna.difference) == (D("40200.00"), D("108400.00"), D("68200.00"))
    assert anna.acts and review.period_over is False
    clock.advance(minutes=5)
    win(platform, actors, clock, "anna", "Even Later Ltd", 100_000)  # changed between review and submit
    with pytest.raises(FiguresChanged) as refused:
        platform.motivation.approve_statements(head, "2026-11", review.token)
    assert "anna: 108,400.00 RUB → 117,600.00 RUB" in refused.value.message
    assert "nothing was approved" in refused.value.message
    assert platform.motivation.statements(head, "2026-11").counts["approved"] == 0
    again = platform.motivation.review_statements(head, "2026-11", "approve")
    acted = platform.motivation.approve_statements(head, "2026-11", again.token)
    assert "anna" in acted.done and acted.count == len(again.rows)
    assert statement_of(platform, head, "anna").total == D("117600.00")  # the figures confirmed, stored


def test_a_period_is_approved_or_locked_only_with_a_confirmation(platform: Reglament, actors, clock: Clock,
                                                                drafted) -> None:
    head = actors["head"]
    for token in (None, "", "v1.approve.2026-11.bm9wZQ", "nonsense"):
        with pytest.raises((ConfirmationNeeded, FiguresChanged)):
            platform.motivation.approve_statements(head, "2026-11", token)
    october = platform.motivation.review_statements(head, "2026-10", "approve").token
    with pytest.raises(ConfirmationNeeded, match="for approve 2026-10, not approve 2026-11"):
        platform.motivation.approve_statements(head, "2026-11", october)
    assert platform.motivation.statements(head, "2026-11").counts["approved"] == 0


def test_lock_all_waits_for_the_period_to_end_and_leaves_changed_statements_out(
        platform: Reglament, actors, clock: Clock, drafted) -> None:
    """The reported case: drafts computed early in the month, approved and locked at once."""
    head = actors["head"]
    approve = platform.motivation.review_statements(head, "2026-11", "approve")
    platform.motivation.approve_statements(head, "2026-11", approve.token)
    lock = platform.motivation.review_statements(head, "2026-11", "lock")
    assert lock.blocked == "2026-11 is not over: its statements can be locked from 2026-12-01"
    with pytest.raises(PeriodNotOver):
        platform.motivation.lock_statements(head, "2026-11", lock.token)
    win(platform, actors, clock, "anna", "Later Ltd", 400_000)  # anna's approved statement is now stale
    clock.now = DECEMBER_1
    lock = platform.motivation.review_statements(head, "2026-11", "lock")
    anna = next(r for r in lock.rows if r.login == "anna")
    assert not anna.acts and "changed since it was approved" in anna.problem
    assert anna.difference == D("68200.00")
    acted = platform.motivation.lock_statements(head, "2026-11", lock.token)
    assert "anna" not in acted.done and "anna" in acted.skipped and acted.count == len(lock.rows) - 1
    assert statement_of(platform, head, "anna").status == "approved"
    assert statement_of(platform, head, "boris").status == "locked"


def test_lock_all_is_refused_when_the_figures_changed_since_the_confirmation(
        platform: Reglament, actors, clock: Clock, drafted) -> None:
    head = actors["head"]
    platform.motivation.approve_statements(head, "2026-11",
                                           platform.motivation.review_statements(head, "2026-11", "approve").token)
    clock.now = DECEMBER_1
    lock = platform.motivation.review_statements(head, "2026-11", "lock")
    boris = next(r for r in lock.rows if r.login == "boris")
    platform.motivation.reopen_statement(head, boris.statement_id)  # between the review and the submit
    with pytest.raises(FiguresChanged, match=r"boris: 0.00 RUB → nothing \(no longer an approved statement\)"):
        platform.motivation.lock_statements(head, "2026-11", lock.token)
    assert platform.motivation.statements(head, "2026-11").counts["locked"] == 0


# ---------------------------------------------------------------- earned so far

def test_earned_so_far_and_the_statement_of_the_period_agree(platform: Reglament, actors, clock: Clock,
                                                            drafted) -> None:
    head, anna = actors["head"], actors["anna"]
    earned = platform.motivation.earned_so_far(anna)
    assert earned.total == drafted["total"] and earned.statement.agrees is True
    win(platform, actors, clock, "anna", "Later Ltd", 400_000)
    earned = platform.motivation.earned_so_far(anna)
    assert earned.total == D("108400.00") and earned.source == "live"
    assert earned.statement.agrees is False and earned.statement.total == drafted["total"]
    platform.motivation.approve_statement(head, drafted["id"])
    assert platform.motivation.earned_so_far(anna).statement.agrees is True
    clock.now = DECEMBER_1
    platform.motivation.lock_statement(head, drafted["id"])
    clock.now = datetime(2026, 12, 20, 9, tzinfo=UTC)
    november = platform.motivation.earned_so_far(anna, period="2026-11")
    assert (november.source, november.total) == ("statement", D("108400.00"))
    assert november.total == platform.motivation.statement(anna, drafted["id"]).total
