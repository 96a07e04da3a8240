"""Reading statements: who sees which, a period's list, "earned so far", and statements as
the pages and exports show them. A manager sees only his own statements; heads and
analysts see all."""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.motivation import plans, statement_comments
from engine.motivation.figures import Figures, SchemeBook, evaluate, figures_fingerprint, statement_fingerprint
from engine.motivation.statement_states import APPROVED, DRAFT, LOCKED, load
from engine.shared import periods
from engine.shared.access import Actor
from engine.shared.errors import Forbidden, NotFound
from storage.models import Statement, StatementComment, StatementLine
from storage.repositories import accounts as accounts_repo
from storage.repositories import motivation as motivation_repo


def may_see(actor: Actor, statement: Statement) -> bool:
    return actor.reads_all or statement.login == actor.login


def get(session: Session, actor: Actor, statement_id: int) -> Statement:
    statement = load(session, statement_id)
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


def earned(session: Session, book: SchemeBook, actor: Actor, login: str, period_text: str | None) -> dict[str, Any]:
    """Earned so far, in agreement with the period's statement. A locked statement is what is
    paid: for a locked period its figures are shown (``source`` "statement"). Otherwise the
    period computed now (see ``live``; ``source`` "live") beside the stored statement of the
    period, if any, and whether the two agree; a draft or approved statement that no longer
    agrees is recomputed when it is approved and cannot be locked as it is, so they never part
    for good."""
    period = periods.parse(period_text)
    if login != actor.login and not actor.reads_all:
        raise Forbidden(f"{actor.login} may not see what {login} earns")
    statement = motivation_repo.statement_of(session, login, period.key)
    if statement is not None and statement.status == LOCKED:
        user = accounts_repo.user_by_login(session, login)
        return {"login": login, "name": user.name if user else login, "period": period.key, "problem": None,
                "summary": dict(statement.indicators or {}), "total": statement.total,
                "currency": statement.currency, "lines": [line_dict(line) for line in statement.lines],
                "source": "statement", "statement": _brief(statement, True)}
    fig = live(session, book, actor, login, period.key)
    out = {**figures_dict(fig), "source": "live", "statement": None}
    if statement is not None:
        out["statement"] = _brief(statement, figures_fingerprint(fig) == statement_fingerprint(statement))
    return out


def _brief(statement: Statement, agrees: bool) -> dict[str, Any]:
    return {"id": statement.id, "status": statement.status, "total": statement.total, "currency": statement.currency,
            "computed_at": statement.computed_at, "agrees": agrees}


def line_dict(line: StatementLine) -> dict[str, Any]:
    return {"id": line.id, "kind": line.kind, "key": (line.explanation or {}).get("key"),
            "description": line.description, "quantity": line.quantity, "rate": line.rate,
            "amount": line.amount, "explanation": dict(line.explanation or {})}


def statement_dict(statement: Statement, notes: Sequence[StatementComment] = (),
                   name: str | None = None) -> dict[str, Any]:
    on_lines = statement_comments.by_line(notes)
    lines = [{**line_dict(line), "comments": on_lines.pop(line.id, [])} for line in statement.lines]
    loose = [c for found in on_lines.values() for c in found]  # on the statement, or on a line now gone
    return {"id": statement.id, "login": statement.login, "name": name or statement.login,
            "period": statement.period, "status": statement.status, "currency": statement.currency,
            "total": statement.total, "summary": dict(statement.indicators or {}), "lines": lines,
            "comments": sorted(loose, key=lambda c: (c["created_at"], c["id"])),
            "open_comments": sum(1 for n in notes if not n.resolved),
            "computed_at": statement.computed_at, "approved_by": statement.approved_by,
            "approved_at": statement.approved_at, "locked_at": statement.locked_at,
            "fingerprint": statement_fingerprint(statement)}


def figures_dict(fig: Figures) -> dict[str, Any]:
    """A live computation (earned so far) in the shape of a statement's summary."""
    out: dict[str, Any] = {"login": fig.login, "name": fig.name, "period": fig.period.key, "problem": fig.problem,
                           "summary": fig.summary(), "total": None, "currency": None, "lines": []}
    if fig.payout is not None:
        out.update({"total": fig.payout.total, "currency": fig.payout.currency,
                    "lines": [{"kind": line.kind, "key": line.key, "description": line.description,
                               "amount": line.amount, "quantity": line.quantity, "rate": line.rate,
                               "explanation": dict(line.explanation)} for line in fig.payout.lines]})
    return out
