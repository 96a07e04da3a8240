"""The kept task runs (storage.models.control.TaskRun): one row per user task of a cycle, read
from the history by ``from_history`` (the definition) and rebuilt by the step for the tasks its
events touched. Repositories never commit."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, Select, Table, case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import HistoryEvent
from storage.models.control import TaskRun

#: the history events a task run is read from
EVENTS = ("created", "claimed", "completed")
#: the most task ids one statement names
CHUNK = 500


def from_history(task_ids: Sequence[str] | None = None) -> Select[Any]:
    """(task_id, cycle_id, element_id, name, stage, work_type, due_at, created_at, claimed_at,
    completed_at) of every task in the history with a ``created`` event (of these tasks when
    given): the stage, work type and due time of its creation, its first claim, its last completion."""
    created = HistoryEvent.type == "created"

    def on_created(value: Any) -> Any:
        return func.max(case((created, value), else_=None))

    created_at = func.min(case((created, HistoryEvent.at), else_=None))
    query = select(HistoryEvent.task_id, func.min(HistoryEvent.cycle_id).label("cycle_id"),
                   func.min(HistoryEvent.element_id).label("element_id"),
                   func.min(HistoryEvent.task_name).label("name"),
                   on_created(HistoryEvent.data["stage"].as_string()).label("stage"),
                   on_created(HistoryEvent.data["work_type"].as_string()).label("work_type"),
                   on_created(HistoryEvent.data["due_at"].as_string()).label("due_at"),
                   created_at.label("created_at"),
                   func.min(case((HistoryEvent.type == "claimed", HistoryEvent.at), else_=None)).label("claimed_at"),
                   func.max(case((HistoryEvent.type == "completed", HistoryEvent.at), else_=None))
                   .label("completed_at")) \
        .where(HistoryEvent.task_id.is_not(None), HistoryEvent.type.in_(EVENTS))
    if task_ids is not None:
        query = query.where(HistoryEvent.task_id.in_(list(task_ids)))
    return query.group_by(HistoryEvent.task_id).having(created_at.is_not(None))


COLUMNS = ["task_id", "cycle_id", "element_id", "name", "stage", "work_type", "due_at", "created_at", "claimed_at",
           "completed_at"]


def _dialect(bind: Session | Connection) -> str:
    return (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name


def rebuild(bind: Session | Connection, task_ids: Sequence[str] | None = None) -> None:
    """Replaces the kept runs of these tasks (None: of every task) by the history's reading (for
    given tasks one upsert: the history only grows, so a run once kept is never removed)."""
    if task_ids is None:
        bind.execute(delete(TaskRun))
        bind.execute(insert(TaskRun).from_select(COLUMNS, from_history()))
        return
    ids = sorted(set(task_ids))
    dialect = postgresql if _dialect(bind) == "postgresql" else sqlite
    for start in range(0, len(ids), CHUNK):
        statement = dialect.insert(cast(Table, TaskRun.__table__)).from_select(COLUMNS, from_history(ids[start:start + CHUNK]))
        bind.execute(statement.on_conflict_do_update(
            index_elements=["task_id"], set_={c: statement.excluded[c] for c in COLUMNS if c != "task_id"}))


def touched(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The tasks whose run these history rows (a step's) change."""
    return sorted({str(row["task_id"]) for row in rows if row["type"] in EVENTS and row.get("task_id")})


def kept(bind: Session | Connection) -> list[tuple[Any, ...]]:
    """Every kept run, by task id, as ``from_history`` gives them."""
    return [tuple(r) for r in bind.execute(select(*(getattr(TaskRun, c) for c in COLUMNS)).order_by(TaskRun.task_id))]


def history(bind: Session | Connection) -> list[tuple[Any, ...]]:
    """Every run the history gives, by task id (what ``kept`` must equal)."""
    found = from_history().subquery("runs")
    return [tuple(r) for r in bind.execute(select(*(found.c[c] for c in COLUMNS)).order_by(found.c.task_id))]
