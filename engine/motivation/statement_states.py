"""The states of a statement (draft -> approved -> locked) and the errors that guard them.

- **Approving** stores the statement's figures as computed at that moment (never the figures
  of an earlier computation); the head may reopen an approved statement.
- **Locking** is final, and refused while the period is not over: until its last day has
  passed, sales, payments and work can still land in the period, and a locked statement
  would never pay them. It is refused too when the approved figures are no longer what the
  period computes to (reopen, recompute, approve again).
- A head who confirmed figures (a statement's, or a whole period's on the confirmation
  page) has them acted on only while they are still exactly those figures.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from engine.motivation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.shared.errors import ConcurrentChange, InputInvalid, NotFound, TaskNotActionable
from engine.shared.notices import coded
from engine.shared.periods import Period
from storage.models import Statement


class StatementStatus(StrEnum):
    """A statement's life: computed and recomputable (draft), agreed (approved), paid (locked)."""

    DRAFT = "draft"
    APPROVED = "approved"
    LOCKED = "locked"


DRAFT, APPROVED, LOCKED = StatementStatus.DRAFT, StatementStatus.APPROVED, StatementStatus.LOCKED
STATUSES = tuple(StatementStatus)


class StatementLocked(TaskNotActionable):
    """The statement's state does not allow the change (locked, or approved and not reopened)."""

    code = "statement_locked"


class PeriodNotOver(TaskNotActionable):
    """Locking before the period has ended."""

    code = "period_not_over"


class FiguresChanged(ConcurrentChange):
    """The figures are not those stored, or not those the head confirmed. ``details``:
    ``changes``, a list of {login, period, old, new, currency, why}."""

    code = "figures_changed"


class ConfirmationNeeded(InputInvalid):
    """A period's statements are approved or locked only with the token of the figures the
    head confirmed."""

    code = "confirmation_needed"


def load(session: Session, statement_id: int) -> Statement:
    """A statement by id (no access check: callers check who may see or change it)."""
    statement = session.get(Statement, statement_id)
    if statement is None:
        raise coded(NotFound, "statement_unknown", {"statement_id": str(statement_id)})
    return statement


#: must_be_draft's actions with a code
_DRAFT_ACTIONS = {"recomputed": "recompute", "approved again": "approve"}


def must_be_draft(statement: Statement, action: str) -> None:
    suffix = _DRAFT_ACTIONS.get(action)
    params = {"login": statement.login, "period": statement.period}
    if suffix is not None and statement.status in (LOCKED, APPROVED):
        raise coded(StatementLocked, f"statement_{'locked' if statement.status == LOCKED else 'approved'}_{suffix}",
                    params)
    if statement.status == LOCKED:
        raise StatementLocked(f"the statement of {statement.login} for {statement.period} is locked and "
                              f"cannot be {action}; corrections go to the next period")
    if statement.status == APPROVED:
        raise StatementLocked(f"the statement of {statement.login} for {statement.period} is approved and "
                              f"cannot be {action}; reopen it first")


def period_over(period: Period, now: datetime) -> bool:
    return now >= period.end_at


def require_period_over(period: Period, now: datetime, early: str | None = None) -> None:
    """Locking waits for the period's end, unless the head locks it early naming it (``early``
    is the period's key): then whatever still happens in it after the lock (sales, payments,
    work, reversals) lands in the next open period as a correction."""
    if period_over(period, now) or (early is not None and early == period.key):
        return
    raise coded(PeriodNotOver, "statement_period_not_over_named" if early else "statement_period_not_over",
                {"period": period.key, "from": period.end.isoformat(), **({"early": early} if early else {})},
                {"period": period.key, "from": period.end.isoformat(), "early": early})


def change(login: str, period: str, old: Decimal | None, new: Decimal | None, currency: str,
           why: str) -> dict[str, Any]:
    """One line of a FiguresChanged: whose figures, from what total to what, and why it matters."""
    return {"login": login, "period": period, "old": None if old is None else str(old),
            "new": None if new is None else str(new), "currency": currency, "why": why}


def money_text(value: Decimal | None, currency: str) -> str:
    return "nothing" if value is None else f"{value:,.2f} {currency}"
