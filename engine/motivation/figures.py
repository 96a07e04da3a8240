"""A manager's payout for a period computed from the figures as they are now, stored nowhere:
what statements store, what "earned so far" and what-if show. And the fingerprint of a
payout's money (currency, scheme, each line's key and amount), by which a stored statement
is compared with a fresh computation and a head's confirmation with what is acted on."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.orm import Session

from engine.motivation import indicators, plans
from engine.motivation.indicators import Indicators, decimal_text
from engine.motivation.money import CENT, PayoutError
from engine.motivation.payout import OriginalRates, Payout, Targets, Terms, calculate
from engine.shared import periods
from engine.shared.periods import Period
from storage.models import Statement, User
from storage.repositories import motivation as motivation_repo


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
             scenario: str = plans.ACTUAL, terms: Terms | None = None, tolerant: bool = False) -> dict[str, Figures]:
    """Compute (store nothing) each person's payout for the period: with the plan scenario and
    the scheme in force, or with the given terms (what-if). A bounded number of queries, plus
    the scheme lookups. A scheme that cannot pay (a table with no matching rule, two rules
    matching) raises PayoutError; ``tolerant``: that person's Figures say so in ``problem``
    instead, and the others are computed."""
    owners = {u.login: u.id for u in people}
    if not owners:
        return {}
    locked: dict[str, dict[str, datetime | None]] = {}
    for row in motivation_repo.locked_statement_periods(session, list(owners)):
        locked.setdefault(row.login, {})[row.period] = row.locked_at
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
        try:
            paid = calculate(ind, plan, chosen, rates.get(user.login, {}))
        except PayoutError as exc:
            if not tolerant:
                raise
            out[user.login] = Figures(user.login, user.name, period, ind, plan, chosen, None, exc.message)
            continue
        out[user.login] = Figures(user.login, user.name, period, ind, plan, chosen, paid)
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
    found: dict[str, OriginalRates] = {}
    logins = sorted({login for login, _ in wanted})
    for statement in motivation_repo.statements(session, sorted({key for _, key in wanted}), logins):
        cycles = wanted.get((statement.login, statement.period))
        if not cycles:
            continue
        for line in statement.lines:
            if line.kind != "commission" or line.rate is None:
                continue
            paid = {c.get("id") for c in (line.explanation or {}).get("cycles", [])}
            paid |= {p.get("cycle_id") for p in (line.explanation or {}).get("payments", [])}
            rates = dict(found.get(statement.login, {}))
            for cycle_id in cycles & paid:
                rates[cycle_id] = (Decimal(str(line.rate)),
                                   f"statement {statement.period} #{statement.id} ({statement.status})")
            found[statement.login] = rates
    return found


# ---------------------------------------------------------------- fingerprints

def fingerprint(currency: str, scheme_id: int | None, lines: Iterable[tuple[str | None, Decimal]]) -> str:
    """The money of a payout in 16 hex digits: the same for the same currency, scheme version
    and lines (key and amount, in order)."""
    body = json.dumps([currency, scheme_id, [[key, f"{Decimal(amount).quantize(CENT):f}"] for key, amount in lines]],
                      separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def figures_fingerprint(fig: Figures) -> str | None:
    """The fingerprint of a fresh computation; None when it pays nothing (``problem``)."""
    if fig.payout is None or fig.terms is None:
        return None
    return fingerprint(fig.payout.currency, fig.terms.scheme_id, ((line.key, line.amount) for line in fig.payout.lines))


def statement_fingerprint(statement: Statement) -> str:
    """The fingerprint of what a statement stores."""
    return fingerprint(statement.currency, statement.scheme_id,
                       (((line.explanation or {}).get("key"), line.amount) for line in statement.lines))
