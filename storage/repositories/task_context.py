"""What a task page shows beside its form: the cycle's completed steps, the client's latest notes
and done work (newest first, bounded). Repositories read; they never commit."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ClientEvent, HistoryEvent, WorkDone


def completed_steps(session: Session, cycle_id: int, limit: int) -> Sequence[HistoryEvent]:
    """The cycle's latest ``limit`` task completions, oldest first."""
    rows = session.scalars(select(HistoryEvent)
                           .where(HistoryEvent.cycle_id == cycle_id, HistoryEvent.type == "completed")
                           .order_by(HistoryEvent.at.desc(), HistoryEvent.id.desc()).limit(limit)).all()
    return rows[::-1]


def latest_notes(session: Session, client_id: int, limit: int) -> Sequence[ClientEvent]:
    return session.scalars(select(ClientEvent)
                           .where(ClientEvent.client_id == client_id, ClientEvent.type == "note")
                           .order_by(ClientEvent.at.desc(), ClientEvent.id.desc()).limit(limit)).all()


def latest_work(session: Session, client_id: int, limit: int) -> Sequence[WorkDone]:
    return session.scalars(select(WorkDone).where(WorkDone.client_id == client_id)
                           .order_by(WorkDone.done_at.desc(), WorkDone.id.desc()).limit(limit)).all()


def recorded_elements(session: Session, cycle_id: int) -> list[str]:
    """The element ids of the tasks whose completions the cycle's history holds (each once)."""
    rows = session.scalars(select(HistoryEvent.element_id).distinct()
                           .where(HistoryEvent.cycle_id == cycle_id, HistoryEvent.type == "completed",
                                  HistoryEvent.element_id.is_not(None))).all()
    return sorted(r for r in rows if r)
