"""A client's timeline: history, contacts, done work and client events, paged by a cursor. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from storage.models import (
    Activity,
    ClientEvent,
    Cycle,
    HistoryEvent,
    Regulation,
    RegulationVersion,
    WorkDone,
)


def _before(at: Any, id_: Any, before: tuple[datetime, int] | None) -> Any:
    """Rows older than ``before`` in the order (at, id), newest first."""
    if before is None:
        return true()
    return or_(at < before[0], and_(at == before[0], id_ < before[1]))


def history_of_client(session: Session, client_id: int, before: tuple[datetime, int] | None, limit: int,
                      exclude_types: Sequence[str] = ()) -> Sequence[HistoryEvent]:
    """History events of all the client's cycles, newest first (a page of them)."""
    query = select(HistoryEvent).where(HistoryEvent.client_id == client_id,
                                       _before(HistoryEvent.at, HistoryEvent.id, before))
    if exclude_types:
        query = query.where(HistoryEvent.type.not_in(list(exclude_types)))
    return session.scalars(query.order_by(HistoryEvent.at.desc(), HistoryEvent.id.desc()).limit(limit)).all()


def activity_moment() -> Any:
    """When an ad-hoc contact shows in a timeline: done, else planned (created)."""
    return func.coalesce(Activity.done_at, Activity.created_at)


def activities_timeline(session: Session, client_id: int, before: tuple[datetime, int] | None,
                        limit: int) -> Sequence[Activity]:
    """The client's ad-hoc contacts (any status), newest first by done or else created time."""
    at = activity_moment()
    return session.scalars(select(Activity).where(Activity.client_id == client_id, _before(at, Activity.id, before))
                           .order_by(at.desc(), Activity.id.desc()).limit(limit)).unique().all()


def other_work_of_client(session: Session, client_id: int, before: tuple[datetime, int] | None,
                         limit: int) -> Sequence[WorkDone]:
    """Done work neither of a cycle task nor of an ad-hoc contact (those show as their own events)."""
    return session.scalars(select(WorkDone).where(
        WorkDone.client_id == client_id, WorkDone.task_id.is_(None), WorkDone.activity_id.is_(None),
        _before(WorkDone.done_at, WorkDone.id, before))
        .order_by(WorkDone.done_at.desc(), WorkDone.id.desc()).limit(limit)).all()


def client_events_page(session: Session, client_id: int, before: tuple[datetime, int] | None, limit: int,
                       types: Sequence[str] | None = None, exclude_types: Sequence[str] = ()) -> Sequence[ClientEvent]:
    """The client's own events, newest first (of the given types; without the excluded ones)."""
    query = select(ClientEvent).where(ClientEvent.client_id == client_id,
                                      _before(ClientEvent.at, ClientEvent.id, before))
    if types is not None:
        query = query.where(ClientEvent.type.in_(list(types)))
    if exclude_types:
        query = query.where(ClientEvent.type.not_in(list(exclude_types)))
    return session.scalars(query.order_by(ClientEvent.at.desc(), ClientEvent.id.desc()).limit(limit)).all()


def work_done_of_tasks(session: Session, client_id: int, task_ids: Sequence[str],
                       activity_ids: Sequence[int]) -> Sequence[WorkDone]:
    """The done-work rows of these tasks and ad-hoc contacts (their deadline, on time or late)."""
    if not task_ids and not activity_ids:
        return []
    return session.scalars(select(WorkDone).where(WorkDone.client_id == client_id, or_(
        WorkDone.task_id.in_(list(task_ids)), WorkDone.activity_id.in_(list(activity_ids))))).all()


def regulation_names_of_cycles(session: Session, cycle_ids: Sequence[int]) -> dict[int, str]:
    if not cycle_ids:
        return {}
    rows = session.execute(select(Cycle.id, Regulation.name)
                           .join(RegulationVersion, RegulationVersion.id == Cycle.version_id)
                           .join(Regulation, Regulation.id == RegulationVersion.regulation_id)
                           .where(Cycle.id.in_(list(cycle_ids))))
    return {int(cycle_id): str(name) for cycle_id, name in rows}
