"""What-if: a period paid under another scheme version and/or a draft plan scenario.

Per manager, side by side: the real statement's total (the stored statement; where none is
stored yet, the period computed now with the scheme in force, marked "not stored") and the
total the alternative would give, with the difference. Nothing is stored: it runs in a
read-only unit of work and never touches a statement.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.motivation import plans
from engine.motivation.statements import Figures, SchemeBook, evaluate
from engine.shared import periods
from engine.shared.access import HEADS, Actor, require
from storage.repositories import motivation as motivation_repo


@dataclass(frozen=True)
class Row:
    login: str
    name: str
    real: Decimal | None
    real_status: str  # draft, approved, locked, or "live" (not stored)
    real_rate: str | None
    whatif: Decimal | None
    whatif_rate: str | None
    whatif_attainment: str | None
    problem: str | None = None

    @property
    def difference(self) -> Decimal | None:
        if self.real is None or self.whatif is None:
            return None
        return self.whatif - self.real


def compare(session: Session, book: SchemeBook, actor: Actor, period_text: str | None,
            scheme_id: int | None, scenario: str | None) -> dict[str, Any]:
    require(actor, HEADS, "run what-if")
    period = periods.parse(period_text)
    scenario_name = plans.scenario_name(scenario)
    people = plans.managers(session)
    alternative = book.version(session, scheme_id) if scheme_id else None
    stored = {s.login: s for s in motivation_repo.statements(session, [period.key], [u.login for u in people])}
    missing = [u for u in people if u.login not in stored]
    live = evaluate(session, book, period, missing) if missing else {}
    whatif = evaluate(session, book, period, people, scenario_name, terms=alternative)
    rows = []
    for user in people:
        statement = stored.get(user.login)
        alt = whatif[user.login]
        if statement is not None:
            real, status = statement.total, statement.status
            real_rate = ((statement.indicators or {}).get("rate") or {}).get("value")
        else:
            now = live[user.login]
            real, status = (now.payout.total if now.payout else None), "live"
            real_rate = str(now.payout.rate.value) if now.payout else None
        rows.append(Row(user.login, user.name, real, status, real_rate,
                        alt.payout.total if alt.payout else None, _rate(alt), _attainment(alt), alt.problem))
    real_total = sum((r.real for r in rows if r.real is not None), Decimal("0.00"))
    whatif_total = sum((r.whatif for r in rows if r.whatif is not None), Decimal("0.00"))
    return {"period": period, "scenario": scenario_name, "scheme": alternative.label if alternative else None,
            "rows": rows, "real_total": real_total, "whatif_total": whatif_total,
            "difference": whatif_total - real_total}


def _rate(fig: Figures) -> str | None:
    return str(fig.payout.rate.value) if fig.payout else None


def _attainment(fig: Figures) -> str | None:
    return str(fig.payout.attainment) if fig.payout and fig.payout.attainment is not None else None
