"""Payout statements: a manager's lines and total for a period, draft -> approved -> locked.

- The head (HEADS) computes drafts for a period; a draft is recomputed whenever the head
  asks (and the draft of the period a reversal lands in, when the reversal is recorded).
- Approving (HEADS) freezes the figures: an approved statement is not recomputed; the head
  may reopen it (back to draft) to recompute.
- Locking (HEADS, approved statements only) is final: the engine refuses to recompute,
  reopen or otherwise change a locked statement. Whatever happens later lands in the next
  open period, as "correction" lines (a reversal of a locked period, say).
- The manager comments on (disputes) a line of his own statement; the head answers and
  resolves. Comments never change the money.
- A manager sees only his own statements; heads and analysts see all, analysts change nothing.

Lines keep their identity across recomputations (the line's ``key``: "commission",
"piece:call", "reversal:7"...), so a comment stays on the line it was written on.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.orm import Session

from engine.motivation import indicators, plans
from engine.motivation.indicators import Indicators, decimal_text
from engine.motivation.payout import OriginalRates, Payout, Targets, Terms, calculate
from engine.shared import periods
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import Forbidden, InputInvalid, NotFound, TaskNotActionable
from engine.shared.periods import Period
from storage.models import (
    Cycle,
    Reversal,
    Statement,
    StatementComment,
    StatementLine,
    User,
)
from storage.repositories import accounts as accounts_repo
from storage.repositories import motivation as motivation_repo

DRAFT, APPROVED, LOCKED = "draft", "approved", "locked"
MAX_COMMENT = 2000


class StatementLocked(TaskNotActionable):
    """The statement's state does not allow the change (locked, or approved and not reopened)."""

    code = "statement_locked"


class SchemeBook(Protocol):
    """Where the calculation finds scheme terms (engine.scheme_terms reads the stored schemes)."""

    def in_force(self, session: Session, user: User, period: Period) -> Terms | None: ...

    def version(self, session: Session, scheme_id: int) -> Terms: ...


@dataclass(frozen=True)
class Figures:
    """Everything computed for one manager's period, before anything is stored."""

    login: str
    name: str
    period: Period
    indicators: Indicators
    plan: Targets | None
    terms: Terms | None
    payout: Payout | None
    problem: str | None = None  # why there is no payout (no scheme in force...)

    def summary(self) -> dict[str, Any]:
        """What a statement keeps besides its lines: the indicators and the plan behind them."""
        out: dict[str, Any] = {"figures": self.indicators.as_dict(), "period": self.period.key}
        if self.plan is not None:
            out["plan"] = {"revenue": str(self.plan.revenue), "won": self.plan.won,
                           "activities": dict(self.plan.activities), "scenario": self.plan.scenario}
        if self.terms is not None:
            out["scheme"] = {"id": self.terms.scheme_id, "label": self.terms.label, "basis": self.terms.basis,
                             "rounding": self.terms.rounding,
                             "cycle_days_norm": decimal_text(self.terms.cycle_days_norm)}
        if self.payout is not None:
            out.update({"basis_total": str(self.payout.basis_total), "attainment": decimal_text(self.payout.attainment),
                        "activity_attainment": decimal_text(self.payout.activity_attainment),
                        "rate": self.payout.rate.as_dict(), "notes": list(self.payout.notes),
                        "next_tier": self.payout.next_tier.as_dict() if self.payout.next_tier else None})
        return out


# ---------------------------------------------------------------- computing

def evaluate(session: Session, book: SchemeBook, period: Period, people: Sequence[User],
             scenario: str = plans.ACTUAL, terms: Terms | None = None) -> dict[str, Figures]:
    """Compute (store nothing) each person's payout for the period: with the plan scenario and
    the scheme in force, or with the given terms (what-if). A bounded number of queries, plus
    the scheme lookups."""
    owners = {u.login: u.id for u in people}
    if not owners:
        return {}
    locked: dict[str, set[str]] = {}
    for login, key in motivation_repo.locked_statement_periods(session, list(owners)):
        locked.setdefault(login, set()).add(key)
    figures = indicators.gather(session, owners, period, locked)
    targets = plans.targets(session, list(owners), period, scenario)
    rates = _original_rates(session, figures, period)
    out: dict[str, Figures] = {}
    for user in people:
        ind = figures[user.login]
        plan = targets.get(user.login)
        chosen = terms or book.in_force(session, user, period)
        if chosen is None:
            out[user.login] = Figures(user.login, user.name, period, ind, plan, None, None,
                                      f"no motivation scheme is in force for {user.login} on {period.last}")
            continue
        out[user.login] = Figures(user.login, user.name, period, ind, plan, chosen,
                                  calculate(ind, plan, chosen, rates.get(user.login, {})))
    return out


def _original_rates(session: Session, figures: Mapping[str, Indicators], period: Period
                    ) -> dict[str, OriginalRates]:
    """For each reversed deal, the rate its commission was paid at: read from the commission
    line of the owner's statement of the period the deal was won in (one query)."""
    wanted: dict[tuple[str, str], set[int]] = {}
    for login, ind in figures.items():
        for item in ind.reversals:
            if item.won_at is not None:
                won_in = periods.of(item.won_at, period.kind)
                if won_in != period:
                    wanted.setdefault((login, won_in.key), set()).add(item.cycle_id)
    if not wanted:
        return {}
    found: dict[str, dict[int, tuple[Decimal, str]]] = {}
    for statement in motivation_repo.statements(session, sorted({k for _, k in wanted}), sorted({l for l, _ in wanted})):
        cycles = wanted.get((statement.login, statement.period))
        if not cycles:
            continue
        for line in statement.lines:
            if line.kind != "commission" or line.rate is None:
                continue
            paid = {c.get("id") for c in (line.explanation or {}).get("cycles", [])}
            paid |= {p.get("cycle_id") for p in (line.explanation or {}).get("payments", [])}
            for cycle_id in cycles & paid:
                found.setdefault(statement.login, {})[cycle_id] = (
                    Decimal(str(line.rate)), f"statement {statement.period} #{statement.id} ({statement.status})")
    return found


@dataclass(frozen=True)
class Computed:
    statements: list[Statement]
    kept: dict[str, str]  # login -> why its statement was not recomputed
    problems: dict[str, str]  # login -> why there is no statement


def compute_period(session: Session, book: SchemeBook, actor: Actor, period_text: str | None,
                   now: datetime, logins: Sequence[str] | None = None) -> Computed:
    """Compute (or recompute) the drafts of a period for every manager (or those named).
    Approved and locked statements are kept as they are, and reported."""
    require(actor, HEADS, "compute statements")
    period = periods.parse(period_text)
    people = plans.managers(session)
    if logins is not None:
        people = [u for u in people if u.login in set(logins)]
    logins_wanted = [u.login for u in people]
    existing = {s.login: s for s in motivation_repo.statements(session, [period.key], logins_wanted)}
    kept = {s.login: s.status for s in existing.values() if s.status != DRAFT}
    problems = {s.login: f"the statement of {s.period} already pays part of {period.key}"
                for s in motivation_repo.statements(session, _overlapping(period), logins_wanted)}
    figures = evaluate(session, book, period,
                       [u for u in people if u.login not in kept and u.login not in problems])
    stored = []
    for login, fig in figures.items():
        if fig.payout is None or fig.terms is None:
            problems[login] = fig.problem or "no payout"
            continue
        stored.append(_store(session, existing.get(login), fig, now))
    session.flush()
    return Computed(stored, kept, problems)


def _overlapping(period: Period) -> list[str]:
    """The other statements that would pay the same days twice: a month's quarter, a quarter's months."""
    if period.kind == "month":
        return [period.as_kind("quarter").key]
    return [m.key for m in period.months()]


def recompute(session: Session, book: SchemeBook, actor: Actor, statement_id: int, now: datetime) -> Statement:
    require(actor, HEADS, "recompute statements")
    statement = _get(session, statement_id)
    _must_be_draft(statement, "recomputed")
    user = accounts_repo.user_by_login(session, statement.login)
    if user is None:
        raise NotFound(f"no user {statement.login}")
    fig = evaluate(session, book, periods.parse(statement.period), [user])[user.login]
    if fig.payout is None:
        raise InputInvalid(f"the statement cannot be computed: {fig.problem}")
    return _store(session, statement, fig, now)


def refresh_draft(session: Session, book: SchemeBook, login: str, period: Period, now: datetime) -> None:
    """Recompute that person's draft of the period, if there is a draft (after a reversal)."""
    statement = motivation_repo.statement_of(session, login, period.key)
    user = accounts_repo.user_by_login(session, login)
    if statement is None or statement.status != DRAFT or user is None:
        return
    fig = evaluate(session, book, period, [user])[login]
    if fig.payout is not None:
        _store(session, statement, fig, now)


def after_reversal(session: Session, book: SchemeBook, reversal: Reversal, now: datetime) -> Period:
    """The period a new reversal lands in (see indicators.landing_period); that period's draft of
    the deal's manager is recomputed so the clawback shows at once."""
    cycle = session.get(Cycle, reversal.cycle_id)
    owner = cycle.client.owner if cycle is not None else None
    happened = periods.of(reversal.at)
    if owner is None:
        return happened
    locked = {key for login, key in motivation_repo.locked_statement_periods(session, [owner.login])}
    landing = indicators.landing_period(happened, locked)
    refresh_draft(session, book, owner.login, landing, now)
    return landing


def _store(session: Session, statement: Statement | None, fig: Figures, now: datetime) -> Statement:
    assert fig.payout is not None and fig.terms is not None
    if statement is None:
        statement = Statement(login=fig.login, period=fig.period.key, status=DRAFT, lines=[])
        session.add(statement)
    if statement.status == LOCKED:  # the last guard: nothing writes a locked statement
        raise StatementLocked(f"the statement of {statement.login} for {statement.period} is locked")
    statement.scheme_id = fig.terms.scheme_id
    statement.currency = fig.payout.currency
    statement.total = fig.payout.total
    statement.indicators = fig.summary()
    statement.computed_at = now
    old = {(line.explanation or {}).get("key"): line for line in statement.lines}
    lines = []
    for position, line in enumerate(fig.payout.lines):
        row = old.pop(line.key, None) or StatementLine(kind=line.kind)
        row.position, row.kind, row.description = position, line.kind, line.description[:300]
        row.quantity, row.rate, row.amount = line.quantity, line.rate, line.amount
        row.explanation = {"key": line.key, **line.explanation}
        lines.append(row)
    statement.lines = lines  # lines no longer there go (their comments stay on the statement)
    return statement


# ---------------------------------------------------------------- approval and lock

def _get(session: Session, statement_id: int) -> Statement:
    statement = session.get(Statement, statement_id)
    if statement is None:
        raise NotFound(f"no statement {statement_id}")
    return statement


def _must_be_draft(statement: Statement, action: str) -> None:
    if statement.status == LOCKED:
        raise StatementLocked(f"the statement of {statement.login} for {statement.period} is locked and "
                              f"cannot be {action}; corrections go to the next period")
    if statement.status == APPROVED:
        raise StatementLocked(f"the statement of {statement.login} for {statement.period} is approved and "
                              f"cannot be {action}; reopen it first")


def approve(session: Session, actor: Actor, statement_id: int, now: datetime) -> Statement:
    require(actor, HEADS, "approve statements")
    statement = _get(session, statement_id)
    if statement.status == APPROVED:
        return statement
    _must_be_draft(statement, "approved again")
    statement.status, statement.approved_by, statement.approved_at = APPROVED, actor.login, now
    return statement


def reopen(session: Session, actor: Actor, statement_id: int) -> Statement:
    """An approved statement back to draft (to recompute it)."""
    require(actor, HEADS, "reopen statements")
    statement = _get(session, statement_id)
    if statement.status == LOCKED:
        raise StatementLocked(f"the statement of {statement.login} for {statement.period} is locked and "
                              "cannot be reopened; corrections go to the next period")
    statement.status, statement.approved_by, statement.approved_at = DRAFT, None, None
    return statement


def lock(session: Session, actor: Actor, statement_id: int, now: datetime) -> Statement:
    require(actor, HEADS, "lock statements")
    statement = _get(session, statement_id)
    if statement.status == LOCKED:
        return statement
    if statement.status != APPROVED:
        raise StatementLocked(f"the statement of {statement.login} for {statement.period} is a draft: "
                              "approve it before locking")
    statement.status, statement.locked_at = LOCKED, now
    return statement


def approve_period(session: Session, actor: Actor, period_text: str | None, now: datetime) -> int:
    """Approve every draft of the period; returns how many."""
    require(actor, HEADS, "approve statements")
    drafts = [s for s in motivation_repo.statements(session, [periods.parse(period_text).key]) if s.status == DRAFT]
    for statement in drafts:
        statement.status, statement.approved_by, statement.approved_at = APPROVED, actor.login, now
    return len(drafts)


def lock_period(session: Session, actor: Actor, period_text: str | None, now: datetime) -> int:
    """Lock every approved statement of the period (drafts stay drafts); returns how many."""
    require(actor, HEADS, "lock statements")
    approved = [s for s in motivation_repo.statements(session, [periods.parse(period_text).key]) if s.status == APPROVED]
    for statement in approved:
        statement.status, statement.locked_at = LOCKED, now
    return len(approved)


# ---------------------------------------------------------------- reading

def may_see(actor: Actor, statement: Statement) -> bool:
    return actor.reads_all or statement.login == actor.login


def may_comment(actor: Actor, statement: Statement) -> bool:
    """The statement's manager disputes it; the head answers."""
    return statement.login == actor.login or actor.has_any(HEADS)


def get(session: Session, actor: Actor, statement_id: int) -> Statement:
    statement = _get(session, statement_id)
    if not may_see(actor, statement):
        raise Forbidden(f"{actor.login} may not see the statement of {statement.login}")
    return statement


def listing(session: Session, actor: Actor, period_text: str | None) -> dict[str, Any]:
    """A period's statements as the actor may see them: every manager's (with or without a
    statement) for heads and analysts, one's own for a manager."""
    period = periods.parse(period_text)
    people = plans.managers(session)
    if not actor.reads_all:
        people = [u for u in people if u.login == actor.login]
    stored = {s.login: s for s in motivation_repo.statements(session, [period.key], [u.login for u in people])}
    open_comments = motivation_repo.open_comment_counts(session, [s.id for s in stored.values()])
    rows = [{"login": u.login, "name": u.name, "statement": stored.get(u.login),
             "open_comments": open_comments.get(stored[u.login].id, 0) if u.login in stored else 0}
            for u in people]
    totals: dict[str, Decimal] = {}
    for s in stored.values():
        totals[s.currency] = totals.get(s.currency, Decimal("0.00")) + s.total
    return {"period": period, "rows": rows, "totals": totals,
            "counts": {status: sum(1 for s in stored.values() if s.status == status)
                       for status in (DRAFT, APPROVED, LOCKED)}}


def statements_for_export(session: Session, actor: Actor, period_text: str | None) -> list[Statement]:
    """All statements of a period (payroll export): heads and analysts."""
    if not actor.reads_all:
        raise Forbidden(f"{actor.login} may not export everyone's statements")
    return list(motivation_repo.statements(session, [periods.parse(period_text).key]))


def live(session: Session, book: SchemeBook, actor: Actor, login: str, period_text: str | None) -> Figures:
    """Earned so far: the payout of the period computed now, stored nowhere (one's own; heads
    and analysts anyone's)."""
    if login != actor.login and not actor.reads_all:
        raise Forbidden(f"{actor.login} may not see what {login} earns")
    user = accounts_repo.user_by_login(session, login)
    if user is None:
        raise NotFound(f"no user {login}")
    period = periods.parse(period_text)
    return evaluate(session, book, period, [user])[login]


# ---------------------------------------------------------------- comments

def comment(session: Session, actor: Actor, statement_id: int, line_id: int | None, text: str,
            now: datetime) -> StatementComment:
    """The statement's manager disputes a line (or the statement); the head answers."""
    statement = _get(session, statement_id)
    if not may_comment(actor, statement):
        raise Forbidden(f"{actor.login} may not comment on the statement of {statement.login}")
    body = (text or "").strip()
    if not body:
        raise InputInvalid("the comment is empty", {"fields": {"text": "is required"}})
    if len(body) > MAX_COMMENT:
        raise InputInvalid(f"the comment is longer than {MAX_COMMENT} characters",
                           {"fields": {"text": f"must be at most {MAX_COMMENT} characters"}})
    if line_id is not None and line_id not in {line.id for line in statement.lines}:
        raise NotFound(f"no line {line_id} in this statement")
    note = StatementComment(statement_id=statement.id, line_id=line_id, author=actor.login, text=body,
                            created_at=now, resolved=False)
    session.add(note)
    session.flush()
    return note


def resolve(session: Session, actor: Actor, comment_id: int) -> StatementComment:
    require(actor, HEADS, "resolve disputes")
    note = session.get(StatementComment, comment_id)
    if note is None:
        raise NotFound(f"no comment {comment_id}")
    note.resolved = True
    return note


def comments(session: Session, statement: Statement) -> list[StatementComment]:
    return list(motivation_repo.statement_comments(session, statement.id))


# ---------------------------------------------------------------- views

def line_dict(line: StatementLine) -> dict[str, Any]:
    return {"id": line.id, "kind": line.kind, "key": (line.explanation or {}).get("key"),
            "description": line.description, "quantity": line.quantity, "rate": line.rate,
            "amount": line.amount, "explanation": dict(line.explanation or {})}


def comment_dict(note: StatementComment) -> dict[str, Any]:
    return {"id": note.id, "line_id": note.line_id, "author": note.author, "text": note.text,
            "created_at": note.created_at, "resolved": note.resolved}


def statement_dict(statement: Statement, notes: Sequence[StatementComment] = (),
                   name: str | None = None) -> dict[str, Any]:
    by_line: dict[int | None, list[dict[str, Any]]] = {}
    for note in notes:
        by_line.setdefault(note.line_id, []).append(comment_dict(note))
    lines = [{**line_dict(line), "comments": by_line.pop(line.id, [])} for line in statement.lines]
    loose = [c for found in by_line.values() for c in found]  # on the statement, or on a line now gone
    return {"id": statement.id, "login": statement.login, "name": name or statement.login,
            "period": statement.period, "status": statement.status, "currency": statement.currency,
            "total": statement.total, "summary": dict(statement.indicators or {}), "lines": lines,
            "comments": sorted(loose, key=lambda c: (c["created_at"], c["id"])),
            "open_comments": sum(1 for n in notes if not n.resolved),
            "computed_at": statement.computed_at, "approved_by": statement.approved_by,
            "approved_at": statement.approved_at, "locked_at": statement.locked_at}


def figures_dict(fig: Figures) -> dict[str, Any]:
    """A live computation (earned so far) in the shape of a statement's summary."""
    out = {"login": fig.login, "name": fig.name, "period": fig.period.key, "problem": fig.problem,
           "summary": fig.summary(), "total": None, "currency": None, "lines": []}
    if fig.payout is not None:
        out.update({"total": fig.payout.total, "currency": fig.payout.currency,
                    "lines": [{"kind": l.kind, "key": l.key, "description": l.description, "amount": l.amount,
                               "quantity": l.quantity, "rate": l.rate, "explanation": dict(l.explanation)}
                              for l in fig.payout.lines]})
    return out
