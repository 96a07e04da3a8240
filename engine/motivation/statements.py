"""Payout statements: a manager's lines and total for a period, draft -> approved -> locked.

- The head (HEADS) computes drafts for a period; a draft is recomputed whenever the head
  asks (and the draft of the period a reversal lands in, when the reversal is recorded).
- **Approving** (HEADS) recomputes the draft from the figures as they are now and stores
  those: a statement is never approved on figures computed earlier. A head who confirms
  the figures he was shown (the statement page sends their fingerprint) has the approval
  refused when a fresh computation differs from them, naming the old and the new total
  (the draft is then recomputed, to be reviewed again). An approved statement is not
  recomputed; the head may reopen it (back to draft).
- **Locking** (HEADS, approved statements only) is final, and refused while the period is
  not over (statement_states), and refused when the approved figures are no longer what
  the period computes to (reopen, recompute, approve again). The engine refuses to
  recompute, reopen or otherwise change a locked statement. Whatever happens later lands
  in the next open period, as "correction" lines (a reversal of a locked period, say).
- A whole period is approved or locked through a confirmation of its fresh figures
  (engine.motivation.confirmation).

Lines keep their identity across recomputations (the line's ``key``: "commission",
"piece:call", "reversal:7"...), so a comment stays on the line it was written on. Reading
(engine.motivation.statement_views), comments (statement_comments) and the computation
(figures) live apart; their names are re-exported here for callers.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.motivation import (
    error_texts,  # noqa: F401  (registers the codes raised here)
    indicators,
    plans,
)
from engine.motivation.figures import (
    Figures,
    SchemeBook,
    evaluate,
    figures_fingerprint,
    statement_fingerprint,
)
from engine.motivation.statement_comments import (
    MAX_COMMENT,
    comment,
    comments,
    may_comment,
    resolve,
)
from engine.motivation.statement_states import (
    APPROVED,
    DRAFT,
    LOCKED,
    FiguresChanged,
    PeriodNotOver,
    StatementLocked,
    change,
    load,
    money_text,
    must_be_draft,
    require_period_over,
)
from engine.motivation.statement_views import (
    earned,
    get,
    line_view,
    listing,
    live,
    may_see,
    statement_page,
    statements_for_export,
)
from engine.shared import periods
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import InputInvalid, NotFound
from engine.shared.notices import coded
from engine.shared.periods import Period
from storage.models import Cycle, Reversal, Statement, StatementLine
from storage.repositories import accounts as accounts_repo
from storage.repositories import motivation as motivation_repo

__all__ = [
    "APPROVED", "DRAFT", "LOCKED", "MAX_COMMENT", "Computed", "Figures", "FiguresChanged", "PeriodNotOver",
    "SchemeBook", "StatementLocked", "after_reversal", "approve", "comment", "comments",
    "compute_period", "earned", "evaluate", "figures_fingerprint", "fresh", "get", "line_view",
    "listing", "live", "lock", "may_comment", "may_see", "recompute", "refresh_draft", "reopen", "resolve",
    "statement_fingerprint", "statement_page", "statements_for_export", "store",
]


# ---------------------------------------------------------------- computing

def fresh(session: Session, book: SchemeBook, statement: Statement) -> Figures:
    """The statement's period for its manager computed now (stored nowhere)."""
    user = accounts_repo.user_by_login(session, statement.login)
    if user is None:
        raise coded(NotFound, "statement_user_unknown", {"login": statement.login})
    return evaluate(session, book, periods.parse(statement.period), [user])[user.login]


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
        stored.append(store(session, existing.get(login), fig, now))
    session.flush()
    return Computed(stored, kept, problems)


def _overlapping(period: Period) -> list[str]:
    """The other statements that would pay the same days twice: a month's quarter, a quarter's months."""
    if period.kind == "month":
        return [period.as_kind("quarter").key]
    return [m.key for m in period.months()]


def recompute(session: Session, book: SchemeBook, actor: Actor, statement_id: int, now: datetime) -> Statement:
    require(actor, HEADS, "recompute statements")
    statement = load(session, statement_id)
    must_be_draft(statement, "recomputed")
    fig = fresh(session, book, statement)
    if fig.payout is None:
        raise coded(InputInvalid, "statement_not_computed", {"reason": str(fig.problem)})
    return store(session, statement, fig, now)


def refresh_draft(session: Session, book: SchemeBook, login: str, period: Period, now: datetime) -> None:
    """Recompute that person's draft of the period, if there is a draft (after a reversal)."""
    statement = motivation_repo.statement_of(session, login, period.key)
    user = accounts_repo.user_by_login(session, login)
    if statement is None or statement.status != DRAFT or user is None:
        return
    fig = evaluate(session, book, period, [user])[login]
    if fig.payout is not None:
        store(session, statement, fig, now)


def after_reversal(session: Session, book: SchemeBook, reversal: Reversal, now: datetime) -> Period:
    """The period a new reversal lands in (see indicators.landing_period); that period's draft of
    the deal's manager is recomputed so the clawback shows at once."""
    cycle = session.get(Cycle, reversal.cycle_id)
    owner = cycle.client.owner if cycle is not None else None
    happened = periods.of(reversal.at)
    if owner is None:
        return happened
    locked = {row.period for row in motivation_repo.locked_statement_periods(session, [owner.login])}
    landing = indicators.landing_period(happened, locked)
    refresh_draft(session, book, owner.login, landing, now)
    return landing


def store(session: Session, statement: Statement | None, fig: Figures, now: datetime) -> Statement:
    assert fig.payout is not None and fig.terms is not None
    if statement is None:
        statement = Statement(login=fig.login, period=fig.period.key, status=DRAFT, lines=[])
        session.add(statement)
    if statement.status == LOCKED:  # the last guard: nothing writes a locked statement
        raise coded(StatementLocked, "statement_locked", {"login": statement.login, "period": statement.period})
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

def approve(session: Session, book: SchemeBook, actor: Actor, statement_id: int, now: datetime,
            confirmed: str | None = None) -> Statement:
    """Approve a draft on the figures as they are now: recomputed, stored, approved.
    ``confirmed``: the fingerprint of the figures the head was shown (see
    figures.statement_fingerprint); when a fresh computation differs from them, FiguresChanged
    names the stored and the new total and nothing is approved."""
    require(actor, HEADS, "approve statements")
    statement = load(session, statement_id)
    if statement.status == APPROVED:
        return statement
    must_be_draft(statement, "approved again")
    fig = fresh(session, book, statement)
    if fig.payout is None:
        raise coded(InputInvalid, "statement_not_approvable",
                    {"login": statement.login, "period": statement.period, "reason": str(fig.problem)})
    if confirmed is not None and confirmed != figures_fingerprint(fig):
        old, new = statement.total, fig.payout.total
        raise FiguresChanged(
            f"the statement of {statement.login} for {statement.period} was not approved: its figures changed "
            f"since they were shown (the draft said {money_text(old, statement.currency)}, computed now "
            f"{money_text(new, fig.payout.currency)}); review the recomputed draft and approve it again",
            {"statement_id": statement.id, "action": "approve",
             "changes": [change(statement.login, statement.period, old, new, fig.payout.currency,
                                "changed since shown")]})
    store(session, statement, fig, now)
    statement.status, statement.approved_by, statement.approved_at = APPROVED, actor.login, now
    return statement


def reopen(session: Session, actor: Actor, statement_id: int) -> Statement:
    """An approved statement back to draft (to recompute it)."""
    require(actor, HEADS, "reopen statements")
    statement = load(session, statement_id)
    if statement.status == LOCKED:
        raise coded(StatementLocked, "statement_reopen_locked", {"login": statement.login, "period": statement.period})
    statement.status, statement.approved_by, statement.approved_at = DRAFT, None, None
    return statement


def lock(session: Session, book: SchemeBook, actor: Actor, statement_id: int, now: datetime,
         confirmed: str | None = None, early: str | None = None) -> Statement:
    """Lock an approved statement for good: only once its period is over, or early when
    ``early`` names its period (PeriodNotOver otherwise), and only while its figures are what
    the period computes to now (FiguresChanged naming the approved and the new total: reopen,
    recompute, approve again). ``confirmed``: the fingerprint of the statement the head was
    shown."""
    require(actor, HEADS, "lock statements")
    statement = load(session, statement_id)
    if statement.status == LOCKED:
        return statement
    if statement.status != APPROVED:
        raise coded(StatementLocked, "statement_lock_draft", {"login": statement.login, "period": statement.period})
    require_period_over(periods.parse(statement.period), now, early)
    stored = statement_fingerprint(statement)
    if confirmed is not None and confirmed != stored:
        raise coded(FiguresChanged, "statement_lock_changed", {"login": statement.login, "period": statement.period},
                    {"statement_id": statement.id, "action": "lock", "changes": []})
    problem = stale(session, book, statement)
    if problem is not None:
        raise problem
    statement.status, statement.locked_at = LOCKED, now
    return statement


def stale(session: Session, book: SchemeBook, statement: Statement) -> FiguresChanged | None:
    """Why an approved statement cannot be locked as it is: its figures are not what its period
    computes to now (the error to raise), else None."""
    fig = fresh(session, book, statement)
    if fig.payout is not None and figures_fingerprint(fig) == statement_fingerprint(statement):
        return None
    old, currency = statement.total, statement.currency
    new = fig.payout.total if fig.payout is not None else None
    now_text = money_text(new, currency) if fig.payout is not None else f"cannot be computed ({fig.problem})"
    return FiguresChanged(
        f"the approved statement of {statement.login} for {statement.period} says {money_text(old, currency)}, "
        f"but computed now it is {now_text}: reopen it, recompute it and approve it again before locking",
        {"statement_id": statement.id, "action": "lock",
         "changes": [change(statement.login, statement.period, old, new, currency, "changed since approval")]})
