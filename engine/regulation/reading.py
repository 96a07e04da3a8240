"""Reading cycles: access, lists, the cycle as a dict, its path and history, the inbox."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.regulation.context import STATUSES, Context
from engine.shared import cursors
from engine.shared.access import Actor
from engine.shared.errors import (
    Forbidden,
    InputInvalid,
    NotFound,
)
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
        raise NotFound(f"no cycle {cycle_id}")
    if not may_view_cycle(session, actor, cycle):
        raise Forbidden(f"{actor.login} may not see cycle {cycle_id}")
    return cycle


def list_cycles(session: Session, actor: Actor, status: str | None = None) -> list[Cycle]:
    if status is not None and status not in STATUSES:
        raise InputInvalid(f"status must be one of {', '.join(STATUSES)}")
    owner = None if actor.reads_all else actor.id
    return list(regulation_repo.cycles(session, status=status, owner_id=owner))


def cycle_dict(cycle: Cycle) -> dict[str, Any]:
    return {
        "id": cycle.id, "status": cycle.status, "outcome": cycle.outcome, "stage": cycle.stage,
        "loss_reason": cycle.loss_reason, "client_id": cycle.client_id, "client_name": cycle.client.name,
        "regulation": cycle.version.regulation.key, "version": cycle.version.number,
        "variables": cycle.variables, "incident": cycle.incident,
        "started_at": cycle.started_at.isoformat(), "started_by": cycle.started_by,
        "ended_at": cycle.ended_at.isoformat() if cycle.ended_at else None,
        "business_key": cycle.business_key,
    }


#: history events that mean "the element ran"
_RAN = ("completed", "passed", "ended")


def path_taken(cycle: Cycle, history: list[dict[str, Any]], open_tasks: list[OpenTask]) -> dict[str, Any]:
    """Per diagram element: how often it ran, which are active or in incident, and each run."""
    completed: dict[str, int] = {}
    runs: dict[str, list[dict[str, Any]]] = {}
    for event in history:
        task = event.get("task")
        if not task or not task.get("element_id"):
            continue
        element_id = task["element_id"]
        if event["type"] in _RAN:
            completed[element_id] = completed.get(element_id, 0) + 1
        runs.setdefault(element_id, []).append(
            {"at": event["at"], "type": event["type"], "actor": event["actor"], "data": event["data"]})
    incident = [cycle.incident["element_id"]] if cycle.incident and cycle.incident.get("element_id") else []
    return {"completed": completed, "active": sorted({t.element_id for t in open_tasks}),
            "incident": incident, "runs": runs}


def history_dicts(session: Session, cycle: Cycle) -> list[dict[str, Any]]:
    return [{"at": e.at.isoformat(), "type": e.type, "actor": e.actor,
             "task": ({"id": e.task_id, "element_id": e.element_id, "name": e.task_name}
                      if e.element_id else None),
             "data": e.data} for e in regulation_repo.history(session, cycle.id)]


#: the most tasks one page of the inbox holds
INBOX_MAX_PAGE = 1000


def inbox(session: Session, ctx: Context, actor: Actor, scope: str | None = None,
          cycle_id: int | None = None, limit: int = 500, after: str | None = None) -> list[OpenTask]:
    """A page of the actor's inbox; ``after`` is the cursor of the page before (``inbox_cursor``)."""
    if scope not in (None, "", "mine", "group"):
        raise InputInvalid(f"scope must be 'mine' or 'group', not {scope!r}")
    if not 1 <= limit <= INBOX_MAX_PAGE:
        raise InputInvalid(f"limit must be from 1 to {INBOX_MAX_PAGE}", {"fields": {"limit": f"must be from 1 to {INBOX_MAX_PAGE}"}})
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
