"""Reading cycles: access, lists, the cycle's read model, its path and history, the inbox."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.regulation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.regulation.context import STATUSES, Context
from engine.shared import cursors
from engine.shared.access import Actor
from engine.shared.errors import (
    Forbidden,
    InputInvalid,
    NotFound,
)
from engine.shared.notices import coded
from storage.models import Cycle, OpenTask
from storage.repositories import regulation as regulation_repo


def may_view_cycle(session: Session, actor: Actor, cycle: Cycle) -> bool:
    if actor.reads_all or cycle.client.owner_id == actor.id:
        return True
    if regulation_repo.inbox(session, actor.login, actor.candidate_keys, None, cycle_id=cycle.id, limit=1):
        return True
    return regulation_repo.participated(session, cycle.id, actor.login)


def get_cycle(session: Session, actor: Actor, cycle_id: int) -> Cycle:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise coded(NotFound, "cycle_unknown", {"cycle_id": str(cycle_id)})
    if not may_view_cycle(session, actor, cycle):
        raise coded(Forbidden, "cycle_not_visible", {"login": actor.login, "cycle_id": str(cycle_id)})
    return cycle


def list_cycles(session: Session, actor: Actor, status: str | None = None) -> list[Cycle]:
    if status is not None and status not in STATUSES:
        raise coded(InputInvalid, "cycle_status_filter", {"statuses": ", ".join(STATUSES)})
    owner = None if actor.reads_all else actor.id
    return list(regulation_repo.cycles(session, status=status, owner_id=owner))


@dataclass(frozen=True)
class CycleView:
    """A cycle as every reader sees it (the API's cycle object is ``as_dict()``)."""

    id: int
    status: str
    outcome: str | None
    stage: str | None
    loss_reason: str | None
    client_id: int
    client_name: str
    regulation: str
    #: the regulation's name (the API's object carries its key only)
    regulation_name: str
    version: int
    #: the cycle's variables: user data, kept a mapping
    variables: Mapping[str, Any]
    #: the open incident (element_id, task_name, message...), None when there is none
    incident: Mapping[str, Any] | None
    started_at: datetime
    started_by: str | None
    ended_at: datetime | None
    business_key: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "status": self.status, "outcome": self.outcome, "stage": self.stage,
            "loss_reason": self.loss_reason, "client_id": self.client_id, "client_name": self.client_name,
            "regulation": self.regulation, "version": self.version,
            "variables": dict(self.variables), "incident": dict(self.incident) if self.incident is not None else None,
            "started_at": self.started_at.isoformat(), "started_by": self.started_by,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "business_key": self.business_key,
        }


def cycle_view(cycle: Cycle) -> CycleView:
    return CycleView(
        id=cycle.id, status=cycle.status, outcome=cycle.outcome, stage=cycle.stage, loss_reason=cycle.loss_reason,
        client_id=cycle.client_id, client_name=cycle.client.name, regulation=cycle.version.regulation.key,
        regulation_name=cycle.version.regulation.name, version=cycle.version.number, variables=dict(cycle.variables or {}),
        incident=dict(cycle.incident) if cycle.incident is not None else None,
        started_at=cycle.started_at, started_by=cycle.started_by, ended_at=cycle.ended_at,
        business_key=cycle.business_key)


@dataclass(frozen=True)
class TaskView:
    """An open human task as the inbox, the task page, the cycle page and My plan show it."""

    id: str
    cycle_id: int
    version_id: int
    client_id: int
    client_name: str
    element_id: str
    name: str
    stage: str | None
    work_type: str | None
    lane: str | None
    assignee: str | None
    #: taken from the group queue by its assignee (he may release it)
    claimed: bool
    candidate_groups: tuple[str, ...]
    created_at: datetime
    due_at: datetime | None
    planned_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """The API's task object (without its form and deal amount)."""
        return {
            "id": self.id, "cycle_id": self.cycle_id, "client_id": self.client_id, "client_name": self.client_name,
            "name": self.name, "element_id": self.element_id, "stage": self.stage, "work_type": self.work_type,
            "lane": self.lane, "assignee": self.assignee, "candidate_groups": list(self.candidate_groups),
            "created_at": self.created_at.isoformat(), "due_at": self.due_at.isoformat() if self.due_at else None,
        }


def task_view(task: OpenTask) -> TaskView:
    return TaskView(
        id=task.id, cycle_id=task.cycle_id, version_id=task.version_id, client_id=task.client_id,
        client_name=task.client.name, element_id=task.element_id, name=task.name, stage=task.stage,
        work_type=task.work_type, lane=task.lane, assignee=task.assignee, claimed=bool(task.claimed),
        candidate_groups=tuple(task.candidate_groups), created_at=task.created_at, due_at=task.due_at,
        planned_at=task.planned_at)


@dataclass(frozen=True)
class HistoryTask:
    id: str | None
    element_id: str
    name: str | None


@dataclass(frozen=True)
class HistoryEvent:
    """One entry of a cycle's history; ``data`` is what was recorded with it (user data)."""

    at: datetime
    type: str
    actor: str | None
    task: HistoryTask | None
    data: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        task = self.task
        return {"at": self.at.isoformat(), "type": self.type, "actor": self.actor,
                "task": {"id": task.id, "element_id": task.element_id, "name": task.name} if task else None,
                "data": self.data}


@dataclass(frozen=True)
class ElementRun:
    at: datetime
    type: str
    actor: str | None
    data: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "type": self.type, "actor": self.actor, "data": self.data}


@dataclass(frozen=True)
class PathTaken:
    """Per diagram element: how often it ran, which are active or in incident, and each run."""

    completed: Mapping[str, int]
    active: tuple[str, ...]
    incident: tuple[str, ...]
    runs: Mapping[str, tuple[ElementRun, ...]]

    def as_dict(self) -> dict[str, Any]:
        """What the diagram viewer reads."""
        return {"completed": dict(self.completed), "active": list(self.active), "incident": list(self.incident),
                "runs": {element: [r.as_dict() for r in runs] for element, runs in self.runs.items()}}


#: history events that mean "the element ran"
_RAN = ("completed", "passed", "ended")


def path_taken(cycle: Cycle, history: list[HistoryEvent], open_tasks: Sequence[TaskView]) -> PathTaken:
    completed: dict[str, int] = {}
    runs: dict[str, list[ElementRun]] = {}
    for event in history:
        if event.task is None:
            continue
        element_id = event.task.element_id
        if event.type in _RAN:
            completed[element_id] = completed.get(element_id, 0) + 1
        runs.setdefault(element_id, []).append(ElementRun(event.at, event.type, event.actor, event.data))
    incident = (cycle.incident["element_id"],) if cycle.incident and cycle.incident.get("element_id") else ()
    return PathTaken(completed=completed, active=tuple(sorted({t.element_id for t in open_tasks})),
                     incident=incident, runs={k: tuple(v) for k, v in runs.items()})


def history_of(session: Session, cycle: Cycle) -> list[HistoryEvent]:
    return [HistoryEvent(at=e.at, type=e.type, actor=e.actor,
                         task=HistoryTask(e.task_id, e.element_id, e.task_name) if e.element_id else None,
                         data=e.data)
            for e in regulation_repo.history(session, cycle.id)]


#: the most tasks one page of the inbox holds
INBOX_MAX_PAGE = 1000


def inbox(session: Session, ctx: Context, actor: Actor, scope: str | None = None,
          cycle_id: int | None = None, limit: int = 500, after: str | None = None) -> list[OpenTask]:
    """A page of the actor's inbox; ``after`` is the cursor of the page before (``inbox_cursor``)."""
    if scope not in (None, "", "mine", "group"):
        raise coded(InputInvalid, "inbox_scope", {"scope": repr(scope)})
    if not 1 <= limit <= INBOX_MAX_PAGE:
        raise coded(InputInvalid, "page_limit_range", {"limit": str(INBOX_MAX_PAGE)},
                    {"fields": {"limit": f"must be from 1 to {INBOX_MAX_PAGE}"}})
    key = _parse_cursor(after) if after else None
    return list(regulation_repo.inbox(session, actor.login, actor.candidate_keys, scope or None, cycle_id,
                                      limit, key))


def inbox_cursor(task: OpenTask) -> str:
    """An opaque cursor for the page after this task."""
    undated, due_at, created_at, task_id = regulation_repo.inbox_key(task)
    return cursors.encode(int(undated), due_at.isoformat() if due_at else None, created_at.isoformat(), task_id)


def _parse_cursor(cursor: str) -> regulation_repo.InboxKey:
    undated, due_at, created_at, task_id = cursors.decode(cursor, int, (str, type(None)), str, str)
    try:
        return (bool(undated), datetime.fromisoformat(due_at) if due_at else None,
                datetime.fromisoformat(created_at), task_id)
    except ValueError:
        raise cursors.refused("not a moment") from None
