"""Read models of planning: ad-hoc contacts, a client's planned and done work, every manager's
week and plan fulfilment. Frozen: pages and API answers read them; ``as_dict()`` is the JSON
the API answers."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from engine.regulation.reading import TaskView
from storage.models import Activity, WorkDone


@dataclass(frozen=True)
class ActivityView:
    """An ad-hoc contact: planned, done or cancelled."""

    id: int
    client_id: int
    client_name: str
    cycle_id: int | None
    assignee: str
    work_type: str
    note: str
    planned_at: datetime
    status: str
    done_at: datetime | None
    result: str | None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, activity: Activity) -> ActivityView:
        return cls(id=activity.id, client_id=activity.client_id, client_name=activity.client.name,
                   cycle_id=activity.cycle_id, assignee=activity.assignee, work_type=activity.work_type,
                   note=activity.note, planned_at=activity.planned_at, status=activity.status,
                   done_at=activity.done_at, result=activity.result, created_by=activity.created_by,
                   created_at=activity.created_at)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "client_id": self.client_id, "client_name": self.client_name, "cycle_id": self.cycle_id,
                "assignee": self.assignee, "work_type": self.work_type, "note": self.note,
                "planned_at": self.planned_at.isoformat(), "status": self.status,
                "done_at": self.done_at.isoformat() if self.done_at else None, "result": self.result,
                "created_by": self.created_by}


@dataclass(frozen=True)
class PlanEntry:
    """A line of a plan: an open task or a planned ad-hoc contact."""

    kind: str  # "task" or "activity"
    item: TaskView | ActivityView
    when: datetime | None  # planned, else due
    due: datetime | None  # the deadline: a task's due time, a contact's end of planned day

    @property
    def client_name(self) -> str:
        return self.item.client_name


@dataclass(frozen=True)
class PlannedContact:
    """A contact planned with a client, and what the reader may do to it."""

    activity: ActivityView
    may_change: bool
    may_done: bool


@dataclass(frozen=True)
class DoneWork:
    """A line of a client's done-work log: a completed task or a done contact."""

    id: int
    login: str
    cycle_id: int | None
    #: the completed task or the done contact it logs (neither: other done work)
    task_id: str | None
    activity_id: int | None
    name: str
    work_type: str | None
    due_at: datetime | None
    done_at: datetime
    result: str | None

    @property
    def on_time(self) -> bool | None:
        return self.done_at <= self.due_at if self.due_at else None

    @classmethod
    def of(cls, row: WorkDone) -> DoneWork:
        return cls(id=row.id, login=row.login, cycle_id=row.cycle_id, task_id=row.task_id, activity_id=row.activity_id,
                   name=row.name, work_type=row.work_type, due_at=row.due_at, done_at=row.done_at, result=row.result)


@dataclass(frozen=True)
class ClientWork:
    """A client's planned contacts (soonest first), its done-work log (newest first), and may the
    reader plan contacts with it."""

    may_plan: bool
    planned: tuple[PlannedContact, ...]
    log: tuple[DoneWork, ...]


@dataclass(frozen=True)
class ManagerWeek:
    """One manager's row of the head's week: open work per day, overdue, unplanned, open in all."""

    login: str
    name: str
    groups: tuple[str, ...]
    days: tuple[int, ...]
    overdue: int
    open: int
    unplanned: int

    def as_dict(self) -> dict[str, Any]:
        return {"login": self.login, "name": self.name, "groups": list(self.groups), "days": list(self.days),
                "overdue": self.overdue, "open": self.open, "unplanned": self.unplanned}


@dataclass(frozen=True)
class PlansOverview:
    week: tuple[date, ...]
    managers: tuple[ManagerWeek, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"week": [d.isoformat() for d in self.week], "managers": [m.as_dict() for m in self.managers]}


@dataclass(frozen=True)
class FulfilmentRow:
    """One manager's plan fulfilment in a period (the total has no login)."""

    login: str
    name: str
    due: int
    on_time: int
    late: int
    open: int
    overdue: int

    @property
    def figure(self) -> float | None:
        return self.on_time / self.due if self.due else None

    def as_dict(self) -> dict[str, Any]:
        return {"login": self.login, "name": self.name, "due": self.due, "on_time": self.on_time,
                "late": self.late, "open": self.open, "overdue": self.overdue, "figure": self.figure}


@dataclass(frozen=True)
class Period:
    """Calendar days from ``start`` up to, not including, ``end``."""

    kind: str  # week, month, custom
    start: date
    end: date

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)


@dataclass(frozen=True)
class FulfilmentReport:
    period: Period
    managers: tuple[FulfilmentRow, ...]
    total: FulfilmentRow


def total_of(rows: Sequence[FulfilmentRow]) -> FulfilmentRow:
    return FulfilmentRow("", "", sum(r.due for r in rows), sum(r.on_time for r in rows), sum(r.late for r in rows),
                         sum(r.open for r in rows), sum(r.overdue for r in rows))


@dataclass(frozen=True)
class PlanPage:
    """My plan: the actor's open tasks and planned contacts by section, and his plan fulfilment."""

    #: overdue, today, week, later, unplanned: the entries of each, soonest first
    agenda: Mapping[str, Sequence[PlanEntry]]
    fulfilment: FulfilmentReport
    #: the period asked for was not valid (the report is of this week instead)
    period_refused: bool
    now: datetime


@dataclass(frozen=True)
class PlansPage:
    """The head's plans: every manager's week and everyone's plan fulfilment."""

    overview: PlansOverview
    fulfilment: FulfilmentReport
    period_refused: bool
