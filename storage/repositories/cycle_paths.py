"""The kept paths of the cycles (storage.models.control.CyclePath): each cycle's completed tasks
in the order they were first completed, loops collapsed, read from the history by ``from_history``
(the variants' definition) and rebuilt by the step that completes a task. Repositories never commit."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, Select, Table, delete, func, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from storage.models import HistoryEvent
from storage.models.control import CyclePath

#: joins the task names of a path (a character no name has)
SEPARATOR = "\x1f"


def _dialect(bind: Session | Connection) -> str:
    return (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name


def split(path: str | None) -> tuple[str, ...]:
    return tuple(path.split(SEPARATOR)) if path else ()


def from_history(bind: Session | Connection, cycle_ids: Sequence[int] | None = None) -> Select[Any]:
    """(cycle_id, path) of every cycle with a completed task (of these cycles when given)."""
    name = func.coalesce(HistoryEvent.task_name, HistoryEvent.element_id)
    ranked = select(HistoryEvent.cycle_id, name.label("name"), HistoryEvent.at, HistoryEvent.id,
                    func.row_number().over(partition_by=(HistoryEvent.cycle_id, name),
                                           order_by=(HistoryEvent.at, HistoryEvent.id)).label("nth")) \
        .where(HistoryEvent.type == "completed")
    if cycle_ids is not None:
        ranked = ranked.where(HistoryEvent.cycle_id.in_(list(cycle_ids)))
    firsts = ranked.subquery("ranked")
    if _dialect(bind) == "postgresql":
        path = func.string_agg(firsts.c.name, aggregate_order_by(literal(SEPARATOR), firsts.c.at, firsts.c.id))
        return select(firsts.c.cycle_id, path.label("path")).where(firsts.c.nth == 1).group_by(firsts.c.cycle_id)
    # SQLite (3.40 has no ORDER BY in an aggregate): group_concat over the rows in their order
    ordered = select(firsts.c.cycle_id, firsts.c.name).where(firsts.c.nth == 1) \
        .order_by(firsts.c.cycle_id, firsts.c.at, firsts.c.id).subquery("ordered")
    return select(ordered.c.cycle_id, func.group_concat(ordered.c.name, SEPARATOR).label("path")) \
        .group_by(ordered.c.cycle_id)


def rebuild(bind: Session | Connection) -> None:
    """Replaces every kept path by the history's reading (migration 0019's backfill; the steps
    grow the paths with ``extend``)."""
    bind.execute(delete(CyclePath))
    bind.execute(insert(CyclePath).from_select(["cycle_id", "path"], from_history(bind)))


def extend(session: Session, cycle_id: int, completed: Sequence[str]) -> None:
    """Adds to a cycle's kept path the tasks a step completed (``completed``: their names, in
    order) that the cycle had not completed before: one read of the path by its key and, only when
    it grows, one upsert. A step's cost does not grow with the cycle's history (a loop of 10,000
    passes completes the same names again: nothing to write)."""
    if not completed:
        return
    path = list(split(session.execute(select(CyclePath.path).where(CyclePath.cycle_id == cycle_id))
                      .scalar_one_or_none()))
    grown = [name for name in dict.fromkeys(completed) if name not in path]
    if not grown:
        return
    dialect = postgresql if _dialect(session) == "postgresql" else sqlite
    statement = dialect.insert(cast(Table, CyclePath.__table__)).values(
        cycle_id=cycle_id, path=SEPARATOR.join(path + grown))
    session.execute(statement.on_conflict_do_update(index_elements=["cycle_id"],
                                                    set_={"path": statement.excluded.path}))


def kept(bind: Session | Connection) -> list[tuple[int, tuple[str, ...]]]:
    return [(int(r[0]), split(r[1])) for r in bind.execute(select(CyclePath.cycle_id, CyclePath.path)
                                                            .order_by(CyclePath.cycle_id))]


def by_definition(bind: Session | Connection) -> list[tuple[int, tuple[str, ...]]]:
    """Each cycle's path computed in Python from its completions (the variants' definition)."""
    paths: dict[int, list[str]] = {}
    for cycle_id, name in bind.execute(
            select(HistoryEvent.cycle_id, func.coalesce(HistoryEvent.task_name, HistoryEvent.element_id))
            .where(HistoryEvent.type == "completed").order_by(HistoryEvent.cycle_id, HistoryEvent.at, HistoryEvent.id)):
        path = paths.setdefault(int(cycle_id), [])
        if str(name) not in path:
            path.append(str(name))
    return sorted((k, tuple(v)) for k, v in paths.items())
