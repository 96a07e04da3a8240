"""Segments, teams, absences, distribution and hand-overs. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import (
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, joinedload, undefer

from storage.models import (
    Absence,
    Activity,
    Client,
    Cycle,
    Handover,
    OpenTask,
    Segment,
    Team,
    TeamMember,
)
from storage.repositories._common import _is_postgresql

#: client statuses that count as active work (with an active cycle, any status counts)
ACTIVE_CLIENT_STATUSES = ("lead", "prospect")


#: cycle statuses whose open tasks and variables follow the client's owner
LIVE_CYCLE_STATUSES = ("active", "incident", "suspended")  # a suspended cycle resumes with them


def segments_in_order(session: Session) -> Sequence[Segment]:
    """Segments in the order their rules apply."""
    return session.scalars(select(Segment).order_by(Segment.position, Segment.id)).all()


def clients_in_segment(session: Session, segment_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Client).where(Client.segment_id == segment_id)) or 0


def teams(session: Session) -> Sequence[Team]:
    return session.scalars(select(Team).order_by(Team.name)).all()


def team_by_name(session: Session, name: str) -> Team | None:
    return session.scalar(select(Team).where(func.lower(Team.name) == name.lower()))


def teams_for_update(session: Session, team_ids: Sequence[int]) -> dict[int, Team]:
    """Teams (with members), locked in id order on PostgreSQL while a distribution takes its
    turns (SQLite's write transaction already serialises writers); re-read, not from the cache."""
    if not team_ids:
        return {}
    query = (select(Team).where(Team.id.in_(sorted(set(team_ids)))).order_by(Team.id)
             .execution_options(populate_existing=True))
    if _is_postgresql(session):
        query = query.with_for_update(of=Team)
    found = {team.id: team for team in session.scalars(query).all()}
    if found:  # members too: their credits are read and written under the lock
        session.scalars(select(TeamMember).where(TeamMember.team_id.in_(list(found)))
                        .execution_options(populate_existing=True)).all()
    return found


def absences(session: Session, user_id: int | None = None, ending_from: date | None = None) -> Sequence[Absence]:
    """Absences (of one user), those ending on or after ``ending_from`` when given, by start."""
    query = select(Absence)
    if user_id is not None:
        query = query.where(Absence.user_id == user_id)
    if ending_from is not None:
        query = query.where(Absence.ends_on >= ending_from)
    return session.scalars(query.order_by(Absence.starts_on, Absence.id)).all()


def absences_overlapping(session: Session, first: date, last: date,
                         user_ids: Sequence[int] | None = None) -> Sequence[Absence]:
    """Absences that cover any day of [first, last] (of these users, when given)."""
    query = select(Absence).where(Absence.starts_on <= last, Absence.ends_on >= first)
    if user_ids is not None:
        query = query.where(Absence.user_id.in_(list(user_ids)))
    return session.scalars(query.order_by(Absence.starts_on, Absence.id)).all()


def active_client_counts(session: Session, user_ids: Sequence[int]) -> dict[int, int]:
    """Per user: the clients they own that are active work (a lead or prospect, or with an
    active cycle); merged clients do not count."""
    if not user_ids:
        return {}
    live_cycle = exists().where(Cycle.client_id == Client.id, Cycle.status.in_(LIVE_CYCLE_STATUSES))
    rows = session.execute(select(Client.owner_id, func.count()).where(
        Client.owner_id.in_(list(user_ids)), Client.merged_into_id.is_(None),
        or_(Client.status.in_(ACTIVE_CLIENT_STATUSES), live_cycle)).group_by(Client.owner_id)).all()
    counts = dict.fromkeys(user_ids, 0)
    counts.update({owner_id: count for owner_id, count in rows if owner_id is not None})
    return counts


def unowned_clients(session: Session, limit: int = 5000) -> Sequence[Client]:
    """Clients nobody owns (not merged away, not inactive), oldest first."""
    return session.scalars(select(Client).where(
        Client.owner_id.is_(None), Client.merged_into_id.is_(None), Client.status != "inactive")
        .order_by(Client.created_at, Client.id).limit(limit)).all()


def count_unowned_clients(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Client).where(
        Client.owner_id.is_(None), Client.merged_into_id.is_(None), Client.status != "inactive")) or 0


def clients_by_ids(session: Session, client_ids: Sequence[int]) -> Sequence[Client]:
    if not client_ids:
        return []
    return session.scalars(select(Client).where(Client.id.in_(list(client_ids)))
                           .order_by(Client.created_at, Client.id)
                           .options(joinedload(Client.segment), joinedload(Client.owner))).unique().all()


def clients_of_owner(session: Session, user_id: int) -> Sequence[Client]:
    """A manager's portfolio: the clients they own (not merged away), by name."""
    return session.scalars(select(Client).where(Client.owner_id == user_id, Client.merged_into_id.is_(None))
                           .order_by(Client.name, Client.id)
                           .options(joinedload(Client.segment))).unique().all()


def open_tasks_of_clients(session: Session, client_ids: Sequence[int], assignee: str) -> Sequence[OpenTask]:
    """Open tasks of these clients' cycles held by ``assignee``."""
    if not client_ids:
        return []
    return session.scalars(select(OpenTask).where(OpenTask.client_id.in_(list(client_ids)),
                                                  OpenTask.assignee == assignee)
                           .order_by(OpenTask.created_at)).all()


def planned_activities_of_clients(session: Session, client_ids: Sequence[int],
                                  assignee: str) -> Sequence[Activity]:
    """Planned ad-hoc contacts with these clients that ``assignee`` is to make."""
    if not client_ids:
        return []
    return session.scalars(select(Activity).where(Activity.client_id.in_(list(client_ids)),
                                                  Activity.assignee == assignee,
                                                  Activity.status == "planned")).all()


def live_cycles_of_clients_for_update(session: Session, client_ids: Sequence[int]) -> Sequence[Cycle]:
    """Running (active, in incident or suspended) cycles of these clients with their state, locked on PostgreSQL."""
    if not client_ids:
        return []
    query = (select(Cycle).where(Cycle.client_id.in_(list(client_ids)), Cycle.status.in_(LIVE_CYCLE_STATUSES))
             .options(undefer(Cycle.state)).order_by(Cycle.id))
    if _is_postgresql(session):
        query = query.with_for_update(of=Cycle)
    return session.scalars(query).all()


def handovers(session: Session, limit: int = 200) -> Sequence[Handover]:
    """Hand-overs, newest first."""
    return session.scalars(select(Handover).order_by(Handover.created_at.desc(), Handover.id.desc())
                           .limit(limit)).all()


def handover_for_update(session: Session, handover_id: int) -> Handover | None:
    query = select(Handover).where(Handover.id == handover_id)
    if _is_postgresql(session):
        query = query.with_for_update(of=Handover)
    return session.scalar(query)


def handovers_due(session: Session, now: datetime, limit: int = 100) -> Sequence[Handover]:
    """Temporary hand-overs whose return time has come, oldest first; on PostgreSQL locked,
    skipping those another worker is returning."""
    query = (select(Handover).where(Handover.status == "temporary", Handover.returns_at <= now)
             .order_by(Handover.returns_at, Handover.id).limit(limit))
    if _is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=Handover)
    return session.scalars(query).all()

