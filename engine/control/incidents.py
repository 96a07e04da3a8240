"""What stopped: cycles in incident (engine.regulation.reading.CycleView) and timer jobs that failed
every attempt, read for the head's incidents page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.regulation.context import INCIDENT
from engine.regulation.reading import CycleView, cycle_view, list_cycles
from engine.shared.access import Actor
from storage.repositories import jobs as jobs_repo


@dataclass(frozen=True)
class FailedJob:
    """A timer job that failed every attempt, with its last error."""

    id: int
    cycle_id: int
    element_id: str
    due_at: datetime
    attempts: int
    last_error: str | None


def incidents(session: Session, actor: Actor) -> list[CycleView]:
    """The cycles the actor sees that stopped in an incident."""
    return [cycle_view(c) for c in list_cycles(session, actor, INCIDENT)]


def failed_jobs(session: Session) -> list[FailedJob]:
    return [FailedJob(j.id, j.cycle_id, j.element_id, j.due_at, j.attempts, j.last_error)
            for j in jobs_repo.failed_jobs(session)]
