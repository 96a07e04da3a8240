"""Reads of durations: stage stays (entry to the next entry, or the end), the times of each task
(created, claimed, completed, due) and the lives of cycles. Repositories read; they never commit."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, case, cast, func, literal, select, text
from sqlalchemy.orm import Session

from storage.models import Cycle, HistoryEvent, OpenTask, Regulation, RegulationVersion, WorkDone
from storage.models.control import CyclePath, StageEntry, TaskRun
from storage.repositories._common import _is_postgresql
from storage.repositories.control import (
    Scope,
    _conditions,
    _cycles_joined,
    _joined_for,
    _on_cycles,
    entries_in,
    manager_of_cycle,
)


def stage_stays(session: Session, scope: Scope) -> Sequence[Any]:
    """One row per stage entry of the cycles in scope: (cycle_id, stage, entered_at, left_at: the
    next entry's time or None, status, ended_at), from the kept stage entries (as the funnel
    counts them)."""
    query: Any = select(StageEntry.cycle_id, StageEntry.stage, StageEntry.entered_at, StageEntry.left_at, Cycle.status,
                        Cycle.ended_at).select_from(StageEntry).join(Cycle, Cycle.id == StageEntry.cycle_id)
    return session.execute(entries_in(query, scope, cycle_joined=True)).all()


def in_sql(session: Session) -> bool:
    """Whether the percentiles are taken in SQL (PostgreSQL; SQLite's figures are computed in Python)."""
    return _is_postgresql(session)


def _runs_in(query: Any, scope: Scope) -> Any:
    """A query over TaskRun limited to the scope (its cycles joined only when the scope names anything)."""
    if scope == Scope():
        return query
    return _joined_for(query.join(Cycle, Cycle.id == TaskRun.cycle_id), scope).where(*_conditions(scope))


def task_times(session: Session, scope: Scope) -> Sequence[Any]:
    """One row per kept task run of the cycles in scope: (task_id, element_id, name, stage,
    work_type, created_at, due_at (ISO text), claimed_at, completed_at)."""
    query = select(TaskRun.task_id, TaskRun.element_id, TaskRun.name, TaskRun.stage, TaskRun.work_type,
                   TaskRun.created_at, TaskRun.due_at, TaskRun.claimed_at, TaskRun.completed_at).select_from(TaskRun)
    return session.execute(_runs_in(query, scope)).all()


def _seconds(later: Any, earlier: Any) -> Any:
    """PostgreSQL: the seconds from ``earlier`` to ``later``, none below zero."""
    return func.greatest(0.0, cast(func.extract("epoch", later - earlier), Float))


def _p(share: float, value: Any) -> Any:
    return func.percentile_disc(share).within_group(value)


def _span(later: Any, earlier: Any) -> Any:
    """PostgreSQL: ``later - earlier`` as an interval (the caller takes its seconds, none below
    zero: ``timedelta.total_seconds()`` is the correctly rounded double of the exact microseconds,
    as ``CAST(EXTRACT(epoch FROM ...) AS FLOAT)`` is), so the grouping hashes plain values and no
    row computes a numeric epoch."""
    return later - earlier


def _memory_for_grouping(session: Session) -> None:
    """PostgreSQL, inside the read's transaction: enough work memory that the grouping of a few
    hundred thousand rows is hashed in memory (the planner otherwise sorts them on disk), and no JIT
    compilation (30 ms to compile expressions the scan runs once). Read-only, bounded queries; the
    settings end with the transaction (``SET LOCAL``)."""
    session.execute(text("SET LOCAL work_mem = '64MB'"))
    session.execute(text("SET LOCAL jit = off"))


def task_figures(session: Session, scope: Scope) -> Sequence[Any]:
    """PostgreSQL, one row per (element_id, name) of the kept task runs in scope: stage, work_type,
    completed, open, the nearest-rank p50 and p90 of the seconds waiting (claimed completed
    runs), with an owner (completed runs) and from creation to completion (claimed completed
    runs), the p50 of the norm (due - created) and the completed runs with a due time and those
    done after it.

    The runs are first grouped by their raw times (a hash aggregate: no sort of the runs, no
    numeric epoch per run), then the seconds are taken per group (the same expressions) and each
    percentile is the least value whose running count reaches the nearest rank
    (``ceil(share * n)`` in double precision, as ``percentile_disc`` computes it): the figures of
    ``percentile_disc`` over the runs, sorting only the groups."""
    due = case((TaskRun.due_at.regexp_match(r"^\d{4}-\d{2}-\d{2}"), cast(TaskRun.due_at, DateTime(timezone=True))),
               else_=None)
    done, claimed = TaskRun.completed_at.is_not(None), TaskRun.claimed_at.is_not(None)
    waiting = case((done & claimed, _span(TaskRun.claimed_at, TaskRun.created_at)), else_=None)
    owned = case((done & claimed, _span(TaskRun.completed_at, TaskRun.claimed_at)),
                 (done, _span(TaskRun.completed_at, TaskRun.created_at)), else_=None)
    norm = case((due.is_not(None), _seconds(due, TaskRun.created_at)), else_=None)
    with_due = func.count(case((done & due.is_not(None), 1), else_=None))
    late = func.count(case((done & due.is_not(None) & (TaskRun.completed_at > due), 1), else_=None))
    name = func.coalesce(TaskRun.name, TaskRun.element_id)
    task = (TaskRun.element_id, name)
    grouped = select(TaskRun.element_id, name.label("name"),
                     func.min(TaskRun.stage).over(partition_by=task).label("stage"),
                     func.min(TaskRun.work_type).over(partition_by=task).label("work_type"),
                     waiting.label("waiting"), owned.label("owned"), norm.label("norm"), func.count().label("runs"),
                     with_due.label("with_due"), late.label("late")).select_from(TaskRun) \
        .where(TaskRun.created_at.is_not(None))
    # stage and work type are grouped too (hashed, few per task) and their least taken over the
    # groups: a min() of text per run costs a collation comparison each
    g = _runs_in(grouped, scope).group_by(TaskRun.element_id, TaskRun.name, TaskRun.stage, TaskRun.work_type,
                                          waiting, owned, norm).subquery("g")
    seconds_waiting = case((g.c.waiting.is_not(None), func.greatest(0.0, cast(func.extract("epoch", g.c.waiting), Float))),
                           else_=None)
    seconds_owned = case((g.c.owned.is_not(None), func.greatest(0.0, cast(func.extract("epoch", g.c.owned), Float))),
                         else_=None)
    measures = {"waiting": seconds_waiting, "owned": seconds_owned,
                "total": case((g.c.waiting.is_not(None), seconds_waiting + seconds_owned), else_=None),
                "norm": g.c.norm}
    by_task = (g.c.element_id, g.c.name)
    columns: list[Any] = [g.c.element_id, g.c.name, g.c.stage, g.c.work_type, g.c.runs, g.c.with_due, g.c.late,
                          g.c.owned.is_not(None).label("done")]
    for key, value in measures.items():
        columns += [value.label(key),
                    func.sum(g.c.runs).over(partition_by=by_task, order_by=value).label(f"{key}_upto"),
                    func.sum(g.c.runs).filter(value.is_not(None)).over(partition_by=by_task).label(f"{key}_n")]
    ranked = select(*columns).subquery("ranked")
    r = ranked.c

    def _p(share: float, key: str) -> Any:
        rank = func.ceil(cast(literal(share), Float) * r[f"{key}_n"])
        return func.min(r[key]).filter(r[f"{key}_upto"] >= rank)

    query = select(r.element_id, r.name, func.min(r.stage).label("stage"), func.min(r.work_type).label("work_type"),
                   func.coalesce(func.sum(r.runs).filter(r.done), 0).label("completed"),
                   func.coalesce(func.sum(r.runs).filter(~r.done), 0).label("open"),
                   _p(0.5, "waiting").label("waiting_p50"), _p(0.9, "waiting").label("waiting_p90"),
                   _p(0.5, "owned").label("owned_p50"), _p(0.9, "owned").label("owned_p90"),
                   _p(0.5, "total").label("total_p50"), _p(0.5, "norm").label("norm_p50"),
                   func.sum(r.with_due).label("with_due"), func.sum(r.late).label("late")) \
        .group_by(r.element_id, r.name)
    _memory_for_grouping(session)
    return session.execute(query).all()


def stay_counts(session: Session, scope: Scope, now: datetime) -> Sequence[Any]:
    """PostgreSQL: (stage, time, finished, entries) of the stage entries of the cycles in scope,
    grouped: a finished stay lasts to the next entry or the cycle's end, one still going up to now
    (time: an interval; the caller takes its seconds, none below zero)."""
    left = func.coalesce(StageEntry.left_at, Cycle.ended_at)
    finished = left.is_not(None)
    time = _span(func.coalesce(left, literal(now, DateTime(timezone=True))), StageEntry.entered_at)
    query: Any = select(StageEntry.stage, time.label("time"), finished.label("finished"), func.count()) \
        .select_from(StageEntry)
    if _on_cycles(scope) == Scope():
        # only an entry not left yet needs its cycle's end: the others' join key is null, so the
        # hash join looks nothing up for them (an entry always has its cycle: the same rows)
        query = query.outerjoin(Cycle, Cycle.id == case((StageEntry.left_at.is_(None), StageEntry.cycle_id),
                                                        else_=None))
    else:
        query = query.join(Cycle, Cycle.id == StageEntry.cycle_id)
    _memory_for_grouping(session)
    return session.execute(entries_in(query, scope, cycle_joined=True).group_by(StageEntry.stage, time, finished)
                           ).all()


def life_counts(session: Session, scope: Scope, now: datetime) -> Sequence[Any]:
    """PostgreSQL: (status, ended, time, cycles) of the cycles in scope, grouped: from the start to the
    end, or up to now while open (time: an interval; the caller takes its seconds, none below zero)."""
    time = _span(func.coalesce(Cycle.ended_at, literal(now, DateTime(timezone=True))), Cycle.started_at)
    ended = Cycle.ended_at.is_not(None)
    query = _joined_for(select(Cycle.status, ended.label("ended"), time.label("time"), func.count())
                        .select_from(Cycle), scope).where(*_conditions(scope))
    return session.execute(query.group_by(Cycle.status, ended, time)).all()


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


def cycle_statuses(session: Session, scope: Scope) -> dict[int, str]:
    """cycle id -> status now, of the cycles in scope."""
    query: Any = select(Cycle.id, Cycle.status).select_from(Cycle)
    query = _joined_for(query, scope).where(*_conditions(scope))
    return {int(r[0]): str(r[1]) for r in session.execute(query)}


def work_done_by_login(session: Session, logins: Sequence[str], start: Any, end: Any) -> Sequence[Any]:
    """(login, work type, done, with a deadline, done by it) of the done-work log in [start, end)."""
    if not logins:
        return []
    with_due = func.sum(case((WorkDone.due_at.is_not(None), 1), else_=0))
    on_time = func.sum(case((WorkDone.done_at <= WorkDone.due_at, 1), else_=0))
    return session.execute(select(WorkDone.login, WorkDone.work_type, func.count(), with_due, on_time)
                           .where(WorkDone.login.in_(list(logins)), WorkDone.done_at >= start, WorkDone.done_at < end)
                           .group_by(WorkDone.login, WorkDone.work_type)).all()


def element_runs(session: Session, scope: Scope) -> Sequence[Any]:
    """(element_id, cycles, runs) of the elements completed or passed in the cycles in scope."""
    query: Any = select(HistoryEvent.element_id, func.count(func.distinct(HistoryEvent.cycle_id)), func.count()) \
        .select_from(HistoryEvent).join(Cycle, Cycle.id == HistoryEvent.cycle_id)
    return session.execute(_joined_for(query, scope)
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
    return session.execute(_joined_for(query, scope).where(
        HistoryEvent.type.in_(("created", "passed", "ended")), HistoryEvent.element_id.in_(list(element_ids)),
        *_conditions(scope)).order_by(HistoryEvent.cycle_id, HistoryEvent.at, HistoryEvent.id)).all()


def version_xml(session: Session, key: str, number: int) -> str | None:
    """The BPMN document of a regulation version."""
    return session.scalar(select(RegulationVersion.xml).join(Regulation, Regulation.id == RegulationVersion.regulation_id)
                          .where(Regulation.key == key, RegulationVersion.number == number))


def _variant_end() -> Any:
    return case((Cycle.status.in_(("won", "lost", "cancelled")), Cycle.status), else_="open")


def variant_figures(session: Session, scope: Scope, now: datetime) -> Sequence[Any]:
    """PostgreSQL: (path, end, cycles, p50 and p90 seconds from start to end, up to now while open)
    of the cycles in scope, grouped by their kept path (storage.models.control.CyclePath; '' for
    none) and how they end (won, lost, cancelled, else open)."""
    path, end = func.coalesce(CyclePath.path, ""), _variant_end()
    seconds = _seconds(func.coalesce(Cycle.ended_at, literal(now, DateTime(timezone=True))), Cycle.started_at)
    query = _joined_for(select(path.label("path"), end.label("end"), func.count().label("cycles"),
                               _p(0.5, seconds).label("p50"), _p(0.9, seconds).label("p90"))
                        .select_from(Cycle).outerjoin(CyclePath, CyclePath.cycle_id == Cycle.id), scope) \
        .where(*_conditions(scope))
    return session.execute(query.group_by(path, end)).all()


def variant_lives(session: Session, scope: Scope) -> Sequence[Any]:
    """(path or None, status, started_at, ended_at) of each cycle in scope, with its kept path."""
    query: Any = select(CyclePath.path, Cycle.status, Cycle.started_at, Cycle.ended_at).select_from(Cycle) \
        .outerjoin(CyclePath, CyclePath.cycle_id == Cycle.id)
    return session.execute(_joined_for(query, scope).where(*_conditions(scope))).all()
