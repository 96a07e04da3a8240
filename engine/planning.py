"""Planning: planned dates on tasks, a manager's plan, the head's view of every plan.

Days and weeks are counted in UTC for now (per-user time zones are still to come).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from engine import cycles
from engine.access import HEADS, Actor, may_act_on_task, require
from engine.errors import Forbidden, InputInvalid
from storage import repositories as repo
from storage.models import OpenTask

SECTIONS = ("overdue", "today", "week", "later", "unplanned")


def plan_task(session: Session, ctx: cycles.Context, actor: Actor, task_id: str,
              planned_at: datetime | None) -> OpenTask:
    """Set (or clear) when the responsible person plans to do an open task."""
    task, cycle, _ = cycles._lock(session, task_id)
    if not may_act_on_task(actor, task.assignee, task.candidate_groups):
        raise Forbidden(cycles._not_yours(task))
    if planned_at is not None:
        if planned_at.tzinfo is None:
            raise InputInvalid("the planned time needs a time zone")
        if planned_at < ctx.now() - timedelta(days=366) or planned_at > ctx.now() + timedelta(days=3 * 366):
            raise InputInvalid("plan within three years from now", {"fields": {"planned_at": "is out of range"}})
    task.planned_at = planned_at
    rec = cycles._Recorder(session, cycle, actor.login, ctx.now())
    rec.add("planned", task, {"planned_at": planned_at.isoformat() if planned_at else None})
    rec.write()
    return task


def _when(task: OpenTask) -> datetime | None:
    return task.planned_at or task.due_at


def _start_of_day(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Week:
    days: tuple[datetime, ...]

    @classmethod
    def of(cls, now: datetime) -> "Week":
        monday = _start_of_day(now) - timedelta(days=now.astimezone(timezone.utc).weekday())
        return cls(tuple(monday + timedelta(days=i) for i in range(7)))

    @property
    def end(self) -> datetime:
        return self.days[-1] + timedelta(days=1)


def section(task: OpenTask, now: datetime) -> str:
    if task.due_at is not None and task.due_at < now:
        return "overdue"
    when = _when(task)
    if when is None:
        return "unplanned"
    today = _start_of_day(now)
    if when < today + timedelta(days=1):
        return "today"
    if when < Week.of(now).end:
        return "week"
    return "later"


def my_plan(session: Session, ctx: cycles.Context, actor: Actor) -> dict[str, list[OpenTask]]:
    """The actor's open tasks by section: overdue first, then today, this week, later, unplanned."""
    now = ctx.now()
    plan: dict[str, list[OpenTask]] = {name: [] for name in SECTIONS}
    for task in repo.assigned_open_tasks(session, [actor.login]):
        plan[section(task, now)].append(task)
    far = datetime.max.replace(tzinfo=timezone.utc)
    for tasks in plan.values():
        tasks.sort(key=lambda t: (_when(t) or far, t.created_at))
    return plan


def plans_overview(session: Session, ctx: cycles.Context, actor: Actor) -> dict[str, Any]:
    """Every manager's week side by side: work per day, overdue, open in all (the head's view)."""
    require(actor, HEADS, "see every manager's plan")
    now = ctx.now()
    week = Week.of(now)
    managers = [u for u in repo.users(session) if "manager" in u.role_set and u.active]
    rows = {m.login: {"login": m.login, "name": m.name, "groups": sorted(m.group_names),
                      "days": Counter(), "overdue": 0, "open": 0, "unplanned": 0} for m in managers}
    for task in repo.assigned_open_tasks(session, list(rows)):
        row = rows[task.assignee]  # type: ignore[index]
        row["open"] += 1
        if task.due_at is not None and task.due_at < now:
            row["overdue"] += 1
        when = _when(task)
        if when is None:
            row["unplanned"] += 1
        elif week.days[0] <= when < week.end:
            row["days"][(_start_of_day(when) - week.days[0]).days] += 1
    return {"week": [d.date().isoformat() for d in week.days],
            "managers": [{**r, "days": [r["days"].get(i, 0) for i in range(7)]} for r in rows.values()]}
