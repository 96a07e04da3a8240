"""Planning: planned dates on tasks, a manager's plan, the head's view of every plan, plan fulfilment.

Days and weeks are those of the user's time zone (Actor.timezone): "today" on My plan runs
from the user's midnight to the next, a week from Monday to Sunday there. The head's view of
every plan counts days in the head's own zone (its columns are the head's days). Plan
fulfilment counts each manager's period in that manager's zone: "this week" is each
manager's own Monday to Sunday.

Plan fulfilment of a period: the work due in it (done work whose deadline fell in it, open
tasks and planned contacts whose deadline falls in it) and how much of it was done on time
(``done_at <= due_at``; engine.activities defines the deadlines). The figure is done on time
divided by due, None when nothing was due.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from engine.planning import error_texts  # noqa: F401  (registers the codes raised here)
from engine.planning.views import (
    ActivityView,
    FulfilmentReport,
    FulfilmentRow,
    ManagerWeek,
    Period,
    PlanEntry,
    PlansOverview,
    total_of,
)
from engine.regulation import cycles
from engine.regulation.reading import TaskView, task_view
from engine.shared import days, organization_defaults, periods
from engine.shared.access import HEADS, Actor, may_act_on_task, require
from engine.shared.days import ONE_DAY, Week
from engine.shared.errors import InputInvalid
from engine.shared.notices import coded
from storage.models import Activity, OpenTask
from storage.repositories import accounts as accounts_repo
from storage.repositories import analytics_durations as analytics_repo
from storage.repositories import planning as planning_repo
from storage.repositories import regulation as regulation_repo

SECTIONS = ("overdue", "today", "week", "later", "unplanned")
PERIODS = ("week", "month", "custom")
#: the longest custom period of plan fulfilment
MAX_PERIOD_DAYS = 366


def plan_task(session: Session, ctx: cycles.Context, actor: Actor, task_id: str,
              planned_at: datetime | None) -> OpenTask:
    """Set (or clear) when the responsible person plans to do an open task."""
    task, cycle, _ = cycles.lock_task(session, task_id)
    if not may_act_on_task(actor, task.assignee, task.candidate_groups):
        raise cycles.not_yours_error(task)
    if planned_at is not None:
        if planned_at.tzinfo is None:
            raise coded(InputInvalid, "plan_time_zone", {})
        if planned_at < ctx.now() - timedelta(days=366) or planned_at > ctx.now() + timedelta(days=3 * 366):
            raise coded(InputInvalid, "plan_time_range", {}, {"fields": {"planned_at": "is out of range"}})
    task.planned_at = planned_at
    rec = cycles.Recorder(session, cycle, actor.login, ctx.now())
    rec.add("planned", task, {"planned_at": planned_at.isoformat() if planned_at else None})
    rec.write()
    return task


# ---------------------------------------------------------------- my plan

def task_entry(task: OpenTask) -> PlanEntry:
    return PlanEntry("task", task_view(task), task.planned_at or task.due_at, task.due_at)


def activity_entry(activity: Activity, tz: tzinfo) -> PlanEntry:
    return PlanEntry("activity", ActivityView.of(activity), activity.planned_at, days.end_of_day(activity.planned_at, tz))


def section(entry: PlanEntry, now: datetime, tz: tzinfo = UTC) -> str:
    """overdue (its deadline passed), today, this week, later (by when it is planned, else
    due, in the days of ``tz``), or unplanned."""
    if entry.due is not None and entry.due < now:
        return "overdue"
    if entry.when is None:
        return "unplanned"
    if entry.when < days.start_of(days.local_date(now, tz) + ONE_DAY, tz):
        return "today"
    if entry.when < Week.of(now, tz).end:
        return "week"
    return "later"


def agenda(session: Session, ctx: cycles.Context, actor: Actor,
           with_activities: bool = True) -> dict[str, list[PlanEntry]]:
    """The actor's open tasks and planned contacts by section: overdue first, then today, this
    week, later, unplanned; soonest first in each."""
    now, tz = ctx.now(), days.zone(actor.timezone)
    entries = [task_entry(t) for t in regulation_repo.assigned_open_tasks(session, [actor.login])]
    if with_activities:
        entries += [activity_entry(a, tz) for a in planning_repo.planned_activities_of(session, [actor.login])]
    plan: dict[str, list[PlanEntry]] = {name: [] for name in SECTIONS}
    for entry in entries:
        plan[section(entry, now, tz)].append(entry)
    far = datetime.max.replace(tzinfo=UTC)
    for listed in plan.values():
        listed.sort(key=lambda e: (e.when or far, e.item.created_at))
    return plan


def my_plan(session: Session, ctx: cycles.Context, actor: Actor) -> dict[str, list[TaskView]]:
    """The actor's open tasks by section (as ``agenda``, tasks only)."""
    return {name: [e.item for e in listed if isinstance(e.item, TaskView)]
            for name, listed in agenda(session, ctx, actor, with_activities=False).items()}


def plans_overview(session: Session, ctx: cycles.Context, actor: Actor) -> PlansOverview:
    """Every manager's week side by side: open tasks and planned contacts per day (in the
    head's days), overdue, unplanned, open in all (the head's view)."""
    require(actor, HEADS, "see every manager's plan")
    now, tz = ctx.now(), days.zone(actor.timezone)
    week = Week.of(now, tz)
    managers = [u for u in accounts_repo.users(session) if "manager" in u.role_set and u.active]
    rows: dict[str, dict[str, Any]] = {m.login: {"login": m.login, "name": m.name, "groups": sorted(m.group_names),
                      "days": Counter(), "overdue": 0, "open": 0, "unplanned": 0} for m in managers}
    # open tasks counted in SQL, only this week's read (the page stays fast however many are open)
    counts, moments = analytics_repo.open_task_load(session, list(rows), now, week.start, week.end)
    for login, open_count, overdue, unplanned in counts:
        rows[login]["open"] += open_count
        rows[login]["overdue"] += overdue
        rows[login]["unplanned"] += unplanned
    for login, moment in moments:
        if (index := week.day_index(moment)) is not None:
            rows[login]["days"][index] += 1
    org = organization_defaults.read(session)
    zones = {m.login: days.zone(org.zone_of(m.timezone)) for m in managers}
    entries = [(a.assignee, activity_entry(a, zones[a.assignee]))
               for a in planning_repo.planned_activities_of(session, list(rows))]
    for login, entry in entries:
        row = rows[login]
        row["open"] += 1
        if entry.due is not None and entry.due < now:
            row["overdue"] += 1
        if entry.when is None:
            row["unplanned"] += 1
        elif (index := week.day_index(entry.when)) is not None:
            row["days"][index] += 1
    return PlansOverview(week=tuple(week.dates), managers=tuple(
        ManagerWeek(login=r["login"], name=r["name"], groups=tuple(r["groups"]),
                    days=tuple(r["days"].get(i, 0) for i in range(7)), overdue=r["overdue"], open=r["open"],
                    unplanned=r["unplanned"]) for r in rows.values()))


# ---------------------------------------------------------------- plan fulfilment

def period(kind: str | None, today: date, start: str | None = None, end: str | None = None) -> Period:
    """This week, this month (of ``today``), or custom days from ``start`` to ``end`` inclusive
    (ISO dates, as a form sends them)."""
    kind = (kind or "week").strip()
    if kind == "week":
        week = Week.containing(today)
        return Period(kind, week.dates[0], week.dates[-1] + ONE_DAY)
    if kind == "month":
        month = periods.containing(today, "month")
        return Period(kind, month.first, month.end)
    if kind != "custom":
        raise coded(InputInvalid, "agenda_period_kind", {"periods": ", ".join(PERIODS)},
                    {"fields": {"period": "is unknown"}})
    errors: dict[str, str] = {}
    first, last = _date(start, "from", errors), _date(end, "to", errors)
    if first and last and last < first:
        errors["to"] = "must not be before the first day"
    elif first and last and (last - first).days >= MAX_PERIOD_DAYS:
        errors["to"] = f"the period may span at most {MAX_PERIOD_DAYS} days"
    if errors or first is None or last is None:
        raise InputInvalid("the period is not valid: " + "; ".join(f"{k} {v}" for k, v in errors.items()),
                           {"fields": errors})
    return Period(kind, first, last + ONE_DAY)


def _date(raw: str | None, key: str, errors: dict[str, str]) -> date | None:
    try:
        return days.to_date(raw or "")
    except ValueError:
        errors[key] = "must be a date like 2026-11-30"
        return None


@dataclass
class Fulfilment:
    """One manager's plan fulfilment in a period."""

    login: str
    name: str
    due: int = 0
    on_time: int = 0
    late: int = 0  # done after its deadline
    open: int = 0  # due in the period and not done yet
    overdue: int = 0  # of those, past their deadline

    @property
    def figure(self) -> float | None:
        return self.on_time / self.due if self.due else None

    def frozen(self) -> FulfilmentRow:
        return FulfilmentRow(self.login, self.name, self.due, self.on_time, self.late, self.open, self.overdue)


def fulfilment(session: Session, actor: Actor, start: date, end: date,
               now: datetime | None = None, only_self: bool = False) -> list[Fulfilment]:
    """Plan fulfilment per manager for the days [start, end), each in the manager's own time
    zone: every manager's for those who read everything (heads), one's own otherwise (or when
    ``only_self``). Four queries, however many managers. With ``now``, open work past its
    deadline counts as overdue."""
    if actor.reads_all and not only_self:
        people = [u for u in accounts_repo.users(session) if "manager" in u.role_set and u.active]
    else:
        people = [u for u in [accounts_repo.user_by_login(session, actor.login)] if u is not None]
    if not people:
        return []
    org = organization_defaults.read(session)
    zones = {u.login: days.zone(org.zone_of(u.timezone)) for u in people}
    bounds = {login: (days.start_of(start, tz), days.start_of(end, tz)) for login, tz in zones.items()}
    low, high = min(b[0] for b in bounds.values()), max(b[1] for b in bounds.values())
    rows = {u.login: Fulfilment(u.login, u.name) for u in people}
    logins = list(rows)

    def count(login: str, deadline: datetime | None) -> Fulfilment | None:
        first, after = bounds[login]
        if deadline is None or not first <= deadline < after:
            return None
        row = rows[login]
        row.due += 1
        return row

    for done in planning_repo.work_done_due_between(session, logins, low, high):
        if (row := count(done.login, done.due_at)) is not None:
            if done.done_at <= done.due_at:  # type: ignore[operator]
                row.on_time += 1
            else:
                row.late += 1
    # a planned time is at most a day before its deadline (the end of its day)
    open_work = [task_entry(t) for t in planning_repo.open_tasks_due_between(session, logins, low - ONE_DAY, high)]
    open_work += [activity_entry(a, zones[a.assignee])
                  for a in planning_repo.planned_activities_of(session, logins, low - ONE_DAY, high)]
    for entry in open_work:
        login = entry.item.assignee
        due = entry.due if entry.due is not None else (
            days.end_of_day(entry.when, zones[login]) if entry.when else None)  # type: ignore[index]
        if (row := count(login, due)) is not None:  # type: ignore[arg-type]
            row.open += 1
            if now is not None and due < now:  # type: ignore[operator]
                row.overdue += 1
    return list(rows.values())


def fulfilment_report(session: Session, ctx: cycles.Context, actor: Actor, kind: str | None = None,
                      start: str | None = None, end: str | None = None, only_self: bool = False
                      ) -> FulfilmentReport:
    """The period asked for (this week by default, in the actor's days), every row the actor may
    see (only his own with ``only_self``), and their total."""
    now = ctx.now()
    chosen = period(kind, days.local_date(now, days.zone(actor.timezone)), start, end)
    rows = fulfilment(session, actor, chosen.start, chosen.end, now, only_self)
    shown = tuple(r.frozen() for r in rows)
    return FulfilmentReport(period=chosen, managers=shown, total=total_of(shown))
