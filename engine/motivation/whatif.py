"""What-if: a period paid under another scheme version and/or a draft plan scenario.

Per manager, side by side: the **real** total — the period computed now from the current
figures with the scheme in force and the plan in force (never a stored statement, which may
have been computed before later sales: the difference would mix the scheme change with
everything that happened since) — and the total the alternative gives on the same figures,
with the difference, which is therefore only the scheme or plan change. The stored
statement, if any, is shown for reference (status, total, and whether it still agrees).

Nothing is stored: it runs in a read-only unit of work and never touches a statement. A
table that cannot pay (no rule matches, two rules match) does not stop the comparison: the
managers it fails for carry the problem, and ``problems`` lists it once per table.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from engine.motivation import plans
from engine.motivation.figures import Figures, SchemeBook, evaluate, figures_fingerprint, statement_fingerprint
from engine.motivation.read_models import WhatIfProblem
from engine.shared import periods
from engine.shared.access import HEADS, Actor, require
from engine.shared.periods import Period
from storage.repositories import motivation as motivation_repo


@dataclass(frozen=True)
class Row:
    login: str
    name: str
    real: Decimal | None  # computed now, scheme and plan in force
    real_rate: str | None
    whatif: Decimal | None
    whatif_rate: str | None
    whatif_attainment: str | None
    problem: str | None = None  # why there is no what-if total
    real_problem: str | None = None  # why there is no real total
    statement_status: str | None = None  # draft, approved, locked; None: no statement stored
    statement_total: Decimal | None = None
    statement_agrees: bool | None = None  # the stored statement equals the real computation

    @property
    def difference(self) -> Decimal | None:
        if self.real is None or self.whatif is None:
            return None
        return self.whatif - self.real


@dataclass(frozen=True)
class WhatIf:
    """Each manager's total with the scheme and plan scenario tried beside the total in force,
    both computed now from the same data (stored nowhere)."""

    period: Period
    scenario: str
    scheme: str | None  # the label of the version tried; None: the one in force
    rows: tuple[Row, ...]
    real_total: Decimal
    whatif_total: Decimal
    difference: Decimal
    problems: tuple[WhatIfProblem, ...]


def compare(session: Session, book: SchemeBook, actor: Actor, period_text: str | None,
            scheme_id: int | None, scenario: str | None) -> WhatIf:
    require(actor, HEADS, "run what-if")
    period = periods.parse(period_text)
    scenario_name = plans.scenario_name(scenario)
    people = plans.managers(session)
    alternative = book.version(session, scheme_id) if scheme_id else None
    stored = {s.login: s for s in motivation_repo.statements(session, [period.key], [u.login for u in people])}
    real = evaluate(session, book, period, people, tolerant=True)
    whatif = evaluate(session, book, period, people, scenario_name, terms=alternative, tolerant=True)
    rows = []
    for user in people:
        now, alt, statement = real[user.login], whatif[user.login], stored.get(user.login)
        rows.append(Row(
            user.login, user.name, _total(now), _rate(now), _total(alt), _rate(alt), _attainment(alt),
            problem=alt.problem, real_problem=now.problem,
            statement_status=statement.status if statement is not None else None,
            statement_total=statement.total if statement is not None else None,
            statement_agrees=(figures_fingerprint(now) == statement_fingerprint(statement)
                              if statement is not None else None)))
    real_total = sum((r.real for r in rows if r.real is not None), Decimal("0.00"))
    whatif_total = sum((r.whatif for r in rows if r.whatif is not None), Decimal("0.00"))
    compared = [r for r in rows if r.difference is not None]
    return WhatIf(period=period, scenario=scenario_name, scheme=alternative.label if alternative else None,
                  rows=tuple(rows), real_total=real_total, whatif_total=whatif_total,
                  difference=sum((r.difference for r in compared if r.difference is not None), Decimal("0.00")),
                  problems=_problems(rows))


def _total(fig: Figures) -> Decimal | None:
    return fig.payout.total if fig.payout is not None else None


def _rate(fig: Figures) -> str | None:
    return str(fig.payout.rate.value) if fig.payout else None


def _attainment(fig: Figures) -> str | None:
    return str(fig.payout.attainment) if fig.payout and fig.payout.attainment is not None else None


def _problems(rows: list[Row]) -> tuple[WhatIfProblem, ...]:
    """Each distinct problem once, with the managers it stops (what-if side, then real side)."""
    found: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        for side, problem in (("whatif", row.problem), ("real", row.real_problem)):
            if problem and not problem.startswith("no motivation scheme is in force"):
                found.setdefault((side, problem), []).append(row.login)
    return tuple(WhatIfProblem(side, problem, tuple(logins)) for (side, problem), logins in found.items())
