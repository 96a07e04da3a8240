"""Analytics reads over the cycles' history: the kept stage entries (the funnel), cohorts of
started cycles, and the event log a page at a time. Repositories read; they never commit.

Every read takes a Scope: the cycles a figure counts. A cycle's manager is the person it was
credited to when it was decided, else its client's owner now. Reads of the stage entries take
the manager, the team and the segment from the entries' own copies (StageEntry.manager_id and
segment_id), so that they join no cycle or client for them.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from storage.models import (
    Client,
    Cycle,
    HistoryEvent,
    Regulation,
    RegulationVersion,
    Segment,
    Team,
    TeamMember,
    User,
)
from storage.models.control import StageEntry
from storage.repositories._common import _is_postgresql

#: the parts of a stage entry, as the funnel's SQL names them
ADVANCED, LOST, MOVED_BACK, CANCELLED, STILL_THERE = "advanced", "lost", "moved_back", "cancelled", "still_there"
PARTS = (ADVANCED, LOST, MOVED_BACK, CANCELLED, STILL_THERE)
#: a cycle's status -> its cohort part
OPEN_STATUSES = ("active", "incident", "suspended")


@dataclass(frozen=True)
class Scope:
    """Which cycles count: every condition given holds."""

    manager_id: int | None = None
    regulation: str | None = None
    version: int | None = None
    segment_id: int | None = None
    team_id: int | None = None
    #: cycles started in [started_from, started_before)
    started_from: datetime | None = None
    started_before: datetime | None = None


def manager_of_cycle() -> ColumnElement[Any]:
    return func.coalesce(Cycle.credited_to_id, Client.owner_id)


def _conditions(scope: Scope) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    manager = manager_of_cycle()
    if scope.manager_id is not None:  # the coalesce spelled out, so that the planner can estimate it
        found.append(or_(Cycle.credited_to_id == scope.manager_id,
                         and_(Cycle.credited_to_id.is_(None), Client.owner_id == scope.manager_id)))
    if scope.regulation is not None:
        found.append(Regulation.key == scope.regulation)
    if scope.version is not None:
        found.append(RegulationVersion.number == scope.version)
    if scope.segment_id is not None:
        found.append(Client.segment_id == scope.segment_id)
    if scope.team_id is not None:
        found.append(manager.in_(select(TeamMember.user_id).where(TeamMember.team_id == scope.team_id)))
    if scope.started_from is not None:
        found.append(Cycle.started_at >= scope.started_from)
    if scope.started_before is not None:
        found.append(Cycle.started_at < scope.started_before)
    return found


def _cycles_joined(query: Select[Any]) -> Select[Any]:
    """Joins a query that selects from Cycle to what the scope conditions name."""
    return (query.join(Client, Client.id == Cycle.client_id)
            .join(RegulationVersion, RegulationVersion.id == Cycle.version_id)
            .join(Regulation, Regulation.id == RegulationVersion.regulation_id))


def _joined_for(query: Select[Any], scope: Scope) -> Select[Any]:
    """Joins a query that selects from Cycle to only the tables the scope's conditions name."""
    if (scope.manager_id, scope.segment_id, scope.team_id) != (None, None, None):
        query = query.join(Client, Client.id == Cycle.client_id)
    if (scope.regulation, scope.version) != (None, None):
        query = query.join(RegulationVersion, RegulationVersion.id == Cycle.version_id) \
            .join(Regulation, Regulation.id == RegulationVersion.regulation_id)
    return query


def _entry_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    """The manager, segment and team conditions on the stage entries' own copies."""
    found: list[ColumnElement[bool]] = []
    if scope.manager_id is not None:
        found.append(StageEntry.manager_id == scope.manager_id)
    if scope.segment_id is not None:
        found.append(StageEntry.segment_id == scope.segment_id)
    if scope.team_id is not None:
        found.append(StageEntry.manager_id.in_(select(TeamMember.user_id).where(TeamMember.team_id == scope.team_id)))
    return found


def _on_cycles(scope: Scope) -> Scope:
    """What of a scope the stage entries cannot answer alone (regulation, version, start)."""
    return replace(scope, manager_id=None, segment_id=None, team_id=None)


def entries_in(query: Select[Any], scope: Scope, cycle_joined: bool = False) -> Select[Any]:
    """A query over StageEntry limited to the scope: the entries' copies for the manager, the team
    and the segment, their cycles (joined unless ``cycle_joined``) only for the rest."""
    query = query.where(*_entry_conditions(scope))
    rest = _on_cycles(scope)
    if rest == Scope():
        return query
    if not cycle_joined:
        query = query.join(Cycle, Cycle.id == StageEntry.cycle_id)
    return _joined_for(query, rest).where(*_conditions(rest))


# ---------------------------------------------------------------- names the filters give

def segment_id(session: Session, name: str) -> int | None:
    return session.scalar(select(Segment.id).where(Segment.name == name))


def team_id(session: Session, name: str) -> int | None:
    return session.scalar(select(Team.id).where(Team.name == name))


def user_id(session: Session, login: str) -> int | None:
    return session.scalar(select(User.id).where(User.login == login))


def version_stages(session: Session) -> list[tuple[int, str, int, list[Any]]]:
    """(version id, regulation key, number, stages) of every version, oldest first."""
    rows = session.execute(select(RegulationVersion.id, Regulation.key, RegulationVersion.number,
                                  RegulationVersion.stages)
                           .join(Regulation, Regulation.id == RegulationVersion.regulation_id)
                           .order_by(Regulation.key, RegulationVersion.number)).all()
    return [(r[0], r[1], r[2], list(r[3] or [])) for r in rows]


# ---------------------------------------------------------------- funnel

def _part() -> ColumnElement[Any]:
    """The part an entry ended in: its outcome, kept when it was left or its cycle ended; none yet:
    still there."""
    return func.coalesce(StageEntry.outcome, STILL_THERE)


def _in_period(column: Any, start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    return [c for c in ((column >= start) if start else None, (column < end) if end else None) if c is not None]


def funnel_counts(session: Session, scope: Scope, entered_from: datetime | None,
                  entered_before: datetime | None) -> list[tuple[str, str, int]]:
    """(stage, part, entries) of the stage entries made in [entered_from, entered_before), from
    the kept stage entries alone (storage.models.StageEntry; the cycles only to apply a regulation,
    version or start period)."""
    part = _part()
    query = entries_in(select(StageEntry.stage, part, func.count()).select_from(StageEntry), scope)
    rows = session.execute(query.where(*_in_period(StageEntry.entered_at, entered_from, entered_before))
                           .group_by(StageEntry.stage, part)).all()
    return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]


def funnel_cycles(session: Session, scope: Scope, entered_from: datetime | None, entered_before: datetime | None,
                  stage: str, part: str | None, limit: int) -> Sequence[Row[Any]]:
    """The stage entries behind one funnel figure (part None: all entries of the stage), with their
    cycles: (entered_at, cycle_id, client_id, client_name, regulation, version, stage now, status,
    started_at, ended_at)."""
    query = _cycles_joined(
        select(StageEntry.entered_at, *_cycle_columns()).select_from(StageEntry)
        .join(Cycle, Cycle.id == StageEntry.cycle_id)
    ).where(StageEntry.stage == stage, *_entry_conditions(scope), *_conditions(_on_cycles(scope)),
            *_in_period(StageEntry.entered_at, entered_from, entered_before))
    if part is not None:  # spelled out on the column, so that the planner can estimate it
        query = query.where(StageEntry.outcome.is_(None) if part == STILL_THERE else StageEntry.outcome == part)
    return session.execute(query.order_by(StageEntry.entered_at, StageEntry.cycle_id).limit(limit)).all()


def _cycle_columns() -> list[Any]:
    return [Cycle.id.label("cycle_id"), Cycle.client_id, Client.name.label("client_name"),
            Regulation.key.label("regulation"), RegulationVersion.number.label("version"), Cycle.stage,
            Cycle.status, Cycle.started_at, Cycle.ended_at]


# ---------------------------------------------------------------- cohorts

def _month(session: Session) -> Any:
    """The UTC month of a cycle's start, as text YYYY-MM."""
    if _is_postgresql(session):
        return func.to_char(func.timezone("UTC", Cycle.started_at), "YYYY-MM")
    return func.strftime("%Y-%m", Cycle.started_at)


def cohort_counts(session: Session, scope: Scope) -> list[tuple[str, str, int]]:
    """(month started, status now, cycles) of the cycles in scope."""
    month = _month(session)
    rows = session.execute(_joined_for(select(month, Cycle.status, func.count()).select_from(Cycle), scope)
                           .where(*_conditions(scope)).group_by(month, Cycle.status)).all()
    return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]


def cohort_cycles(session: Session, scope: Scope, month: str, statuses: Sequence[str] | None,
                  limit: int) -> Sequence[Row[Any]]:
    """The cycles started in ``month`` (YYYY-MM, UTC) with one of ``statuses`` (None: any)."""
    query = _cycles_joined(select(Cycle.started_at.label("entered_at"), *_cycle_columns()).select_from(Cycle)) \
        .where(_month(session) == month, *_conditions(scope))
    if statuses is not None:
        query = query.where(Cycle.status.in_(statuses))
    return session.execute(query.order_by(Cycle.started_at, Cycle.id).limit(limit)).all()


# ---------------------------------------------------------------- event log

def cycle_ids(session: Session, scope: Scope, after: int, limit: int) -> list[int]:
    """The ids of the cycles in scope after ``after``, in order."""
    return list(session.scalars(_cycles_joined(select(Cycle.id).select_from(Cycle))
                                .where(*_conditions(scope), Cycle.id > after).order_by(Cycle.id).limit(limit)))


def event_page(session: Session, cycle_ids: Sequence[int], after: tuple[int, int], limit: int) -> Sequence[Row[Any]]:
    """History events of these cycles, by cycle then order of recording, after the (cycle id,
    event id) ``after``, with their cycle's case attributes."""
    manager = aliased(User)
    cycle_id, event_id = after
    query = _cycles_joined(
        select(HistoryEvent.id, HistoryEvent.cycle_id, HistoryEvent.at, HistoryEvent.type, HistoryEvent.actor,
               HistoryEvent.task_id, HistoryEvent.element_id, HistoryEvent.task_name, HistoryEvent.data,
               Cycle.client_id, Client.name.label("client_name"), Segment.name.label("segment"),
               Regulation.key.label("regulation"), RegulationVersion.number.label("version"),
               Cycle.status, Cycle.outcome, Cycle.loss_reason, Cycle.started_at, Cycle.ended_at,
               manager.login.label("manager"))
        .select_from(HistoryEvent).join(Cycle, Cycle.id == HistoryEvent.cycle_id)
    ).outerjoin(Segment, Segment.id == Client.segment_id).outerjoin(manager, manager.id == manager_of_cycle()) \
        .where(HistoryEvent.cycle_id.in_(list(cycle_ids)),
               or_(HistoryEvent.cycle_id > cycle_id, and_(HistoryEvent.cycle_id == cycle_id, HistoryEvent.id > event_id)))
    return session.execute(query.order_by(HistoryEvent.cycle_id, HistoryEvent.id).limit(limit)).all()


def client_page(session: Session, scope: Scope, after: int, limit: int) -> Sequence[Any]:
    """(id, name, segment, created_at) of the clients of the cycles in scope, by id."""
    cycles_of = _cycles_joined(select(Cycle.client_id).select_from(Cycle)).where(*_conditions(scope))
    return session.execute(
        select(Client.id, Client.name, Segment.name.label("segment"), Client.created_at)
        .outerjoin(Segment, Segment.id == Client.segment_id)
        .where(Client.id.in_(cycles_of), Client.id > after).order_by(Client.id).limit(limit)).all()


def cycle_page(session: Session, scope: Scope, after: int, limit: int) -> Sequence[Row[Any]]:
    """The cycles in scope, by id, with their manager's login."""
    manager = aliased(User)
    return session.execute(
        _cycles_joined(select(*_cycle_columns(), Cycle.outcome, manager.login.label("manager")).select_from(Cycle))
        .outerjoin(manager, manager.id == manager_of_cycle())
        .where(*_conditions(scope), Cycle.id > after).order_by(Cycle.id).limit(limit)).all()


def task_page(session: Session, cycle_ids: Sequence[int], after: str, limit: int) -> Sequence[Row[Any]]:
    """(task_id, cycle_id, element_id, name, stage, first_at) of the tasks in the history of
    these cycles, by task id after ``after``."""
    stage = HistoryEvent.data["stage"].as_string()
    return session.execute(
        select(HistoryEvent.task_id, func.min(HistoryEvent.cycle_id).label("cycle_id"),
               func.min(HistoryEvent.element_id).label("element_id"),
               func.min(HistoryEvent.task_name).label("name"), func.max(stage).label("stage"),
               func.min(HistoryEvent.at).label("first_at"))
        .where(HistoryEvent.cycle_id.in_(list(cycle_ids)), HistoryEvent.task_id.is_not(None),
               HistoryEvent.task_id > after)
        .group_by(HistoryEvent.task_id).order_by(HistoryEvent.task_id).limit(limit)).all()


def people(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """(login, name) of everyone who acted in, or manages, a cycle in scope."""
    actors = _cycles_joined(select(HistoryEvent.actor.label("login")).select_from(HistoryEvent)
                            .join(Cycle, Cycle.id == HistoryEvent.cycle_id)) \
        .where(*_conditions(scope), HistoryEvent.actor.is_not(None)).distinct()
    managers = _cycles_joined(select(User.login).select_from(Cycle)).join(User, User.id == manager_of_cycle()) \
        .where(*_conditions(scope)).distinct()
    logins = {str(login) for login in session.scalars(actors)} | {str(login) for login in session.scalars(managers)}
    names = {str(r[0]): str(r[1]) for r in session.execute(select(User.login, User.name)
                                                           .where(User.login.in_(logins)))} if logins else {}
    return [(login, str(names.get(login) or login)) for login in sorted(logins)]
