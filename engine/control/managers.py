"""Managers side by side: conversion with its uncertainty, cycle time, activity by work type,
on-time share, plan attainment, forgotten clients. Never a bare league table: small numbers are
shown with their 95 % Wilson interval and pulled toward the department's rate.

- conversion = won / decided (won + lost) of the cycles the manager was credited with, decided
  in the period; the interval is Wilson's score interval at 95 %;
- shrunk conversion = (won + K x department rate) / (decided + K), K = 10: a manager with three
  decided cycles is mostly the department, one with three hundred mostly himself;
- cycle time = median days from start to end of the cycles decided in the period;
- activity = the manager's rows of the done-work log done in the period, per work type, against
  the activity targets of his plan; on time = done by the deadline they had.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.control import dashboard as dashboard_rules
from engine.control import error_texts  # noqa: F401  (registers the codes raised here)
from engine.control import norms as norm_rules
from engine.control.durations import percentile
from engine.control.filters import Filters, scope
from engine.shared.access import Actor
from engine.shared.errors import Forbidden
from engine.shared.notices import coded
from storage.repositories import analytics as analytics_repo
from storage.repositories import analytics_durations as durations_repo

PRIOR = 10
Z95 = 1.959964
DEFINITION = (
    "Per manager, the cycles credited to him decided (won or lost) in the period: conversion = won / decided with "
    "its 95 % Wilson interval, and shrunk toward the department's rate with the weight of 10 cycles "
    "((won + 10 x department rate) / (decided + 10)); cycle time = median days from start to end of those cycles; "
    "activity = his done work in the period per work type against the activity targets of his plan; on time = "
    "the share of it done by its deadline; attainment = won amount / revenue plan.")


@dataclass(frozen=True)
class ManagersPeriod(dashboard_rules.Renamed):
    """The period's first day (ISO) and the plan period it is (None when it is none)."""

    first: str
    plan_period: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.first, "plan_period": self.plan_period}


@dataclass(frozen=True)
class ManagerRow:
    """One manager side by side with the others: shares are 0-1 (None without a decided cycle),
    ``interval`` the 95 % Wilson interval of the conversion, amounts Decimal, ``activity`` and
    ``targets`` done work and plan targets per work type."""

    login: str
    name: str
    won: int
    lost: int
    decided: int
    conversion: float | None
    interval: tuple[float, float] | None
    shrunk: float | None
    cycle_days_p50: float | None
    won_amount: Decimal
    activity: Mapping[str, int]
    on_time_share: float | None
    forgotten: int
    plan: Decimal | None = None
    attainment: Decimal | None = None
    targets: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Managers:
    definition: str
    filters: dict[str, str]
    period: ManagersPeriod
    department_conversion: float | None
    prior_weight: int
    managers: tuple[ManagerRow, ...]
    work_types: tuple[str, ...]


def wilson(won: int, decided: int) -> tuple[float, float] | None:
    """The 95 % Wilson score interval of won / decided."""
    if decided == 0:
        return None
    p = won / decided
    denominator = 1 + Z95 ** 2 / decided
    centre = (p + Z95 ** 2 / (2 * decided)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / decided + Z95 ** 2 / (4 * decided ** 2)) / denominator
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


def shrunk(won: int, decided: int, rate: float | None) -> float | None:
    if rate is None:
        return None
    return round((won + PRIOR * rate) / (decided + PRIOR), 4)


def managers(session: Session, actor: Actor, filters: Filters, person_figures: bool, now: datetime) -> Managers:
    """One row per manager with a decided cycle, open work or done work in the period.
    ``plan`` and ``activity_targets`` are filled in by with_plans (the platform reads the plans)."""
    if not person_figures:
        raise coded(Forbidden, "figures_person_off_setting", {})
    cycles = scope(session, actor, filters, person_figures)
    span = dashboard_rules.window(filters, now)
    start, end = span.bounds
    lives: dict[int | None, dict[str, Any]] = {}
    for row in durations_repo.cycle_lives(session, cycles, start, end):
        if row.status not in ("won", "lost") or row.ended_at is None or not start <= row.ended_at < end:
            continue
        r = lives.setdefault(row.manager_id, {"won": 0, "lost": 0, "days": []})
        r[row.status] += 1
        r["days"].append((row.ended_at - row.started_at).total_seconds() / 86400)
    amounts: dict[int | None, Decimal] = {}
    for m, status, _, v in analytics_repo.decided_by_manager(session, cycles, start, end):
        if status == "won":
            amounts[m] = amounts.get(m, Decimal("0.00")) + v
    people = analytics_repo.people(session, [m for m in lives if m is not None])
    if filters.manager is None and actor.reads_all:
        logins = sorted({login for login, _ in people.values()} | set(_manager_logins(session)))
    else:
        logins = [filters.manager or actor.login]
    ids = analytics_repo.logins_to_ids(session, logins)
    names = dict(analytics_repo.people(session, list(ids.values())).values())
    work: dict[str, dict[str, Any]] = {}
    for login, work_type, done, with_due, on_time in durations_repo.work_done_by_login(session, logins, start, end):
        w = work.setdefault(login, {"activity": {}, "with_due": 0, "on_time": 0})
        w["activity"][work_type or ""] = int(done)
        w["with_due"] += int(with_due or 0)
        w["on_time"] += int(on_time or 0)
    forgotten = norm_rules.forgotten_by_owner(session, actor, filters, now)
    won_all = sum(r["won"] for r in lives.values())
    decided_all = won_all + sum(r["lost"] for r in lives.values())
    rate = round(won_all / decided_all, 4) if decided_all else None
    rows = []
    for login in logins:
        manager_id = ids.get(login)
        life = lives.get(manager_id, {"won": 0, "lost": 0, "days": []})
        w = work.get(login, {"activity": {}, "with_due": 0, "on_time": 0})
        decided = life["won"] + life["lost"]
        median = percentile(life["days"], 0.5)
        rows.append(ManagerRow(
            login, names.get(login, login), life["won"], life["lost"], decided,
            round(life["won"] / decided, 4) if decided else None, wilson(life["won"], decided),
            shrunk(life["won"], decided, rate), round(median, 1) if median is not None else None,
            amounts.get(manager_id, Decimal("0.00")), w["activity"],
            round(w["on_time"] / w["with_due"], 4) if w["with_due"] else None, forgotten.get(login, 0)))
    return Managers(DEFINITION, filters.as_args(), ManagersPeriod(span.first.isoformat(), span.plan_period), rate, PRIOR,
                    tuple(rows), tuple(sorted({k for r in rows for k in r.activity})))


def _manager_logins(session: Session) -> list[str]:
    from storage.repositories import accounts as accounts_repo

    return [u.login for u in accounts_repo.users(session) if u.active and "manager" in u.role_set]


def with_plans(result: Managers, revenue: Mapping[str, Decimal], activities: Mapping[str, Mapping[str, int]]
               ) -> Managers:
    """The managers with each one's revenue plan, attainment and activity targets."""
    rows = tuple(replace(r, plan=revenue.get(r.login), attainment=dashboard_rules.percent(r.won_amount, revenue.get(r.login)),
                         targets=dict(activities.get(r.login, {}))) for r in result.managers)
    work_types = sorted(set(result.work_types) | {k for r in rows for k in r.targets})
    return replace(result, managers=rows, work_types=tuple(work_types))
