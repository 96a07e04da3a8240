"""Statements computed from real cycles run through the demo regulation, with the controlled
clock: what a manager earns, approval and lock enforced in the engine, clawback, comments,
who sees what."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from conftest import Clock
from cycle_helpers import complete, start

from engine.motivation import scheme_terms, statements
from engine.motivation.read_models import Line, SchemeVersion, StatementPage
from engine.motivation.statements import StatementLocked
from engine.platform.root import Reglament
from engine.shared import periods
from engine.shared.access import Actor
from engine.shared.errors import Forbidden, InputInvalid, NotFound
from storage.models import Statement
from storage.repositories import accounts as accounts_repo

MOTIVATION = Path(__file__).resolve().parents[2] / "bpmn" / "motivation"
DECEMBER_1 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # the first moment November is over
TABLES = {name: (MOTIVATION / f"{name}.dmn").read_text() for name in
          ("commission_rate", "quality_multiplier", "intensity_multiplier")}


def add_scheme(platform: Reglament, activate: bool = True, tables: dict[str, str] | None = None,
               name: str = "sales", **terms: Any) -> SchemeVersion:
    """A scheme through engine.schemes: created (or, when it exists, its next version), then
    activated unless asked not to; every manager's by default, effective from 2026-01-01."""
    head = next(a for a in platform.accounts.users() if a.login == "head")
    terms = {"effective_from": date(2026, 1, 1), **terms}
    if tables is not None:
        terms["tables"] = tables
    try:
        platform.motivation.scheme_versions(head, name)
    except NotFound:
        scheme = platform.motivation.create_scheme(head, name, {"tables": dict(TABLES), **terms})
    else:
        scheme = platform.motivation.save_scheme(head, name, terms)
    if activate:
        scheme = platform.motivation.activate_scheme(head, name, scheme.version)
    return scheme


@pytest.fixture
def scheme(platform: Reglament) -> dict[str, Any]:
    return add_scheme(platform, piece_rates={"call": "100.00"})


def win(platform: Reglament, actors: dict[str, Actor], clock: Clock, owner: str, client: str,
        amount: int) -> int:
    """A sale of ``owner``'s new client driven to won by everyone involved; returns the cycle id."""
    a = actors
    cid = start(platform, a[owner], client_name=client).id
    steps = [(owner, "Task_QualificationCall", {"contact_person": "Maria", "result": "qualified"}),
             ("pavel", "Task_PrepareDemo", {"demo_date": "2026-11-30"}),
             (owner, "Task_Presentation", {"result": "interested"}),
             (owner, "Task_Proposal", {"amount": amount, "discount_pct": 0}),
             (owner, "Task_Negotiation", {"result": "agreed"}),
             ("lena", "Task_ContractReview", {"contract_number": "C-1", "approved": "true"}),
             (owner, "Task_SignContract", {"result": "signed"}),
             ("olga", "Task_IssueInvoice", {"invoice_number": "INV-1"}),
             ("olga", "Task_ConfirmPayment", {"paid_amount": amount, "payment_date": "2026-11-20"})]
    for who, element_id, values in steps:
        clock.advance(minutes=10)
        complete(platform, a[who], cid, element_id, values)
    assert platform.regulation.cycle(a["head"], cid).status == "won"
    return cid


def lose(platform: Reglament, actors: dict[str, Actor], clock: Clock, owner: str, client: str) -> int:
    cid = start(platform, actors[owner], client_name=client).id
    clock.advance(minutes=10)
    complete(platform, actors[owner], cid, "Task_QualificationCall",
             {"contact_person": "Ivan", "result": "refused", "loss_reason": "No budget"})
    return cid


def plan(platform: Reglament, head: Actor, period: str = "2026-11", **rows: dict[str, str]) -> None:
    values = {f"user:{login}|{column}": value for login, cells in rows.items() for column, value in cells.items()}
    platform.motivation.save_plans(head, period, "actual", values)


def statement_of(platform: Reglament, actor: Actor, login: str, period: str = "2026-11") -> StatementPage:
    listing = platform.motivation.statements(actor, period)
    row = next(r for r in listing.rows if r.login == login)
    assert row.statement is not None, f"no statement of {login} for {period}"
    return platform.motivation.statement(actor, row.statement.id)


def lines(statement: StatementPage, kind: str) -> list[Line]:
    return [l for l in statement.lines if l.kind == kind]


# ---------------------------------------------------------------- computing from real cycles

def test_a_draft_pays_the_tier_of_the_month_on_won_cycles_and_piece_rates_on_calls(
        platform: Reglament, actors, clock: Clock, scheme) -> None:
    head, anna = actors["head"], actors["anna"]
    won_id = win(platform, actors, clock, "anna", "Acme", 800_000)
    lose(platform, actors, clock, "anna", "Beta")
    plan(platform, head, anna={"revenue": "1000000"})
    result = platform.motivation.compute_statements(head, "2026-11")
    assert not result.problems.get("anna")

    statement = statement_of(platform, anna, "anna")
    [commission] = lines(statement, "commission")
    assert commission.rate == D("0.05")  # 80 % of plan: the 80–100 % row
    assert commission.amount == D("40000.00")
    assert [c["id"] for c in commission.explanation["cycles"]] == [won_id]
    assert commission.explanation["annotation"] == "80–100 % of plan"
    assert commission.explanation["attainment"] == "0.8000"
    [calls] = lines(statement, "piece")
    assert calls.quantity == 3  # qualification and negotiation in the sale, qualification in the loss
    assert calls.amount == D("300.00") and len(calls.explanation["tasks"]) == 3
    assert statement.summary["figures"]["conversion"] == "0.5000"  # one won of two decided
    assert statement.status == "draft"
    assert statement.total == sum(l.amount for l in statement.lines)


def test_a_sale_stays_with_the_manager_who_won_it_after_its_client_is_handed_over(
        platform: Reglament, actors, clock: Clock, scheme) -> None:
    head = actors["head"]
    won_id = win(platform, actors, clock, "anna", "Acme", 800_000)
    plan(platform, head, anna={"revenue": "1000000"}, boris={"revenue": "1000000"})
    acme = platform.regulation.cycle(head, won_id).client_id
    platform.organization.hand_over(head, "anna", "boris", [acme], None, "anna moved to key accounts")
    platform.motivation.compute_statements(head, "2026-11")
    [commission] = lines(statement_of(platform, head, "anna"), "commission")
    assert commission.amount == D("40000.00") and [c["id"] for c in commission.explanation["cycles"]] == [won_id]
    assert lines(statement_of(platform, head, "boris"), "commission")[0].amount == D("0.00"), \
        "the new owner is not paid for a sale won before he took the client"


def test_payments_confirmed_by_accounting_count_for_the_clients_owner(platform: Reglament, actors, clock: Clock) -> None:
    add_scheme(platform, basis="paid_amount")
    head = actors["head"]
    win(platform, actors, clock, "boris", "Gamma", 500_000)
    plan(platform, head, boris={"revenue": "1000000"})
    platform.motivation.compute_statements(head, "2026-11")
    statement = statement_of(platform, head, "boris")
    [commission] = lines(statement, "commission")
    assert commission.quantity == D("500000") and commission.rate == D("0.03")
    assert commission.explanation["payments"][0]["amount"] == "500000"
    olga = statement_of(platform, head, "olga")
    assert lines(olga, "commission")[0].amount == D("0.00")  # she confirmed it, it is not her sale


def test_earned_so_far_and_what_it_takes_to_reach_the_next_tier(platform: Reglament, actors, clock: Clock,
                                                                scheme) -> None:  # piece rate: call 100
    win(platform, actors, clock, "anna", "Acme", 650_000)
    plan(platform, actors["head"], anna={"revenue": "1000000"})
    live = platform.motivation.earned_so_far(actors["anna"])
    assert live.period == "2026-11"
    assert live.total == D("19700.00")  # 650 000 × 3 % + her two calls × 100
    hint = live.summary["next_tier"]
    assert (hint["amount"], hint["rate"]) == ("150000.00", "0.05")
    rows = platform.motivation.statements(actors["head"], "2026-11").rows
    assert all(r.statement is None for r in rows)  # nothing stored
    with pytest.raises(Forbidden):
        platform.motivation.earned_so_far(actors["boris"], "anna")


def test_a_manager_without_a_scheme_in_force_gets_no_statement_and_the_head_is_told(
        platform: Reglament, actors) -> None:
    add_scheme(platform, effective_from=date(2026, 12, 1))
    result = platform.motivation.compute_statements(actors["head"], "2026-11")
    assert "no motivation scheme" in result.problems["anna"]
    assert result.statement_ids == ()


def test_a_table_with_no_matching_row_stops_the_computation_with_its_name(platform: Reglament, actors,
                                                                          clock: Clock) -> None:
    broken = TABLES["commission_rate"].replace("&lt; 0.5", "[0.1..0.5)")  # nothing below 10 % any more
    broken = broken.replace("<text>attainment</text>", "<text>attainment * 1</text>")  # past the check at save
    add_scheme(platform, tables={**TABLES, "commission_rate": broken})
    with pytest.raises(InputInvalid) as failed:
        platform.motivation.compute_statements(actors["head"], "2026-11")
    assert "commission_rate" in failed.value.message and "attainment" in failed.value.message


# ---------------------------------------------------------------- approval and lock

@pytest.fixture
def drafted(platform: Reglament, actors, clock: Clock, scheme) -> dict[str, Any]:
    cycle_id = win(platform, actors, clock, "anna", "Acme", 800_000)
    plan(platform, actors["head"], anna={"revenue": "1000000"})
    platform.motivation.compute_statements(actors["head"], "2026-11")
    statement = statement_of(platform, actors["head"], "anna")
    return {"id": statement.id, "cycle_id": cycle_id, "total": statement.total}


def test_only_heads_compute_approve_and_lock(platform: Reglament, actors, drafted) -> None:
    for who in ("anna", "alex"):
        with pytest.raises(Forbidden):
            platform.motivation.approve_statement(actors[who], drafted["id"])
        with pytest.raises(Forbidden):
            platform.motivation.lock_statement(actors[who], drafted["id"])
        with pytest.raises(Forbidden):
            platform.motivation.compute_statements(actors[who], "2026-11")
    assert platform.motivation.statement(actors["head"], drafted["id"]).status == "draft"


def test_an_approved_statement_is_not_recomputed_until_the_head_reopens_it(platform: Reglament, actors,
                                                                           clock: Clock, drafted) -> None:
    head = actors["head"]
    platform.motivation.approve_statement(head, drafted["id"])
    win(platform, actors, clock, "anna", "Later Ltd", 400_000)
    with pytest.raises(StatementLocked, match="approved"):
        platform.motivation.recompute_statement(head, drafted["id"])
    result = platform.motivation.compute_statements(head, "2026-11")
    assert result.kept == {"anna": "approved"}
    assert platform.motivation.statement(head, drafted["id"]).total == drafted["total"]
    platform.motivation.reopen_statement(head, drafted["id"])
    platform.motivation.recompute_statement(head, drafted["id"])
    again = platform.motivation.statement(head, drafted["id"])
    assert again.status == "draft" and again.total > drafted["total"]  # 1.2 M: the accelerator tier


def test_a_locked_statement_never_changes(platform: Reglament, actors, clock: Clock, drafted) -> None:
    head = actors["head"]
    with pytest.raises(StatementLocked, match="approve it before locking"):
        platform.motivation.lock_statement(head, drafted["id"])
    platform.motivation.approve_statement(head, drafted["id"])
    clock.now = DECEMBER_1  # November is over
    platform.motivation.lock_statement(head, drafted["id"])
    win(platform, actors, clock, "anna", "Later Ltd", 400_000)
    for attempt in (platform.motivation.recompute_statement, platform.motivation.reopen_statement,
                    platform.motivation.approve_statement):
        with pytest.raises(StatementLocked, match="locked"):
            attempt(head, drafted["id"])
    assert platform.motivation.compute_statements(head, "2026-11").kept == {"anna": "locked"}
    locked = platform.motivation.statement(head, drafted["id"])
    assert (locked.status, locked.total) == ("locked", drafted["total"])
    with platform.command() as s:  # even straight through the engine's storing step
        figures = statements.evaluate(s, scheme_terms.BOOK, periods.parse("2026-11"),
                                      [accounts_repo.user_by_login(s, "anna")])
        with pytest.raises(StatementLocked):
            statements.store(s, s.get(Statement, drafted["id"]), figures["anna"], clock.now)


def test_approve_and_lock_a_whole_period_through_a_confirmation(platform: Reglament, actors, clock: Clock,
                                                                 drafted) -> None:
    head = actors["head"]
    review = platform.motivation.review_statements(head, "2026-11", "approve")
    assert {r.login for r in review.rows} >= {"anna", "boris"}
    assert platform.motivation.approve_statements(head, "2026-11", review.token).count == len(review.rows)
    clock.now = DECEMBER_1
    review = platform.motivation.review_statements(head, "2026-11", "lock")
    assert review.blocked is None and all(r.acts for r in review.rows)
    assert platform.motivation.lock_statements(head, "2026-11", review.token).count == len(review.rows)
    listing = platform.motivation.statements(head, "2026-11")
    assert {r.statement.status for r in listing.rows if r.statement} == {"locked"}


# ---------------------------------------------------------------- clawback

def test_a_reversal_in_an_open_period_takes_the_commission_back_in_the_same_draft(
        platform: Reglament, actors, clock: Clock, drafted) -> None:
    head = actors["head"]
    clock.advance(hours=2)
    landed = platform.motivation.record_reversal(head, drafted["cycle_id"], "refunded", "200000", "Half the licences returned")
    assert landed == "2026-11"
    statement = platform.motivation.statement(head, drafted["id"])  # the draft was recomputed at once
    [back] = lines(statement, "clawback")
    assert back.amount == D("-10000.00") and back.rate == D("0.05")
    assert back.explanation["reason"] == "Half the licences returned"
    assert statement.total == drafted["total"] - D("10000.00")
    history = platform.regulation.history(head, drafted["cycle_id"])
    assert history[-1].type == "reversed" and history[-1].data["amount"] == "200000.00"


def test_a_reversal_after_the_lock_lands_in_the_next_period_at_the_rate_paid(
        platform: Reglament, actors, clock: Clock, drafted) -> None:
    head = actors["head"]
    platform.motivation.approve_statement(head, drafted["id"])
    clock.now = DECEMBER_1  # November is over and locked
    platform.motivation.lock_statement(head, drafted["id"])
    clock.advance(hours=5)
    assert platform.motivation.record_reversal(head, drafted["cycle_id"], "cancelled", "", "Contract cancelled") == "2026-12"
    assert platform.motivation.statement(head, drafted["id"]).total == drafted["total"]  # November untouched
    platform.motivation.save_plans(head, "2026-12", "actual", {"user:anna|revenue": "100000000"})  # December: 0 % attainment
    clock.now = datetime(2026, 12, 3, 9, tzinfo=UTC)
    platform.motivation.compute_statements(head, "2026-12")
    december = statement_of(platform, head, "anna", "2026-12")
    [back] = lines(december, "clawback")
    assert back.amount == D("-40000.00")  # 800 000 at the 5 % November paid, not December's 0 %
    assert back.explanation["rate_source"].startswith("statement 2026-11")
    assert back.explanation["happened_in"] == "2026-12"


def test_cancelling_a_partly_refunded_deal_takes_back_only_what_is_left_of_it(
        platform: Reglament, actors, clock: Clock, drafted) -> None:
    head = actors["head"]
    clock.advance(hours=1)
    platform.motivation.record_reversal(head, drafted["cycle_id"], "refunded", "200000", "Part of the licences returned")
    clock.advance(hours=1)
    platform.motivation.record_reversal(head, drafted["cycle_id"], "cancelled", "", "The rest cancelled")
    backs = lines(platform.motivation.statement(head, drafted["id"]), "clawback")
    assert sum(b.quantity for b in backs) == D("800000")  # the deal, never more
    assert sum(b.amount for b in backs) == D("-40000.00")
    with pytest.raises(InputInvalid):
        platform.motivation.record_reversal(head, drafted["cycle_id"], "refunded", "1", "Nothing is left")


def test_only_a_head_records_reversals_and_only_of_won_cycles(platform: Reglament, actors, clock: Clock,
                                                              drafted) -> None:
    with pytest.raises(Forbidden):
        platform.motivation.record_reversal(actors["anna"], drafted["cycle_id"], "cancelled", "", "Mine")
    lost_id = lose(platform, actors, clock, "anna", "Lost Ltd")
    with pytest.raises(Exception, match="only a won cycle"):
        platform.motivation.record_reversal(actors["head"], lost_id, "cancelled", "", "Nope")
    with pytest.raises(InputInvalid) as bad:
        platform.motivation.record_reversal(actors["head"], drafted["cycle_id"], "refunded", "900000", "")
    assert set(bad.value.details["fields"]) == {"amount", "reason"}


# ---------------------------------------------------------------- who sees what, comments

def test_a_manager_sees_only_his_own_statements(platform: Reglament, actors, drafted) -> None:
    anna, boris, alex = actors["anna"], actors["boris"], actors["alex"]
    assert [r.login for r in platform.motivation.statements(anna, "2026-11").rows] == ["anna"]
    with pytest.raises(Forbidden):
        platform.motivation.statement(boris, drafted["id"])
    with pytest.raises(Forbidden):
        platform.motivation.export_statement(boris, drafted["id"], "xlsx")
    with pytest.raises(Forbidden):
        platform.motivation.export_statements(anna, "2026-11", "xlsx")
    assert platform.motivation.statement(alex, drafted["id"]).login == "anna"  # the analyst reads all
    assert {"anna", "boris"} <= {r.login for r in platform.motivation.statements(alex, "2026-11").rows}


def test_a_manager_disputes_a_line_and_the_head_answers_and_resolves(platform: Reglament, actors, clock: Clock,
                                                                     drafted) -> None:
    anna, boris, head = actors["anna"], actors["boris"], actors["head"]
    line_id = lines(platform.motivation.statement(anna, drafted["id"]), "commission")[0].id
    comment_id = platform.motivation.comment_statement(anna, drafted["id"], line_id, "The Beta deal is missing")
    with pytest.raises(Forbidden):
        platform.motivation.comment_statement(boris, drafted["id"], line_id, "Me too")
    with pytest.raises(Forbidden):
        platform.motivation.comment_statement(actors["alex"], drafted["id"], None, "Analysts only read")
    with pytest.raises(Forbidden):
        platform.motivation.resolve_comment(anna, comment_id)
    platform.motivation.comment_statement(head, drafted["id"], line_id, "Beta paid in December")
    platform.motivation.resolve_comment(head, comment_id)
    platform.motivation.recompute_statement(head, drafted["id"])  # comments stay on their line
    [line] = lines(platform.motivation.statement(anna, drafted["id"]), "commission")
    assert line.id == line_id
    assert [(c.author, c.resolved) for c in line.comments] == [("anna", True), ("head", False)]
    with pytest.raises(InputInvalid):
        platform.motivation.comment_statement(anna, drafted["id"], line_id, "   ")


# ---------------------------------------------------------------- schemes

def test_a_changed_commission_table_changes_the_draft(platform: Reglament, actors, clock: Clock, drafted) -> None:
    head = actors["head"]
    richer = TABLES["commission_rate"].replace("<text>0.05</text>", "<text>0.06</text>")
    draft = platform.motivation.save_scheme_table(head, "sales", "commission_rate", richer)
    platform.motivation.recompute_statement(head, drafted["id"])  # a draft version is not in force
    assert lines(platform.motivation.statement(head, drafted["id"]), "commission")[0].rate == D("0.05")
    platform.motivation.activate_scheme(head, "sales", draft.version)
    platform.motivation.recompute_statement(head, drafted["id"])
    [commission] = lines(platform.motivation.statement(head, drafted["id"]), "commission")
    assert (commission.rate, commission.amount) == (D("0.06"), D("48000.00"))
    assert commission.explanation["scheme"] == "sales v2"


def test_computing_a_period_reads_with_a_fixed_number_of_queries_however_many_cycles(
        platform: Reglament, actors, clock: Clock, scheme) -> None:
    from sqlalchemy import event

    def queries_to_compute() -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
        event.listen(platform.db.engine, "before_cursor_execute", listener)
        try:
            platform.motivation.earned_so_far(actors["head"], "anna")
            platform.motivation.compute_statements(actors["head"], "2026-11")
        finally:
            event.remove(platform.db.engine, "before_cursor_execute", listener)
        return sum(1 for q in seen if q.lstrip().upper().startswith("SELECT"))  # writes: one per row

    win(platform, actors, clock, "anna", "One", 100_000)
    platform.motivation.compute_statements(actors["head"], "2026-11")  # from now on, drafts are recomputed
    few = queries_to_compute()
    for n in range(3):
        win(platform, actors, clock, "anna" if n % 2 else "boris", f"More {n}", 200_000)
    lose(platform, actors, clock, "boris", "Lost")
    assert queries_to_compute() == few


def test_the_quality_multiplier_reads_conversion_and_tasks_done_on_time(platform: Reglament, actors, clock: Clock,
                                                                      scheme) -> None:
    head = actors["head"]
    platform.regulation.save_work_type(head, "call", "Call", "P1D")  # calls now have a deadline; hers are all on time
    win(platform, actors, clock, "anna", "Acme", 800_000)
    lose(platform, actors, clock, "anna", "Beta")
    plan(platform, head, anna={"revenue": "1000000"})
    platform.motivation.compute_statements(head, "2026-11", ["anna"])
    statement = statement_of(platform, head, "anna")
    [quality] = lines(statement, "multiplier")
    assert quality.rate == D("1.2") and quality.amount == D("8000.00")  # 40 000 × 0.2
    assert quality.explanation["annotation"].startswith("Excellent")
    assert quality.explanation["indicators"] == {"conversion": "0.5000", "on_time_share": "1.0000"}


def test_a_quarter_is_not_paid_when_its_months_already_are(platform: Reglament, actors, clock: Clock,
                                                          drafted) -> None:
    result = platform.motivation.compute_statements(actors["head"], "2026-Q4", ["anna"])
    assert result.statement_ids == () and "2026-11" in result.problems["anna"]
