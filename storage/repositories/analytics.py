"""Reads of the head's dashboard and the loss report: open pipeline, cycles decided in a period,
overdue work and incidents, grouped by manager in SQL. Repositories read; they never commit.

Every read takes a Scope (storage.repositories.control): the cycles a figure counts. A cycle's
manager is the person it was credited to when it was decided, else its client's owner now.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Numeric, Row, case, cast, func, select
from sqlalchemy.orm import Session

from storage.models import Cycle, CycleLossReason, LossReason, OpenTask, User
from storage.repositories._common import _is_postgresql
from storage.repositories.control import (
    OPEN_STATUSES,
    Scope,
    _conditions,
    _cycle_columns,
    _cycles_joined,
    manager_of_cycle,
)


def amount(session: Session) -> ColumnElement[Any]:
    """The cycle variable ``amount`` as a number where it is one (anything else counts as none)."""
    value = Cycle.variables["amount"]
    if _is_postgresql(session):
        is_number = func.json_typeof(value) == "number"
    else:
        is_number = func.json_type(Cycle.variables, "$.amount").in_(("integer", "real"))
    return case((is_number, cast(value.as_string(), Numeric(20, 2))), else_=None)


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def open_by_manager_stage(session: Session, scope: Scope) -> list[tuple[int | None, str | None, int, Decimal]]:
    """(manager id, stage now, open cycles, their amount) of the open cycles in scope."""
    manager, value = manager_of_cycle(), amount(session)
    rows = session.execute(_cycles_joined(select(manager, Cycle.stage, func.count(), func.sum(value))
                                          .select_from(Cycle))
                           .where(Cycle.status.in_(OPEN_STATUSES), *_conditions(scope))
                           .group_by(manager, Cycle.stage)).all()
    return [(r[0], r[1], int(r[2]), _money(r[3])) for r in rows]


def _unfiltered(scope: Scope) -> bool:
    """Whether the scope names nothing but a start period (no join is needed to apply it)."""
    return (scope.manager_id, scope.regulation, scope.version, scope.segment_id, scope.team_id) == (None,) * 5


def decided_by_manager(session: Session, scope: Scope, start: datetime, end: datetime
                       ) -> list[tuple[int | None, str, int, Decimal]]:
    """(manager id, status, cycles, their amount) of the cycles won or lost in [start, end). A
    decided cycle is credited to its manager when decided, so with no filter to apply no other
    table is read (the index on status and end serves the period)."""
    value = amount(session)
    decided = (Cycle.status.in_(("won", "lost")), Cycle.ended_at >= start, Cycle.ended_at < end)
    manager = manager_of_cycle()
    joined = _cycles_joined(select(manager, Cycle.status, func.count(), func.sum(value)).select_from(Cycle)) \
        .where(*decided, *_conditions(scope))
    if not _unfiltered(scope):
        rows = session.execute(joined.group_by(manager, Cycle.status)).all()
        return [(r[0], str(r[1]), int(r[2]), _money(r[3])) for r in rows]
    credited = Cycle.credited_to_id
    rows = list(session.execute(select(credited, Cycle.status, func.count(), func.sum(value))
                                .where(*decided, credited.is_not(None), *_conditions(scope))
                                .group_by(credited, Cycle.status)).all())
    # cycles decided before crediting was recorded: their client's owner now
    rows += session.execute(joined.where(credited.is_(None)).group_by(manager, Cycle.status)).all()
    return [(r[0], str(r[1]), int(r[2]), _money(r[3])) for r in rows]


def incidents_by_manager(session: Session, scope: Scope) -> list[tuple[int | None, int]]:
    """(manager id, cycles in incident now)."""
    manager = manager_of_cycle()
    rows = session.execute(_cycles_joined(select(manager, func.count()).select_from(Cycle))
                           .where(Cycle.status == "incident", *_conditions(scope)).group_by(manager)).all()
    return [(r[0], int(r[1])) for r in rows]


def overdue_by_assignee(session: Session, scope: Scope, now: datetime) -> list[tuple[str | None, int]]:
    """(assignee login or None for a group queue, open tasks past their due time) in cycles in scope."""
    query: Any = select(OpenTask.assignee, func.count()).select_from(OpenTask).join(Cycle, Cycle.id == OpenTask.cycle_id)
    rows = session.execute(_cycles_joined(query).where(OpenTask.due_at < now, *_conditions(scope))
                           .group_by(OpenTask.assignee)).all()
    return [(r[0], int(r[1])) for r in rows]


def people(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """user id -> (login, name)."""
    if not ids:
        return {}
    return {int(r[0]): (str(r[1]), str(r[2])) for r in session.execute(
        select(User.id, User.login, User.name).where(User.id.in_(list(ids))))}


def logins_to_ids(session: Session, logins: Sequence[str]) -> dict[str, int]:
    if not logins:
        return {}
    return {str(r[0]): int(r[1]) for r in session.execute(select(User.login, User.id).where(User.login.in_(list(logins))))}


def dashboard_cycles(session: Session, scope: Scope, statuses: Sequence[str], ended_from: datetime | None,
                     ended_before: datetime | None, stage: str | None, manager_id: int | None, limit: int
                     ) -> Sequence[Row[Any]]:
    """The cycles behind a dashboard figure: with one of ``statuses``, ended in the period when it
    is given, at ``stage`` when given, managed by ``manager_id`` when given (0: by nobody)."""
    query = _cycles_joined(select(Cycle.started_at.label("entered_at"), *_cycle_columns(),
                                  amount(session).label("amount")).select_from(Cycle)) \
        .where(Cycle.status.in_(list(statuses)), *_conditions(scope))
    if ended_from is not None:
        query = query.where(Cycle.ended_at >= ended_from)
    if ended_before is not None:
        query = query.where(Cycle.ended_at < ended_before)
    if stage is not None:
        query = query.where(Cycle.stage == stage)
    if manager_id == 0:
        query = query.where(manager_of_cycle().is_(None))
    elif manager_id is not None:
        query = query.where(manager_of_cycle() == manager_id)
    return session.execute(query.order_by(Cycle.ended_at.desc(), Cycle.id.desc()).limit(limit)).all()


# ---------------------------------------------------------------- loss reasons

def loss_reasons(session: Session) -> Sequence[LossReason]:
    return session.scalars(select(LossReason).order_by(LossReason.position, LossReason.id)).all()


def loss_reason(session: Session, reason_id: int) -> LossReason | None:
    return session.get(LossReason, reason_id)


def loss_reason_by_code(session: Session, code: str) -> LossReason | None:
    return session.scalar(select(LossReason).where(LossReason.code == code))


def cycle_loss_reason(session: Session, cycle_id: int) -> CycleLossReason | None:
    return session.get(CycleLossReason, cycle_id)


def lost_rows(session: Session, scope: Scope, start: datetime | None, end: datetime | None
              ) -> list[tuple[int | None, str | None, str | None, int | None, int, Decimal]]:
    """(reason id chosen for the cycle or None, text it ended with, stage lost at, manager id,
    cycles, amount) of the cycles lost in [start, end)."""
    manager, value = manager_of_cycle(), amount(session)
    query = _cycles_joined(select(CycleLossReason.reason_id, Cycle.loss_reason, Cycle.stage, manager, func.count(),
                                  func.sum(value)).select_from(Cycle)) \
        .outerjoin(CycleLossReason, CycleLossReason.cycle_id == Cycle.id) \
        .where(Cycle.status == "lost", *_conditions(scope))
    if start is not None:
        query = query.where(Cycle.ended_at >= start)
    if end is not None:
        query = query.where(Cycle.ended_at < end)
    rows = session.execute(query.group_by(CycleLossReason.reason_id, Cycle.loss_reason, Cycle.stage, manager)).all()
    return [(r[0], r[1], r[2], r[3], int(r[4]), _money(r[5])) for r in rows]


def lost_cycles(session: Session, scope: Scope, start: datetime | None, end: datetime | None,
                chosen: int | None) -> Sequence[Row[Any]]:
    """The lost cycles in [start, end), newest first, with the reason chosen for them; with
    ``chosen``, only those chosen as it or with no choice and a text (the caller matches the text)."""
    query = _cycles_joined(select(Cycle.ended_at.label("entered_at"), *_cycle_columns(), Cycle.loss_reason,
                                  CycleLossReason.reason_id.label("chosen_id"), amount(session).label("amount"))
                           .select_from(Cycle)) \
        .outerjoin(CycleLossReason, CycleLossReason.cycle_id == Cycle.id) \
        .where(Cycle.status == "lost", *_conditions(scope))
    if start is not None:
        query = query.where(Cycle.ended_at >= start)
    if end is not None:
        query = query.where(Cycle.ended_at < end)
    if chosen is not None:
        query = query.where((CycleLossReason.reason_id == chosen)
                            | (CycleLossReason.reason_id.is_(None) & Cycle.loss_reason.is_not(None)))
    return session.execute(query.order_by(Cycle.ended_at.desc(), Cycle.id.desc())).all()


def active_managers(session: Session) -> list[tuple[str, str]]:
    """(login, name) of the active users with the manager role."""
    return sorted((u.login, u.name) for u in session.scalars(select(User).where(User.active.is_(True)))
                  if "manager" in u.role_set)
