"""Reads of durations: stage stays (entry to the next entry, or the end), the times of each task
(created, claimed, completed, due) and the lives of cycles. Repositories read; they never commit."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.models import Cycle, HistoryEvent, OpenTask, Regulation, RegulationVersion, WorkDone
from storage.models.control import StageEntry
from storage.repositories.control import Scope, _conditions, _cycles_joined, entries_in, manager_of_cycle


def stage_stays(session: Session, scope: Scope) -> Sequence[Any]:
    """One row per stage entry of the cycles in scope: (cycle_id, stage, entered_at, left_at: the
    next entry's time or None, status, ended_at), from the kept stage entries (as the funnel
    counts them)."""
    query: Any = select(StageEntry.cycle_id, StageEntry.stage, StageEntry.entered_at, StageEntry.left_at, Cycle.status,
                        Cycle.ended_at).select_from(StageEntry).join(Cycle, Cycle.id == StageEntry.cycle_id)
    return session.execute(entries_in(query, scope, cycle_joined=True)).all()


def task_times(session: Session, scope: Scope) -> Sequence[Any]:
    """One row per task in the history of the cycles in scope: (task_id, element_id, name, stage,
    work_type, created_at, due_at (ISO text), claimed_at, completed_at)."""
    created = HistoryEvent.type == "created"

    def on_created(value: Any) -> Any:
        return func.max(case((created, value), else_=None))

    query = _cycles_joined(
        select(HistoryEvent.task_id, func.min(HistoryEvent.element_id).label("element_id"),
               func.min(HistoryEvent.task_name).label("name"),
               on_created(HistoryEvent.data["stage"].as_string()).label("stage"),
               on_created(HistoryEvent.data["work_type"].as_string()).label("work_type"),
               on_created(HistoryEvent.data["due_at"].as_string()).label("due_at"),
               func.min(case((created, HistoryEvent.at), else_=None)).label("created_at"),
               func.min(case((HistoryEvent.type == "claimed", HistoryEvent.at), else_=None)).label("claimed_at"),
               func.max(case((HistoryEvent.type == "completed", HistoryEvent.at), else_=None)).label("completed_at"))
        .select_from(HistoryEvent).join(Cycle, Cycle.id == HistoryEvent.cycle_id)
    ).where(HistoryEvent.task_id.is_not(None), HistoryEvent.type.in_(("created", "claimed", "completed")),
            *_conditions(scope)).group_by(HistoryEvent.task_id)
    return session.execute(query).all()


def cycle_lives(session: Session, scope: Scope, decided_from: datetime | None = None,
                decided_before: datetime | None = None) -> Sequence[Any]:
    """(cycle_id, manager_id, status, started_at, ended_at) of the cycles in scope (with a period:
    only those won or lost in [decided_from, decided_before))."""
    query = _cycles_joined(
        select(Cycle.id, manager_of_cycle().label("manager_id"), Cycle.status, Cycle.started_at, Cycle.ended_at)
        .select_from(Cycle)).where(*_conditions(scope))
    if decided_from is not None and decided_before is not None:
        query = query.where(Cycle.status.in_(("won", "lost")), Cycle.ended_at >= decided_from,
                            Cycle.ended_at < decided_before)
    return session.execute(query).all()


def work_done_by_login(session: Session, logins: Sequence[str], start: Any, end: Any) -> Sequence[Any]:
    """(login, work type, done, with a deadline, done by it) of the done-work log in [start, end)."""
    if not logins:
        return []
    with_due = func.sum(case((WorkDone.due_at.is_not(None), 1), else_=0))
    on_time = func.sum(case((WorkDone.done_at <= WorkDone.due_at, 1), else_=0))
    return session.execute(select(WorkDone.login, WorkDone.work_type, func.count(), with_due, on_time)
                           .where(WorkDone.login.in_(list(logins)), WorkDone.done_at >= start, WorkDone.done_at < end)
                           .group_by(WorkDone.login, WorkDone.work_type)).all()


def completions(session: Session, scope: Scope) -> Sequence[Any]:
    """(cycle_id, task name, at) of every completed task of the cycles in scope, by cycle and time."""
    query: Any = select(HistoryEvent.cycle_id, func.coalesce(HistoryEvent.task_name, HistoryEvent.element_id),
                        HistoryEvent.at).select_from(HistoryEvent).join(Cycle, Cycle.id == HistoryEvent.cycle_id)
    return session.execute(_cycles_joined(query)
        .where(HistoryEvent.type == "completed", *_conditions(scope))
        .order_by(HistoryEvent.cycle_id, HistoryEvent.at, HistoryEvent.id)).all()


def element_runs(session: Session, scope: Scope) -> Sequence[Any]:
    """(element_id, cycles, runs) of the elements completed or passed in the cycles in scope."""
    query: Any = select(HistoryEvent.element_id, func.count(func.distinct(HistoryEvent.cycle_id)), func.count()) \
        .select_from(HistoryEvent).join(Cycle, Cycle.id == HistoryEvent.cycle_id)
    return session.execute(_cycles_joined(query)
                           .where(HistoryEvent.type.in_(("completed", "passed")), HistoryEvent.element_id.is_not(None),
                                  *_conditions(scope))
                           .group_by(HistoryEvent.element_id)).all()


def open_task_load(session: Session, logins: Sequence[str], now: datetime, start: datetime, end: datetime
                   ) -> tuple[list[tuple[str, int, int, int]], list[tuple[str, datetime]]]:
    """The Plans page's open tasks, set-based: (login, open, overdue (due before now), unplanned
    (neither planned nor due)) per assignee, and (login, planned else due) of the tasks whose
    moment falls in [start, end)."""
    if not logins:
        return [], []
    when = func.coalesce(OpenTask.planned_at, OpenTask.due_at)
    counts = session.execute(
        select(OpenTask.assignee, func.count(), func.sum(case((OpenTask.due_at < now, 1), else_=0)),
               func.sum(case((when.is_(None), 1), else_=0)))
        .where(OpenTask.assignee.in_(list(logins))).group_by(OpenTask.assignee)).all()
    moments = session.execute(select(OpenTask.assignee, when.label("moment"))
                              .where(OpenTask.assignee.in_(list(logins)), when >= start, when < end)).all()
    return ([(str(r[0]), int(r[1]), int(r[2] or 0), int(r[3] or 0)) for r in counts],
            [(str(r[0]), r[1]) for r in moments])


def runs_in_order(session: Session, scope: Scope, element_ids: Sequence[str]) -> Sequence[Any]:
    """(cycle_id, element_id) of each run of these elements (a task opened, an element passed, an
    end reached) in the cycles in scope, in the order they ran within each cycle."""
    if not element_ids:
        return []
    query: Any = select(HistoryEvent.cycle_id, HistoryEvent.element_id).select_from(HistoryEvent) \
        .join(Cycle, Cycle.id == HistoryEvent.cycle_id)
    return session.execute(_cycles_joined(query).where(
        HistoryEvent.type.in_(("created", "passed", "ended")), HistoryEvent.element_id.in_(list(element_ids)),
        *_conditions(scope)).order_by(HistoryEvent.cycle_id, HistoryEvent.at, HistoryEvent.id)).all()


def version_xml(session: Session, key: str, number: int) -> str | None:
    """The BPMN document of a regulation version."""
    return session.scalar(select(RegulationVersion.xml).join(Regulation, Regulation.id == RegulationVersion.regulation_id)
                          .where(Regulation.key == key, RegulationVersion.number == number))
