"""Sales plans: per manager and per team, for a month ("2026-11") or a quarter ("2026-Q4"):
a revenue target, a target of won cycles and activity targets per work type.

The plan in force is the scenario "actual"; any other scenario is a named draft the head
tries in what-if. The head (HEADS) edits a period's plans as one grid; managers see their
own row, read-only; analysts see all, read-only.

A quarter's plan is the quarter's own row when there is one, else the sum of its months.
The revenue target is money, typed as people write amounts ("250000.50", "250 000,50";
engine.motivation.money) and kept rounded to 2 places, half up; the other targets are
whole numbers.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.motivation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.motivation.money import MAX_AMOUNT, AmountInvalid, amount_text, parse_amount
from engine.motivation.payout import Targets
from engine.motivation.read_models import PlanGrid, PlanRow
from engine.shared import periods
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import FieldProblems, Forbidden, InputInvalid
from engine.shared.notices import coded
from engine.shared.numbers import is_whole_number
from engine.shared.periods import Period
from storage.models import SalesPlan, User
from storage.repositories import accounts as accounts_repo
from storage.repositories import motivation as motivation_repo
from storage.repositories import organization as organization_repo
from storage.repositories import regulation as regulation_repo

ACTUAL = "actual"
MAX_REVENUE = MAX_AMOUNT  # Numeric(18, 2)
MAX_COUNT = 1_000_000
CURRENCY = "RUB"
REVENUE, WON = "revenue", "won"
_SCENARIO = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def scenario_name(raw: str | None) -> str:
    name = (raw or ACTUAL).strip().lower() or ACTUAL
    if not _SCENARIO.match(name):
        problems = FieldProblems()
        problems.add("scenario", "scenario_name", "is not a scenario name: lower-case letters, digits, '-' or '_', "
                     "at most 32")
        raise coded(InputInvalid, "plan_scenario_name", {"name": repr(raw)}, problems.details())
    return name


def managers(session: Session) -> list[User]:
    """The people plans and statements are for: active users with the manager role."""
    return [u for u in accounts_repo.users(session) if u.active and "manager" in u.role_set]


@dataclass
class Row:
    key: str  # "user:anna" or "team:3": the grid's field names start with it
    label: str
    login: str | None = None
    team_id: int | None = None
    values: dict[str, str] = field(default_factory=dict)  # column -> value as shown
    saved: bool = False


def columns(work_types: Sequence[str]) -> list[str]:
    return [REVENUE, WON, *(f"wt:{name}" for name in work_types)]


def cell(row_key: str, column: str) -> str:
    """A grid cell's field name: ``user:anna|revenue``, ``team:3|wt:call``."""
    return f"{row_key}|{column}"


def _values(plan: SalesPlan) -> dict[str, str]:
    shown = {REVENUE: _money_text(plan.revenue_target), WON: str(plan.won_target or 0)}
    shown.update({f"wt:{name}": str(count) for name, count in (plan.activity_targets or {}).items()})
    return shown


def _money_text(value: Decimal | None) -> str:
    return amount_text(value or Decimal(0))


def grid(session: Session, actor: Actor, period_text: str | None, scenario: str | None) -> PlanGrid:
    """The plan grid of a period and scenario as the actor may see it: rows (managers, then
    teams), columns (revenue, won, one per work type), values as text."""
    period = periods.parse(period_text)
    name = scenario_name(scenario)
    editable = actor.has_any(HEADS)
    people = managers(session)
    if not (editable or actor.reads_all):
        if name != ACTUAL:  # other scenarios are the head's drafts for what-if
            raise coded(Forbidden, "plan_scenario_forbidden", {"login": actor.login, "name": repr(name)})
        people = [u for u in people if u.login == actor.login]
    plans = list(motivation_repo.sales_plans(session, [period.key], name))
    copied = False
    if not plans and name != ACTUAL and editable:
        plans, copied = list(motivation_repo.sales_plans(session, [period.key], ACTUAL)), True  # a new draft starts from actual
    by_login = {p.login: p for p in plans if p.login}
    by_team = {p.team_id: p for p in plans if p.team_id is not None}
    rows = [Row(f"user:{u.login}", u.name, login=u.login) for u in people]
    if editable or actor.reads_all:
        rows += [Row(f"team:{t.id}", t.name, team_id=t.id) for t in organization_repo.teams(session)]
    for row in rows:
        plan = by_login.get(row.login) if row.login else by_team.get(row.team_id) if row.team_id is not None else None
        if plan is not None:
            row.values, row.saved = _values(plan), not copied
    catalogue = regulation_repo.work_types(session)
    work_types = [w.name for w in catalogue]
    named = {n for p in plans for n in (p.activity_targets or {})}
    work_types += sorted(named - set(work_types))
    scenarios = _scenarios(session, period) if editable or actor.reads_all else [ACTUAL]
    return PlanGrid(
        period=period, scenario=name, scenarios=tuple(scenarios),
        rows=tuple(PlanRow(r.key, r.label, r.login, r.team_id, dict(r.values), r.saved) for r in rows),
        columns=tuple(columns(work_types)), work_types=tuple(work_types), editable=editable,
        labels={w.name: w.label for w in catalogue}, copied_from_actual=copied, currency=CURRENCY)


def _scenarios(session: Session, period: Period) -> list[str]:
    found = list(motivation_repo.plan_scenarios(session, period.key))
    return [ACTUAL] + [s for s in found if s != ACTUAL]


def save_grid(session: Session, actor: Actor, period_text: str | None, scenario: str | None,
              values: Mapping[str, str], now: datetime) -> int:
    """Save a period's plan grid as one form: ``values`` by cell name (see ``cell``). Every cell
    is checked; when any is wrong nothing is saved and InputInvalid names each bad cell. A row
    left empty (or all zero) has no plan. Returns how many plans changed."""
    require(actor, HEADS, "edit sales plans")
    period = periods.parse(period_text)
    name = scenario_name(scenario)
    logins = {u.login for u in managers(session)}
    team_ids = {t.id for t in organization_repo.teams(session)}
    work_types = {w.name for w in regulation_repo.work_types(session)}
    wanted: dict[tuple[str | None, int | None], dict[str, Any]] = {}
    errors = FieldProblems()
    for key, raw in values.items():
        row_key, _, column = key.partition("|")
        owner = _owner(row_key, logins, team_ids)
        if owner is None:
            errors.add(key, "plan_row", "is not a manager or a team")
            continue
        target = wanted.setdefault(owner, {REVENUE: Decimal(0), WON: 0, "activities": {}})
        text = (raw or "").strip()
        if column == REVENUE:
            target[REVENUE] = _revenue(text, key, errors)
        elif column == WON:
            target[WON] = _count(text, key, errors)
        elif column.startswith("wt:") and column[3:] in work_types:
            count = _count(text, key, errors)
            if count:
                target["activities"][column[3:]] = count
        else:
            errors.add(key, "plan_column", "is not a column of the plan")
    if errors:
        errors.raise_if_any("the plans cannot be saved")
    existing = {(p.login, p.team_id): p for p in motivation_repo.sales_plans(session, [period.key], name)}
    changed = 0
    for owner, target in wanted.items():
        plan = existing.get(owner)
        empty = not target[REVENUE] and not target[WON] and not target["activities"]
        if empty:
            if plan is not None:
                session.delete(plan)
                changed += 1
            continue
        if plan is None:
            plan = SalesPlan(scenario=name, period=period.key, login=owner[0], team_id=owner[1], currency=CURRENCY)
            session.add(plan)
        elif (plan.revenue_target == target[REVENUE] and plan.won_target == target[WON]
              and (plan.activity_targets or {}) == target["activities"]):
            continue
        plan.revenue_target, plan.won_target = target[REVENUE], target[WON]
        plan.activity_targets = dict(sorted(target["activities"].items()))
        plan.updated_by, plan.updated_at = actor.login, now
        changed += 1
    session.flush()
    return changed


def _owner(row_key: str, logins: set[str], team_ids: set[int]) -> tuple[str | None, int | None] | None:
    kind, _, ident = row_key.partition(":")
    if kind == "user" and ident in logins:
        return ident, None
    if kind == "team" and ident.isdigit() and int(ident) in team_ids:
        return None, int(ident)
    return None


def _revenue(text: str, key: str, errors: FieldProblems) -> Decimal:
    """The revenue target as typed ("1 200 000", "250000.50", "250 000,50"; see
    engine.motivation.money), rounded to 2 places, half up."""
    if not text:
        return Decimal(0)
    try:
        return parse_amount(text)
    except AmountInvalid as exc:
        errors.add(key, exc.code, exc.message)
        return Decimal(0)


def _count(text: str, key: str, errors: FieldProblems) -> int:
    text = "".join(text.split())  # "1 000"
    if not text:
        return 0
    if not is_whole_number(text, 12):
        errors.add(key, "whole_number", "must be a whole number of zero or more")
        return 0
    if int(text) > MAX_COUNT:
        errors.add(key, "max", f"must be at most {MAX_COUNT}", limit=MAX_COUNT)
        return 0
    return int(text)


def targets(session: Session, logins: Sequence[str], period: Period, scenario: str = ACTUAL) -> dict[str, Targets]:
    """Each login's targets for the period (a quarter without its own plan: its months summed)."""
    keys = [period.key] + ([m.key for m in period.months()] if period.kind == "quarter" else [])
    plans = [p for p in motivation_repo.sales_plans(session, keys, scenario) if p.login in set(logins)]
    found: dict[str, Targets] = {}
    own = {p.login: p for p in plans if p.period == period.key}
    for login in logins:
        if login in own:
            found[login] = _targets(own[login], scenario)
            continue
        months = [p for p in plans if p.login == login and p.period != period.key]
        if months:
            found[login] = _sum(months, scenario)
    return found


def _targets(plan: SalesPlan, scenario: str) -> Targets:
    return Targets(revenue=plan.revenue_target or Decimal(0), won=plan.won_target or 0,
                   activities={k: int(v) for k, v in (plan.activity_targets or {}).items()},
                   currency=plan.currency, scenario=scenario)


def _sum(plans: Sequence[SalesPlan], scenario: str) -> Targets:
    activities: dict[str, int] = {}
    for plan in plans:
        for name, count in (plan.activity_targets or {}).items():
            activities[name] = activities.get(name, 0) + int(count)
    currencies = {p.currency for p in plans}
    if len(currencies) > 1:
        raise coded(InputInvalid, "plan_currencies",
                    {"login": plans[0].login, "currencies": ", ".join(sorted(currencies))})
    return Targets(revenue=sum((p.revenue_target or Decimal(0) for p in plans), Decimal(0)),
                   won=sum(p.won_target or 0 for p in plans), activities=activities,
                   currency=currencies.pop(), scenario=scenario)


def own_plan(session: Session, actor: Actor, period: Period) -> Targets | None:
    """The actor's own plan in force for the period."""
    return targets(session, [actor.login], period).get(actor.login)
