"""Sales plans, decided cycles and payments for pay, statements, motivation schemes. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    and_,
    func,
    select,
)
from sqlalchemy.orm import Session

from storage.models import (
    Client,
    Cycle,
    HistoryEvent,
    MotivationScheme,
    Reversal,
    SalesPlan,
    Statement,
    StatementComment,
    TeamMember,
    WorkDone,
)
from storage.repositories._common import _is_postgresql


def sales_plans(session: Session, periods: Sequence[str], scenario: str) -> Sequence[SalesPlan]:
    """The plans (of managers and of teams) of these periods in one scenario."""
    return session.scalars(select(SalesPlan).where(SalesPlan.period.in_(list(periods)),
                                                   SalesPlan.scenario == scenario)
                           .order_by(SalesPlan.period, SalesPlan.login, SalesPlan.team_id)).all()


def plan_scenarios(session: Session, period: str | None = None) -> Sequence[str]:
    query = select(SalesPlan.scenario).distinct().order_by(SalesPlan.scenario)
    if period is not None:
        query = query.where(SalesPlan.period == period)
    return session.scalars(query).all()


def _credited_owner() -> Any:
    """Whose sale a cycle is: the owner it was credited to when decided, else the client's owner."""
    return func.coalesce(Cycle.credited_to_id, Client.owner_id)


def decided_cycles_between(session: Session, owner_ids: Sequence[int], start: datetime,
                           end: datetime) -> Sequence[Any]:
    """Cycles won or lost in [start, end) credited to these users (the client's owner when the
    cycle was decided): rows of (id, status, variables, started_at, ended_at, client_name, owner_id)."""
    owner = _credited_owner()
    return session.execute(
        select(Cycle.id, Cycle.status, Cycle.variables, Cycle.started_at, Cycle.ended_at,
               Client.name.label("client_name"), owner.label("owner_id"))
        .join(Client, Client.id == Cycle.client_id)
        .where(owner.in_(list(owner_ids)), Cycle.status.in_(("won", "lost")),
               Cycle.ended_at >= start, Cycle.ended_at < end)
        .order_by(Cycle.ended_at, Cycle.id)).all()


def payments_done_between(session: Session, owner_ids: Sequence[int], work_type: str, start: datetime,
                          end: datetime) -> Sequence[Any]:
    """Done work of that type in [start, end) in cycles credited to these users (see
    decided_cycles_between; the client's owner while the cycle runs), whoever did it: rows of
    (id, cycle_id, task_id, done_at, client_name, owner_id, variables)."""
    owner = _credited_owner()
    return session.execute(
        select(WorkDone.id, WorkDone.cycle_id, WorkDone.task_id, WorkDone.done_at,
               Client.name.label("client_name"), owner.label("owner_id"), Cycle.variables)
        .join(Client, Client.id == WorkDone.client_id)
        .join(Cycle, Cycle.id == WorkDone.cycle_id)
        .where(owner.in_(list(owner_ids)), WorkDone.work_type == work_type,
               WorkDone.done_at >= start, WorkDone.done_at < end)
        .order_by(WorkDone.done_at, WorkDone.id)).all()


def completed_task_variables(session: Session, task_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The values submitted when each of these tasks was completed (its history event)."""
    found: dict[str, dict[str, Any]] = {}
    unique = sorted(set(task_ids))
    for i in range(0, len(unique), 500):
        for task_id, data in session.execute(
                select(HistoryEvent.task_id, HistoryEvent.data).where(
                    HistoryEvent.task_id.in_(unique[i:i + 500]), HistoryEvent.type == "completed")):
            found[task_id] = dict((data or {}).get("variables") or {})
    return found


def work_done_between(session: Session, logins: Sequence[str], start: datetime, end: datetime) -> Sequence[Any]:
    """These people's done work done in [start, end): rows of (login, work_type, task_id,
    activity_id, due_at, done_at)."""
    return session.execute(
        select(WorkDone.login, WorkDone.work_type, WorkDone.task_id, WorkDone.activity_id, WorkDone.due_at,
               WorkDone.done_at)
        .where(WorkDone.login.in_(list(logins)), WorkDone.done_at >= start, WorkDone.done_at < end)
        .order_by(WorkDone.done_at, WorkDone.id)).all()


def reversals_until(session: Session, owner_ids: Sequence[int], end: datetime) -> Sequence[Any]:
    """Reversals before ``end`` of cycles credited to these users (the sale's manager bears
    its clawback): rows of (id, cycle_id, at, kind, amount, reason, variables, ended_at,
    client_name, owner_id)."""
    owner = _credited_owner()
    return session.execute(
        select(Reversal.id, Reversal.cycle_id, Reversal.at, Reversal.kind, Reversal.amount, Reversal.reason,
               Cycle.variables, Cycle.ended_at, Client.name.label("client_name"), owner.label("owner_id"))
        .join(Cycle, Cycle.id == Reversal.cycle_id)
        .join(Client, Client.id == Cycle.client_id)
        .where(owner.in_(list(owner_ids)), Reversal.at < end)
        .order_by(Reversal.at, Reversal.id)).all()


def reversals_of_cycle(session: Session, cycle_id: int) -> Sequence[Reversal]:
    return session.scalars(select(Reversal).where(Reversal.cycle_id == cycle_id)
                           .order_by(Reversal.at, Reversal.id)).all()


def statements(session: Session, periods: Sequence[str] | None = None,
               logins: Sequence[str] | None = None) -> Sequence[Statement]:
    """Statements (with their lines) of these periods and people, by period then login."""
    query = select(Statement)
    if periods is not None:
        query = query.where(Statement.period.in_(list(periods)))
    if logins is not None:
        query = query.where(Statement.login.in_(list(logins)))
    return session.scalars(query.order_by(Statement.period, Statement.login)).all()


def statement_of(session: Session, login: str, period: str) -> Statement | None:
    return session.scalar(select(Statement).where(Statement.login == login, Statement.period == period))


def locked_statement_periods(session: Session, logins: Sequence[str]) -> Sequence[Any]:
    """(login, period, locked_at) of every locked statement of these people."""
    return session.execute(select(Statement.login, Statement.period, Statement.locked_at).where(
        Statement.login.in_(list(logins)), Statement.status == "locked")).all()


def statement_comments(session: Session, statement_id: int) -> Sequence[StatementComment]:
    return session.scalars(select(StatementComment).where(StatementComment.statement_id == statement_id)
                           .order_by(StatementComment.created_at, StatementComment.id)).all()


def open_comment_counts(session: Session, statement_ids: Sequence[int]) -> dict[int, int]:
    """Unresolved comments per statement."""
    return dict(session.execute(
        select(StatementComment.statement_id, func.count()).where(
            StatementComment.statement_id.in_(list(statement_ids)), StatementComment.resolved.is_(False))
        .group_by(StatementComment.statement_id)).all())


def scheme_versions(session: Session, name: str) -> Sequence[MotivationScheme]:
    """Every version of a scheme, oldest first."""
    return session.scalars(select(MotivationScheme).where(MotivationScheme.name == name)
                           .order_by(MotivationScheme.version)).all()


def scheme_version(session: Session, name: str, version: int) -> MotivationScheme | None:
    return session.scalar(select(MotivationScheme).where(MotivationScheme.name == name,
                                                         MotivationScheme.version == version))


def newest_scheme_version_for_update(session: Session, name: str) -> MotivationScheme | None:
    """The newest version of a scheme, row-locked on PostgreSQL (edits read-modify-write its JSON)."""
    query = (select(MotivationScheme).where(MotivationScheme.name == name)
             .order_by(MotivationScheme.version.desc()).limit(1))
    if _is_postgresql(session):
        query = query.with_for_update()
    return session.scalar(query)


def latest_schemes(session: Session) -> Sequence[MotivationScheme]:
    """The newest version of each scheme, by name."""
    newest = (select(MotivationScheme.name, func.max(MotivationScheme.version).label("version"))
              .group_by(MotivationScheme.name).subquery())
    return session.scalars(select(MotivationScheme).join(newest, and_(
        MotivationScheme.name == newest.c.name, MotivationScheme.version == newest.c.version))
        .order_by(MotivationScheme.name)).all()


def active_scheme_versions(session: Session) -> dict[str, int]:
    """Scheme name -> the number of its active version."""
    return dict(session.execute(
        select(MotivationScheme.name, MotivationScheme.version).where(MotivationScheme.status == "active")).all())


def schemes_in_effect(session: Session, on: date) -> Sequence[MotivationScheme]:
    """Activated versions (active or retired, never drafts) effective on or before a day."""
    return session.scalars(select(MotivationScheme).where(
        MotivationScheme.status.in_(("active", "retired")), MotivationScheme.effective_from <= on)
        .order_by(MotivationScheme.name, MotivationScheme.version)).all()


def scheme_names_of_team(session: Session, team_id: int) -> list[str]:
    """The schemes with a version (of any status) for this team, by name."""
    return list(session.scalars(select(MotivationScheme.name).distinct()
                                .where(MotivationScheme.team_id == team_id).order_by(MotivationScheme.name)))


def team_ids_of_user(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user_id)))


def motivation_scheme_versions(session: Session) -> Sequence[MotivationScheme]:
    """Every version of every motivation scheme, by name then version."""
    return session.scalars(select(MotivationScheme).order_by(MotivationScheme.name, MotivationScheme.version)).all()

