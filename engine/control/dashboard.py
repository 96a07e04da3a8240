"""The head's dashboard: per manager and for the department, with one stated definition each.

The period is the filters' from..to (UTC dates, both included), else the current calendar month.
The plan is read by the platform (engine.platform.control composes it with motivation's plans,
a peer this package never imports) and given here as revenue targets per login.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.control import error_texts  # noqa: F401  (registers the codes raised here)
from engine.control import norms as norm_rules
from engine.control.filters import Filters, scope
from engine.shared import periods
from engine.shared.access import Actor
from engine.shared.errors import InputInvalid
from engine.shared.notices import coded
from storage.repositories import analytics as analytics_repo
from storage.repositories.control import OPEN_STATUSES

DEFINITIONS = {
    "open": "Cycles running now (or in an incident), with the sum of their cycle variable amount.",
    "won": "Cycles won in the period (ended won between from and to), with the sum of their amount.",
    "lost": "Cycles lost in the period (ended lost between from and to).",
    "plan": "The revenue target of the sales plan of the month or quarter the period is (motivation plans); "
            "no plan is shown for a period that is not one calendar month or quarter.",
    "attainment": "Won amount divided by the revenue plan, in per cent (rounded half up to a tenth).",
    "run_rate": "Won amount divided by the days of the period gone so far, times the days of the period: "
                "where the period ends at this pace.",
    "overdue": "Open tasks past their due time now, by assignee (group queue: not claimed by anyone).",
    "forgotten": "Clients in an active cycle past their contact norm now (see Forgotten).",
    "incidents": "Cycles stopped in an incident now (a failing expression or timer), waiting for a retry.",
    "pipeline": "Open cycles by the stage they are at now, with the sum of their amount.",
    "manager": "A cycle's manager is the person it was credited to when it was decided, else its client's owner now.",
}
#: the most cycles a drill-down lists
DRILL_LIMIT = 1000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Window:
    """The dashboard's period: [first, end) as dates, and the plan period it is, if any."""

    first: date
    end: date
    plan_period: str | None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return datetime.combine(self.first, time(), UTC), datetime.combine(self.end, time(), UTC)


class Renamed:
    """A read model whose JSON names are not its fields' (``from`` cannot be a field): jsonable
    gives its ``as_dict()``."""

    def as_dict(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class Period(Renamed):
    """The dashboard's period as UTC dates (ISO), the plan period it is (a month or quarter key,
    else None), its days and the days of it gone by now."""

    first: str
    last: str
    plan_period: str | None
    days: int = 0
    days_gone: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.first, "to": self.last, "plan_period": self.plan_period, "days": self.days,
                "days_gone": self.days_gone}


@dataclass(frozen=True)
class ManagerFigures:
    """One manager's row (login None: cycles and work nobody manages); amounts are Decimal."""

    login: str | None
    name: str
    open: int = 0
    open_amount: Decimal = Decimal(0)
    won: int = 0
    won_amount: Decimal = Decimal(0)
    lost: int = 0
    overdue: int = 0
    forgotten: int = 0
    incidents: int = 0
    plan: Decimal | None = None
    attainment: Decimal | None = None
    manager_id: int | None = None


@dataclass(frozen=True)
class DepartmentFigures:
    """The department's row: the managers' figures summed, with the plan's run rate."""

    login: None
    name: str
    open: int
    open_amount: Decimal
    won: int
    won_amount: Decimal
    lost: int
    overdue: int
    forgotten: int
    incidents: int
    plan: Decimal | None = None
    attainment: Decimal | None = None
    run_rate: Decimal | None = None


@dataclass(frozen=True)
class PipelineStage:
    """Open cycles at a stage now (None: at no stage), with the sum of their amount."""

    stage: str | None
    open: int
    amount: Decimal


@dataclass(frozen=True)
class Dashboard:
    definitions: Mapping[str, str]
    filters: dict[str, str]
    period: Period
    managers: tuple[ManagerFigures, ...]
    department: DepartmentFigures
    pipeline: tuple[PipelineStage, ...]
    person_figures: bool


@dataclass(frozen=True)
class DashboardCycle:
    """A cycle behind a dashboard figure; times are ISO strings, the amount a decimal string."""

    cycle_id: int
    client_id: int
    client_name: str
    regulation: str
    version: int
    stage: str | None
    status: str
    entered_at: str
    started_at: str
    ended_at: str | None
    amount: str | None


@dataclass(frozen=True)
class DashboardCycles:
    """The cycles behind one dashboard figure (``manager``: a login, ``-`` for nobody, None for all)."""

    figure: str
    part: str
    stage: str | None
    manager: str | None
    definition: str
    filters: dict[str, str]
    cycles: tuple[DashboardCycle, ...]
    truncated: bool


#: a row's counted figures, summed into the department's
COUNTED = ("open", "open_amount", "won", "won_amount", "lost", "overdue", "forgotten", "incidents")


def window(filters: Filters, now: datetime) -> Window:
    """The filters' period, else the calendar month of ``now``."""
    if filters.start is None and filters.end is None:
        month = periods.of(now, "month")
        return Window(month.first, month.end, month.key)
    first = filters.start or date(2000, 1, 1)
    end = (filters.end or now.date()) + timedelta(days=1)
    if end <= first:
        raise coded(InputInvalid, "figure_period_empty", {}, {"fields": {"to": "must not be before from"}})
    plan = None
    for kind in ("month", "quarter"):
        found = periods.containing(first, kind)
        if found.first == first and found.end == end:
            plan = found.key
    return Window(first, end, plan)


def _row(login: str | None, name: str) -> dict[str, Any]:
    return {"login": login, "name": name, "open": 0, "open_amount": Decimal(0), "won": 0, "won_amount": Decimal(0),
            "lost": 0, "overdue": 0, "forgotten": 0, "incidents": 0, "plan": None, "attainment": None}


def dashboard(session: Session, actor: Actor, filters: Filters, person_figures: bool, now: datetime) -> Dashboard:
    """Every figure of the dashboard (amounts as Decimal), per manager and for the department;
    the plan is filled in by with_plans."""
    cycles = scope(session, actor, filters, person_figures)
    span = window(filters, now)
    start, end = span.bounds
    pipeline: dict[str | None, list[Any]] = {}
    rows: dict[int | None, dict[str, Any]] = {}

    def row(manager_id: int | None) -> dict[str, Any]:
        return rows.setdefault(manager_id, _row(None, ""))

    for manager_id, stage, count, value in analytics_repo.open_by_manager_stage(session, cycles):
        r = row(manager_id)
        r["open"] += count
        r["open_amount"] += value
        p = pipeline.setdefault(stage, [0, Decimal(0)])
        p[0] += count
        p[1] += value
    for manager_id, status, count, value in analytics_repo.decided_by_manager(session, cycles, start, end):
        r = row(manager_id)
        r[status] += count
        if status == "won":
            r["won_amount"] += value
    for manager_id, count in analytics_repo.incidents_by_manager(session, cycles):
        row(manager_id)["incidents"] += count
    names = analytics_repo.people(session, [i for i in rows if i is not None])
    by_login: dict[str | None, dict[str, Any]] = {}
    for manager_id, r in rows.items():
        login, name = names.get(manager_id, (None, "")) if manager_id is not None else (None, "")
        r["login"], r["name"], r["manager_id"] = login, name, manager_id
        by_login[login] = r
    for login, count in analytics_repo.overdue_by_assignee(session, cycles, now):
        target = by_login.get(login)
        if target is None:
            target = by_login[login] = _row(login, "")
            target["manager_id"] = None
        target["overdue"] += count
    forgotten = norm_rules.forgotten_by_owner(session, actor, filters, now)
    for login, count in forgotten.items():
        target = by_login.get(login)
        if target is None:
            target = by_login[login] = _row(login, "")
            target["manager_id"] = None
        target["forgotten"] += count
    missing = [str(login) for login, r in by_login.items() if login and not r["name"]]
    if missing:
        ids = analytics_repo.logins_to_ids(session, missing)
        found = {v[0]: v[1] for v in analytics_repo.people(session, list(ids.values())).values()}
        for login in missing:
            by_login[login]["name"] = found.get(login, login)
    if actor.reads_all and filters.manager is None and filters.team is None:
        for login, name in analytics_repo.active_managers(session):  # everyone, with noughts
            if login not in by_login:
                by_login[login] = dict(_row(login, name), manager_id=None)
    managers = sorted(by_login.values(), key=lambda r: (r["login"] is None, r["name"] or "", r["login"] or ""))
    if not person_figures:
        managers = []
    total = _row(None, "")
    for r in by_login.values():
        for key in COUNTED:
            total[key] += r[key]
    order: list[str | None] = [stage for stage in _stage_order(session) if stage in pipeline]
    order += sorted((s for s in pipeline if s not in order), key=lambda s: (s is None, s or ""))
    return Dashboard(
        DEFINITIONS, filters.as_args(),
        Period(span.first.isoformat(), (span.end - timedelta(days=1)).isoformat(), span.plan_period),
        tuple(ManagerFigures(r["login"], r["name"], manager_id=r["manager_id"], **{k: r[k] for k in COUNTED})
              for r in managers),
        DepartmentFigures(None, "", **{k: total[k] for k in COUNTED}),
        tuple(PipelineStage(s, pipeline[s][0], pipeline[s][1]) for s in order), person_figures)


def _stage_order(session: Session) -> list[str]:
    from storage.repositories import control as control_repo

    ordered: dict[str, None] = {}
    for _, _, _, stages in control_repo.version_stages(session):
        for stage in stages:
            ordered.setdefault(str(stage), None)
    return list(ordered)


def with_plans(result: Dashboard, revenue: Mapping[str, Decimal], names: Mapping[str, str],
               now: datetime) -> Dashboard:
    """The dashboard with the revenue plan, attainment and run rate (``revenue``: plan per login of
    the managers counted; ``names``: their names). The department's plan is the sum of those plans;
    a manager with a plan and no figure yet gets a row of noughts."""
    first = date.fromisoformat(result.period.first)
    last = date.fromisoformat(result.period.last)
    days = (last - first).days + 1
    gone = max(0, min(days, (now.date() - first).days + 1))
    planned = result.period.plan_period is not None
    managers = list(result.managers)
    if result.person_figures and planned:
        shown = {r.login for r in managers}
        extra = [ManagerFigures(login, names.get(login, login)) for login in revenue if login not in shown]
        managers = sorted(managers + extra, key=lambda r: (r.login is None, r.name or "", r.login or ""))
    planned_rows = []
    for r in managers:
        plan = revenue.get(r.login or "") if planned else None
        planned_rows.append(replace(r, plan=plan, attainment=percent(r.won_amount, plan)))
    dept = result.department
    dept_plan = sum(revenue.values(), Decimal(0)) if planned and revenue else None
    dept = replace(dept, plan=dept_plan, attainment=percent(dept.won_amount, dept_plan),
                   run_rate=(dept.won_amount * days / gone).quantize(CENT, ROUND_HALF_UP) if gone else None)
    return replace(result, managers=tuple(planned_rows), department=dept,
                   period=replace(result.period, days=days, days_gone=gone))


def percent(part: Decimal, whole: Decimal | None) -> Decimal | None:
    if whole is None or whole == 0:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def drill(session: Session, actor: Actor, filters: Filters, person_figures: bool, now: datetime,
          part: str | None, stage: str | None, manager: str | None) -> DashboardCycles:
    """The cycles behind a dashboard figure: part open (optionally at a stage), won or lost (in the
    period), for one manager (login; ``-`` for cycles nobody manages) or all."""
    statuses = {"open": OPEN_STATUSES, "won": ("won",), "lost": ("lost",), "incidents": ("incident",)}
    if part not in statuses:
        raise coded(InputInvalid, "figure_part", {"parts": ", ".join(statuses)}, {"fields": {"part": "is not a dashboard figure"}})
    cycles = scope(session, actor, filters, person_figures)
    manager_id = None
    if manager:
        if not person_figures:
            raise coded(InputInvalid, "figures_person_off", {}, {"fields": {"manager": "is switched off"}})
        if manager == "-":
            manager_id = 0
        else:
            manager_id = analytics_repo.logins_to_ids(session, [manager]).get(manager)
            if manager_id is None:
                raise coded(InputInvalid, "figure_user_unknown", {"login": repr(manager)}, {"fields": {"manager": "is not a user"}})
    start, end = window(filters, now).bounds if part in ("won", "lost") else (None, None)
    rows = analytics_repo.dashboard_cycles(session, cycles, statuses[part], start, end, stage, manager_id,
                                           DRILL_LIMIT + 1)
    return DashboardCycles("dashboard", part, stage, manager, DEFINITIONS["incidents" if part == "incidents" else part],
                           filters.as_args(), tuple(dashboard_cycle(r) for r in rows[:DRILL_LIMIT]),
                           len(rows) > DRILL_LIMIT)


def dashboard_cycle(r: Any) -> DashboardCycle:
    return DashboardCycle(r.cycle_id, r.client_id, r.client_name, r.regulation, r.version, r.stage, r.status,
                          r.entered_at.isoformat(), r.started_at.isoformat(),
                          r.ended_at.isoformat() if r.ended_at else None,
                          str(r.amount) if r.amount is not None else None)


def jsonable(value: Any) -> Any:
    """Decimals as strings (exact), read models (frozen dataclasses) as objects (by their
    ``as_dict()`` when a field's name cannot be the JSON's, e.g. Period's ``from``), the rest as it is."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Renamed):
        return jsonable(value.as_dict())
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
