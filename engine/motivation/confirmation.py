"""Approving or locking a whole period as a payroll product does it: review, confirm, act.

1. ``review`` recomputes (storing nothing) the figures of every statement the action would
   touch — the drafts for "approve all", the approved statements for "lock all" — and gives
   each manager's fresh total beside the stored one, the difference, and whatever keeps a
   statement out (its figures cannot be computed; an approved statement whose figures
   changed since it was approved cannot be locked as it is). Its ``token`` carries exactly
   those figures: per statement its id, the manager, the fresh total and the fingerprint of
   the fresh lines (engine.motivation.figures).
2. ``approve_period`` / ``lock_period`` recompute again and act only when the figures are
   still exactly those of the token the head confirmed. Otherwise nothing is done and
   FiguresChanged names each manager whose figures changed (the confirmed total and the
   total now), so the head reviews again. Without a token nothing is acted on
   (ConfirmationNeeded): the engine, not only the page, insists on the confirmation.

Approving stores the fresh figures; locking needs the period to be over (PeriodNotOver,
whatever the token) and locks only approved statements whose figures are still what the
period computes to.
"""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.motivation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.motivation.figures import Figures, SchemeBook, evaluate, figures_fingerprint, statement_fingerprint
from engine.motivation.statement_states import (
    APPROVED,
    DRAFT,
    LOCKED,
    ConfirmationNeeded,
    FiguresChanged,
    change,
    load,
    money_text,
    period_over,
    require_period_over,
)
from engine.motivation.statements import store
from engine.shared import periods
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import InputInvalid
from engine.shared.notices import coded
from engine.shared.periods import Period
from storage.repositories import accounts as accounts_repo
from storage.repositories import motivation as motivation_repo

APPROVE, LOCK = "approve", "lock"
ACTIONS = {APPROVE: DRAFT, LOCK: APPROVED}  # the action -> the statements it acts on
_WHICH = {APPROVE: "a draft", LOCK: "an approved statement"}
TOKEN_VERSION = "v1"


@dataclass(frozen=True)
class Row:
    """One statement the action would act on, with its stored and its fresh figures."""

    login: str
    name: str
    statement_id: int
    currency: str
    stored: Decimal
    fresh: Decimal | None
    fingerprint: str | None  # of the fresh figures
    #: why the action leaves this statement as it is (None: it acts on it)
    problem: str | None = None

    @property
    def difference(self) -> Decimal | None:
        return None if self.fresh is None else self.fresh - self.stored

    @property
    def acts(self) -> bool:
        return self.problem is None

    def entry(self) -> list[Any]:
        return [self.statement_id, self.login, None if self.fresh is None else str(self.fresh), self.currency,
                self.fingerprint, self.acts]


@dataclass(frozen=True)
class Review:
    action: str
    period: Period
    rows: tuple[Row, ...]
    #: whether the period has ended (locking needs it)
    period_over: bool
    #: the fresh computation of each login (what approving stores)
    figures: Mapping[str, Figures] = field(default_factory=dict, compare=False, repr=False)

    @property
    def token(self) -> str:
        """Exactly these figures, as the confirmation page sends them back."""
        body = json.dumps([row.entry() for row in self.rows], separators=(",", ":"))
        encoded = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
        return f"{TOKEN_VERSION}.{self.action}.{self.period.key}.{encoded}"

    @property
    def acting(self) -> list[Row]:
        return [row for row in self.rows if row.acts]

    @property
    def blocked(self) -> str | None:
        """Why nothing can be done now (a lock before the period is over), else None."""
        if self.action == LOCK and not self.period_over:
            return f"{self.period.key} is not over: its statements can be locked from {self.period.end.isoformat()}"
        return None

    def totals(self) -> dict[str, dict[str, Decimal]]:
        """Per currency: the stored and the fresh total of the statements acted on."""
        out: dict[str, dict[str, Decimal]] = {}
        for row in self.acting:
            sums = out.setdefault(row.currency, {"stored": Decimal("0.00"), "fresh": Decimal("0.00")})
            sums["stored"] += row.stored
            sums["fresh"] += row.fresh or Decimal(0)
        return out


def review(session: Session, book: SchemeBook, actor: Actor, period_text: str | None, action: str,
           now: datetime) -> Review:
    """What "approve all" or "lock all" would do to the period, from the figures as they are now
    (nothing is stored)."""
    if action not in ACTIONS:
        raise coded(InputInvalid, "confirmation_action", {"action": repr(action)})
    require(actor, HEADS, f"{action} statements")
    period = periods.parse(period_text)
    found = [s for s in motivation_repo.statements(session, [period.key]) if s.status == ACTIONS[action]]
    users = accounts_repo.users_by_logins(session, [s.login for s in found])
    figures = evaluate(session, book, period, [users[s.login] for s in found if s.login in users], tolerant=True)
    rows = []
    for statement in found:
        fig = figures.get(statement.login)
        fresh_total = fig.payout.total if fig is not None and fig.payout is not None else None
        fingerprint = figures_fingerprint(fig) if fig is not None else None
        problem = None
        if fig is None:
            problem = f"there is no user {statement.login}"
        elif fig.payout is None:
            problem = f"cannot be computed: {fig.problem}"
        elif action == LOCK and fingerprint != statement_fingerprint(statement):
            problem = "its figures changed since it was approved: reopen it, recompute it and approve it again"
        user = users.get(statement.login)
        rows.append(Row(statement.login, user.name if user else statement.login, statement.id, statement.currency,
                        statement.total, fresh_total, fingerprint, problem))
    return Review(action, period, tuple(rows), period_over(period, now), figures)


@dataclass(frozen=True)
class Acted:
    """What approve_period / lock_period did: the logins acted on, and those left as they were."""

    done: tuple[str, ...]
    skipped: dict[str, str]

    @property
    def count(self) -> int:
        return len(self.done)


def approve_period(session: Session, book: SchemeBook, actor: Actor, period_text: str | None, now: datetime,
                   token: str | None) -> Acted:
    """Approve every draft of the period on its fresh figures, exactly as confirmed (``token``
    of ``review``)."""
    require(actor, HEADS, "approve statements")
    current = review(session, book, actor, period_text, APPROVE, now)
    _confirmed(current, token)
    for row in current.acting:
        statement = load(session, row.statement_id)
        store(session, statement, current.figures[row.login], now)
        statement.status, statement.approved_by, statement.approved_at = APPROVED, actor.login, now
    return Acted(tuple(row.login for row in current.acting),
                 {row.login: row.problem for row in current.rows if row.problem})


def lock_period(session: Session, book: SchemeBook, actor: Actor, period_text: str | None, now: datetime,
                token: str | None, early: str | None = None) -> Acted:
    """Lock every approved statement of an ended period (or, with ``early`` naming it, of a
    period not over yet) whose figures are still what the period computes to, exactly as
    confirmed (``token`` of ``review``)."""
    require(actor, HEADS, "lock statements")
    require_period_over(periods.parse(period_text), now, early)
    current = review(session, book, actor, period_text, LOCK, now)
    _confirmed(current, token)
    for row in current.acting:
        statement = load(session, row.statement_id)
        statement.status, statement.locked_at = LOCKED, now
    return Acted(tuple(row.login for row in current.acting),
                 {row.login: row.problem for row in current.rows if row.problem})


# ---------------------------------------------------------------- the token

def _confirmed(current: Review, token: str | None) -> None:
    """Nothing unless the token is the one of the current figures: ConfirmationNeeded without
    one, FiguresChanged naming what changed since it was made."""
    if not token:
        raise coded(ConfirmationNeeded, f"confirmation_needed_{current.action}", {"period": current.period.key},
                    {"action": current.action, "period": current.period.key})
    if token == current.token:
        return
    confirmed = _decode(token, current)
    now = {row.statement_id: row for row in current.rows}
    changes = []
    which = _WHICH[current.action]
    for statement_id, login, total, currency, fingerprint, acts in confirmed:
        row = now.pop(statement_id, None)
        if row is None:
            changes.append(change(login, current.period.key, _decimal(total), None, str(currency),
                                  f"no longer {which}"))
        elif row.fingerprint != fingerprint or row.acts != acts:
            changes.append(change(login, current.period.key, _decimal(total), row.fresh, row.currency,
                                  row.problem or "figures changed"))
    for row in now.values():
        changes.append(change(row.login, current.period.key, None, row.fresh, row.currency,
                              f"{which} not in the confirmation"))
    listed = "; ".join(f"{c['login']}: {_shown(c['old'], c['currency'])} → {_shown(c['new'], c['currency'])}"
                       f" ({c['why']})" for c in changes) or "the confirmation is for other figures"
    raise FiguresChanged(
        f"the figures of {current.period.key} changed since you confirmed them ({listed}); nothing was "
        f"{'approved' if current.action == APPROVE else 'locked'}: review the figures again",
        {"action": current.action, "period": current.period.key, "changes": changes})


def _decode(token: str, current: Review) -> list[list[Any]]:
    parts = token.split(".", 3)
    invalid = coded(ConfirmationNeeded, "confirmation_unreadable", {},
                    {"action": current.action, "period": current.period.key})
    if len(parts) != 4 or parts[0] != TOKEN_VERSION:
        raise invalid
    if parts[1] != current.action or parts[2] != current.period.key:
        raise coded(ConfirmationNeeded, "confirmation_other",
                    {"confirmed_action": parts[1], "confirmed_period": parts[2], "action": current.action,
                     "period": current.period.key},
                    {"action": current.action, "period": current.period.key})
    try:
        body = base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4))
        entries = json.loads(body)
    except (binascii.Error, ValueError):
        raise invalid from None
    if not isinstance(entries, list) or not all(isinstance(e, list) and len(e) == 6 for e in entries):
        raise invalid
    return entries


def _decimal(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text)) if text is not None else None
    except ArithmeticError:
        return None


def _shown(text: str | None, currency: str) -> str:
    return money_text(_decimal(text), currency).strip()
