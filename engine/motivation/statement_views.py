"""Reading statements: who sees which, a period's list, "earned so far", and statements as
the pages and exports show them. A manager sees only his own statements; heads and
analysts see all."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from engine.motivation import (
    error_texts,  # noqa: F401  (registers the codes raised here)
    indicators,
    plans,
)
from engine.motivation.figures import Figures, SchemeBook, evaluate, figures_fingerprint, statement_fingerprint
from engine.motivation.read_models import (
    Comment,
    Earned,
    LateItem,
    Line,
    StatementBrief,
    StatementListing,
    StatementPage,
    StatementRow,
)
from engine.motivation.statement_states import APPROVED, DRAFT, LOCKED, load, period_over
from engine.shared import periods
from engine.shared.access import Actor
from engine.shared.errors import Forbidden, NotFound
from engine.shared.notices import coded
from storage.models import Statement, StatementComment, StatementLine
from storage.repositories import accounts as accounts_repo
from storage.repositories import motivation as motivation_repo


def may_see(actor: Actor, statement: Statement) -> bool:
    return actor.reads_all or statement.login == actor.login


def get(session: Session, actor: Actor, statement_id: int) -> Statement:
    statement = load(session, statement_id)
    if not may_see(actor, statement):
        raise coded(Forbidden, "statement_not_visible", {"login": actor.login, "owner": statement.login})
    return statement


def listing(session: Session, actor: Actor, period_text: str | None) -> StatementListing:
    """A period's statements as the actor may see them: every manager's (with or without a
    statement) for heads and analysts, one's own for a manager."""
    period = periods.parse(period_text)
    people = plans.managers(session)
    if not actor.reads_all:
        people = [u for u in people if u.login == actor.login]
    stored = {s.login: s for s in motivation_repo.statements(session, [period.key], [u.login for u in people])}
    open_comments = motivation_repo.open_comment_counts(session, [s.id for s in stored.values()])
    rows = tuple(StatementRow(u.login, u.name, brief(stored[u.login]) if u.login in stored else None,
                              open_comments.get(stored[u.login].id, 0) if u.login in stored else 0)
                 for u in people)
    totals: dict[str, Decimal] = {}
    for s in stored.values():
        totals[s.currency] = totals.get(s.currency, Decimal("0.00")) + s.total
    return StatementListing(period, rows, totals,
                            {status: sum(1 for s in stored.values() if s.status == status)
                             for status in (DRAFT, APPROVED, LOCKED)})


def brief(statement: Statement, agrees: bool | None = None) -> StatementBrief:
    return StatementBrief(statement.id, statement.status, statement.total, statement.currency, statement.computed_at,
                          statement.approved_by, statement.locked_at, dict(statement.indicators or {}), agrees)


def statements_for_export(session: Session, actor: Actor, period_text: str | None) -> list[Statement]:
    """All statements of a period (payroll export): heads and analysts."""
    if not actor.reads_all:
        raise coded(Forbidden, "statement_export_forbidden", {"login": actor.login})
    return list(motivation_repo.statements(session, [periods.parse(period_text).key]))


def live(session: Session, book: SchemeBook, actor: Actor, login: str, period_text: str | None) -> Figures:
    """Earned so far: the payout of the period computed now, stored nowhere (one's own; heads
    and analysts anyone's)."""
    if login != actor.login and not actor.reads_all:
        raise coded(Forbidden, "earnings_not_visible", {"login": actor.login, "owner": login})
    user = accounts_repo.user_by_login(session, login)
    if user is None:
        raise coded(NotFound, "statement_user_unknown", {"login": login})
    period = periods.parse(period_text)
    return evaluate(session, book, period, [user])[login]


def earned(session: Session, book: SchemeBook, actor: Actor, login: str, period_text: str | None) -> Earned:
    """Earned so far, in agreement with the period's statement. A locked statement is what is
    paid: for a locked period its figures are shown (``source`` "statement"). Otherwise the
    period computed now (see ``live``; ``source`` "live") beside the stored statement of the
    period, if any, and whether the two agree; a draft or approved statement that no longer
    agrees is recomputed when it is approved and cannot be locked as it is, so they never part
    for good."""
    period = periods.parse(period_text)
    if login != actor.login and not actor.reads_all:
        raise coded(Forbidden, "earnings_not_visible", {"login": actor.login, "owner": login})
    statement = motivation_repo.statement_of(session, login, period.key)
    if statement is not None and statement.status == LOCKED:
        user = accounts_repo.user_by_login(session, login)
        return Earned(login, user.name if user else login, period.key, None, dict(statement.indicators or {}),
                      statement.total, statement.currency, tuple(line_view(line) for line in statement.lines),
                      "statement", brief(statement, True))
    fig = live(session, book, actor, login, period.key)
    stored = brief(statement, figures_fingerprint(fig) == statement_fingerprint(statement)) if statement else None
    payout = fig.payout
    return Earned(fig.login, fig.name, fig.period.key, fig.problem, fig.summary(),
                  payout.total if payout else None, payout.currency if payout else None,
                  tuple(Line(None, line.kind, line.key, line.description, line.quantity, line.rate, line.amount,
                             dict(line.explanation)) for line in (payout.lines if payout else ())),
                  "live", stored)


def line_view(line: StatementLine, notes: Sequence[Comment] = ()) -> Line:
    return Line(line.id, line.kind, (line.explanation or {}).get("key"), line.description, line.quantity,
                line.rate, line.amount, dict(line.explanation or {}), tuple(notes))


def statement_page(session: Session, statement: Statement, notes: Sequence[StatementComment],
                   name: str | None, may_comment: bool, now: datetime) -> StatementPage:
    """The statement as its page and the API show it."""
    on_lines: dict[int | None, list[Comment]] = {}
    for note in notes:
        on_lines.setdefault(note.line_id, []).append(comment_view(note))
    lines = tuple(line_view(line, on_lines.pop(line.id, [])) for line in statement.lines)
    loose = [c for found in on_lines.values() for c in found]  # on the statement, or on a line now gone
    period = periods.parse(statement.period)
    return StatementPage(
        id=statement.id, login=statement.login, name=name or statement.login, period=statement.period,
        status=statement.status, currency=statement.currency, total=statement.total,
        summary=dict(statement.indicators or {}), lines=lines,
        comments=tuple(sorted(loose, key=lambda c: (c.created_at, c.id))),
        open_comments=sum(1 for n in notes if not n.resolved), computed_at=statement.computed_at,
        approved_by=statement.approved_by, approved_at=statement.approved_at, locked_at=statement.locked_at,
        fingerprint=statement_fingerprint(statement), may_comment=may_comment,
        period_over=period_over(period, now), locks_from=period.end, later=later(session, statement))


def comment_view(note: StatementComment) -> Comment:
    return Comment(note.id, note.line_id, note.author, note.text, note.created_at, note.resolved)


def later(session: Session, statement: Statement) -> tuple[LateItem, ...]:
    """What happened in a period locked early after its lock (wins, payments, reversals): paid
    in the next open period as corrections, listed on the locked statement too."""
    period = periods.parse(statement.period)
    if statement.status != LOCKED or statement.locked_at is None or statement.locked_at >= period.end_at:
        return ()
    user = accounts_repo.user_by_login(session, statement.login)
    if user is None:
        return ()
    locked = {row.period for row in motivation_repo.locked_statement_periods(session, [statement.login])}
    lands_in = indicators.landing_period(period, locked).key
    start, end = indicators.after_lock(statement.locked_at), period.end_at
    items = [LateItem("won", row.id, row.client_name, indicators.to_decimal((row.variables or {}).get("amount")),
                      row.ended_at, lands_in)
             for row in motivation_repo.decided_cycles_between(session, [user.id], start, end) if row.status == "won"]
    items += [LateItem("payment", row.cycle_id, row.client_name,
                       indicators.to_decimal((row.variables or {}).get("paid_amount")), row.done_at, lands_in)
              for row in motivation_repo.payments_done_between(session, [user.id], indicators.PAYMENT, start, end)]
    items += [LateItem("reversal", row.cycle_id, row.client_name, row.amount, row.at, lands_in)
              for row in motivation_repo.reversals_until(session, [user.id], end) if row.at >= start]
    return tuple(sorted(items, key=lambda item: (item.at, item.cycle_id)))
