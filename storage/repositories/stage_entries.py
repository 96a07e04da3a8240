"""The stage entries of the cycles (storage.models.StageEntry): kept by the step that opens a
task, rebuilt from the history when needed. Repositories never commit.

An entry is a task with a stage opened while the cycle was at another stage (the stage of the
task with a stage opened last); the history-based reading of that definition is ``from_history``.

Each entry also carries its cycle's manager (whom the cycle was credited to when decided, else its
client's owner now) and its client's segment now, so that the filters need not join the cycles
and the clients. They are written with the entry, from the step's own loaded cycle, and kept
true by ``follow``: after every flush that changed a client's owner or segment, or a cycle's
client or crediting, through the ORM (a hand-over, a reassignment, the distribution, an edit, a
start that takes a free client), and by an explicit call where rows move in bulk (a merge).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, case, delete, event, func, insert, inspect, literal, or_, select, update
from sqlalchemy.orm import Session, UOWTransaction

from storage.models import Client, Cycle, HistoryEvent, RegulationVersion
from storage.models.control import StageEntry

ADVANCED, MOVED_BACK = "advanced", "moved_back"
#: a decided cycle's status -> the outcome of the entry it ended in
ENDED_AS = {"won": ADVANCED, "lost": "lost", "cancelled": "cancelled"}


def outcome(ranks: Sequence[Any], stage: str, next_stage: str) -> str:
    """A left entry's outcome: advanced when the next stage is later in the version's stage list
    (a stage it does not list ranks below every listed one), else moved back."""
    listed = [str(s) for s in ranks]

    def rank(name: str) -> int:
        return listed.index(name) if name in listed else -1

    return ADVANCED if rank(next_stage) > rank(stage) else MOVED_BACK


def _stages(session: Session | Connection, version_id: int) -> list[Any]:
    if isinstance(session, Session):  # the step's cycle loaded its version: no statement
        version = session.get(RegulationVersion, version_id)
        return list(version.stages or []) if version is not None else []
    return list(session.execute(select(RegulationVersion.stages).where(RegulationVersion.id == version_id))
                .scalar_one_or_none() or [])


def _placed(session: Session, cycle_id: int) -> tuple[int | None, int | None]:
    """(manager id, segment id) of a cycle, from the step's own loaded cycle and client."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        return None, None
    client = cycle.client
    manager = cycle.credited_to_id if cycle.credited_to_id is not None else client.owner_id
    return manager, client.segment_id


def record(session: Session, cycle_id: int, version_id: int, created: Sequence[tuple[datetime, str]]) -> None:
    """Adds the entries the tasks just opened made (``created``: (at, stage) in the order they
    opened), closing the entry the cycle was in."""
    if not created:
        return
    current = session.scalars(select(StageEntry).where(StageEntry.cycle_id == cycle_id, StageEntry.left_at.is_(None))
                              .order_by(StageEntry.id.desc()).limit(1)).first()
    ranks: list[Any] | None = None
    manager_id, segment_id = _placed(session, cycle_id)
    for at, stage in created:
        if current is not None and current.stage == stage:
            continue
        if current is not None:
            ranks = _stages(session, version_id) if ranks is None else ranks
            current.left_at, current.next_stage = at, stage
            current.outcome = outcome(ranks, current.stage, stage)
        current = StageEntry(cycle_id=cycle_id, stage=stage, entered_at=at, manager_id=manager_id,
                             segment_id=segment_id)
        session.add(current)
    session.flush()


def settle(session: Session, cycle_id: int, status: str) -> None:
    """A cycle that ended (won, lost, cancelled) ends the entry it is in with its outcome; the
    entry of a cycle still open has none (it is still there)."""
    outcome = ENDED_AS.get(status)
    if outcome is not None:
        session.execute(update(StageEntry).where(StageEntry.cycle_id == cycle_id, StageEntry.left_at.is_(None))
                        .values(outcome=outcome).execution_options(synchronize_session=False))


def _rank(column: Any, stages: Sequence[Any]) -> Any:
    whens = [(column == str(name), position) for position, name in enumerate(stages)]
    return case(*whens, else_=-1) if whens else literal(-1)


def _classify(bind: Session | Connection, version_id: int, stages: Sequence[Any], cycle_id: int | None) -> None:
    """Sets the outcome of the left entries of the version's cycles (of one cycle when given)."""
    cycles = select(Cycle.id).where(Cycle.version_id == version_id)
    if cycle_id is not None:
        cycles = cycles.where(Cycle.id == cycle_id)
    value = case((_rank(StageEntry.next_stage, stages) > _rank(StageEntry.stage, stages), ADVANCED), else_=MOVED_BACK)
    bind.execute(update(StageEntry).where(StageEntry.next_stage.is_not(None), StageEntry.cycle_id.in_(cycles))
                 .values(outcome=value).execution_options(synchronize_session=False))


def reclassify(session: Session, cycle_id: int, version_id: int) -> None:
    """After a cycle moved to another version: its left entries ranked by that version's stages
    (as the funnel reads a migrated cycle's whole history)."""
    session.flush()
    _classify(session, version_id, _stages(session, version_id), cycle_id)
    for found in list(session.identity_map.values()):
        if isinstance(found, StageEntry) and found.cycle_id == cycle_id:
            session.expire(found, ["outcome"])


def from_history() -> Select[Any]:
    """(cycle_id, stage, entered_at, left_at, next_stage) of every stage entry, read from the
    history with window functions (the definition the kept entries agree with)."""
    stage = HistoryEvent.data["stage"].as_string()
    order = (HistoryEvent.at, HistoryEvent.id)
    staged = select(HistoryEvent.cycle_id, HistoryEvent.id.label("event_id"), HistoryEvent.at, stage.label("stage"),
                    func.lag(stage).over(partition_by=HistoryEvent.cycle_id, order_by=order).label("previous")) \
        .where(HistoryEvent.type == "created", stage.is_not(None)).subquery("staged")
    entries = select(staged.c.cycle_id, staged.c.event_id, staged.c.at, staged.c.stage) \
        .where(or_(staged.c.previous.is_(None), staged.c.previous != staged.c.stage)).subquery("entries")
    following = (entries.c.at, entries.c.event_id)
    return select(entries.c.cycle_id, entries.c.stage, entries.c.at.label("entered_at"),
                  func.lead(entries.c.at, type_=HistoryEvent.__table__.c.at.type)
                  .over(partition_by=entries.c.cycle_id, order_by=following).label("left_at"),
                  func.lead(entries.c.stage).over(partition_by=entries.c.cycle_id, order_by=following)
                  .label("next_stage"))


def rebuild(bind: Session | Connection) -> int:
    """Replaces every kept entry by those of the history (migration 0014's backfill); returns
    how many there are. Their manager and segment are ``place``'s (migration 0017's backfill)."""
    bind.execute(delete(StageEntry))
    history = from_history().subquery("history")
    bind.execute(insert(StageEntry).from_select(
        ["cycle_id", "stage", "entered_at", "left_at", "next_stage"],
        select(history.c.cycle_id, history.c.stage, history.c.entered_at, history.c.left_at, history.c.next_stage)))
    for version_id, stages in bind.execute(select(RegulationVersion.id, RegulationVersion.stages)).all():
        _classify(bind, int(version_id), list(stages or []), None)
    for status, outcome in ENDED_AS.items():
        bind.execute(update(StageEntry).where(StageEntry.left_at.is_(None),
                                              StageEntry.cycle_id.in_(select(Cycle.id).where(Cycle.status == status)))
                     .values(outcome=outcome).execution_options(synchronize_session=False))
    return int(bind.execute(select(func.count()).select_from(StageEntry)).scalar_one())


# ---------------------------------------------------------------- the manager and segment copies

#: the most ids one statement of ``place`` names
CHUNK = 500


def place(bind: Session | Connection, client_ids: Sequence[int] | None = None,
          cycle_ids: Sequence[int] | None = None) -> None:
    """Sets the manager and segment of the entries of these clients' and these cycles' cycles
    (both None: of every entry) from their cycles and clients as they are now."""
    manager = select(func.coalesce(Cycle.credited_to_id, Client.owner_id)).join(Client, Client.id == Cycle.client_id) \
        .where(Cycle.id == StageEntry.cycle_id).scalar_subquery()
    segment = select(Client.segment_id).join(Cycle, Cycle.client_id == Client.id) \
        .where(Cycle.id == StageEntry.cycle_id).scalar_subquery()
    statement = update(StageEntry).values(manager_id=manager, segment_id=segment) \
        .execution_options(synchronize_session=False)
    if client_ids is None and cycle_ids is None:
        bind.execute(statement)
        return
    for column, ids in ((Cycle.client_id, sorted(set(client_ids or ()))), (Cycle.id, sorted(set(cycle_ids or ())))):
        for start in range(0, len(ids), CHUNK):
            bind.execute(statement.where(StageEntry.cycle_id.in_(
                select(Cycle.id).where(column.in_(ids[start:start + CHUNK])))))


def _changed(obj: Any, *names: str) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "after_flush")
def follow(session: Session, _flush: UOWTransaction) -> None:
    """After a flush: the entries of the cycles whose client's owner or segment, or whose own
    client or crediting, the flush changed get their manager and segment again (a decision that
    credits the client's owner changes neither)."""
    client_ids: list[int] = []
    cycle_ids: list[int] = []
    for obj in session.dirty:
        if isinstance(obj, Client) and _changed(obj, "owner_id", "owner", "segment_id", "segment"):
            client_ids.append(obj.id)
        elif isinstance(obj, Cycle) and (_changed(obj, "client_id", "client") or (
                _changed(obj, "credited_to_id") and obj.credited_to_id != obj.client.owner_id)):
            cycle_ids.append(obj.id)
    if client_ids or cycle_ids:
        place(session.connection(), client_ids, cycle_ids)


def kept(session: Session) -> list[tuple[int, str, datetime, datetime | None, str | None]]:
    """(cycle_id, stage, entered_at, left_at, next_stage) of every kept entry, in order."""
    rows = session.execute(select(StageEntry.cycle_id, StageEntry.stage, StageEntry.entered_at, StageEntry.left_at,
                                  StageEntry.next_stage).order_by(StageEntry.cycle_id, StageEntry.entered_at, StageEntry.id)).all()
    return [(int(r[0]), str(r[1]), r[2], r[3], r[4]) for r in rows]

