"""Ad-hoc contacts, done work and contact norms. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    and_,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from storage.models import (
    Activity,
    Client,
    ContactNorm,
    Cycle,
    Notification,
    OpenTask,
    Regulation,
    RegulationVersion,
    Segment,
    User,
    WorkDone,
)
from storage.repositories._common import _is_postgresql


def activity_for_update(session: Session, activity_id: int) -> Activity | None:
    """An ad-hoc contact, row-locked on PostgreSQL (SQLite already holds its write lock)."""
    query = select(Activity).where(Activity.id == activity_id)
    if _is_postgresql(session):
        query = query.with_for_update(of=Activity)
    return session.scalar(query)


def activities_of_client(session: Session, client_id: int, status: str = "planned") -> Sequence[Activity]:
    return session.scalars(select(Activity).where(Activity.client_id == client_id, Activity.status == status)
                           .order_by(Activity.planned_at, Activity.id)).all()


def planned_activities_of(session: Session, logins: Sequence[str], start: datetime | None = None,
                          end: datetime | None = None) -> Sequence[Activity]:
    """Planned (not done, not cancelled) contacts of these people, planned in [start, end) when given."""
    query = select(Activity).where(Activity.assignee.in_(list(logins)), Activity.status == "planned")
    if start is not None:
        query = query.where(Activity.planned_at >= start)
    if end is not None:
        query = query.where(Activity.planned_at < end)
    return session.scalars(query.order_by(Activity.planned_at, Activity.id)).all()


def add_work_done(session: Session, row: dict[str, Any]) -> None:
    session.execute(insert(cast(Table, WorkDone.__table__)), row)


def work_done_of_client(session: Session, client_id: int, limit: int = 200) -> Sequence[WorkDone]:
    """The client's done-work log, newest first."""
    return session.scalars(select(WorkDone).where(WorkDone.client_id == client_id)
                           .order_by(WorkDone.done_at.desc(), WorkDone.id.desc()).limit(limit)).all()


def work_done_due_between(session: Session, logins: Sequence[str], start: datetime,
                          end: datetime) -> Sequence[WorkDone]:
    return session.scalars(select(WorkDone).where(
        WorkDone.login.in_(list(logins)), WorkDone.due_at >= start, WorkDone.due_at < end)).all()


def open_tasks_due_between(session: Session, logins: Sequence[str], start: datetime,
                           end: datetime) -> Sequence[OpenTask]:
    """Assigned open tasks due in [start, end), or with no due time and planned in it."""
    return session.scalars(select(OpenTask).where(OpenTask.assignee.in_(list(logins)), or_(
        and_(OpenTask.due_at >= start, OpenTask.due_at < end),
        and_(OpenTask.due_at.is_(None), OpenTask.planned_at >= start, OpenTask.planned_at < end)))).all()


def active_cycle_of_client(session: Session, client_id: int) -> Cycle | None:
    """The client's newest active cycle."""
    return session.scalar(select(Cycle).where(Cycle.client_id == client_id, Cycle.status == "active")
                          .order_by(Cycle.started_at.desc(), Cycle.id.desc()).limit(1))


def latest_stage_lists(session: Session) -> Sequence[list[Any]]:
    """The ``stages`` list of every regulation's latest version, regulations by name."""
    return session.scalars(select(RegulationVersion.stages).join(Regulation).where(
        RegulationVersion.number == Regulation.latest_version).order_by(Regulation.name)).all()


def contact_norms(session: Session) -> Sequence[ContactNorm]:
    return session.scalars(select(ContactNorm).order_by(ContactNorm.stage, ContactNorm.id)).all()


def contact_norm(session: Session, stage: str, segment_id: int | None) -> ContactNorm | None:
    segment = ContactNorm.segment_id.is_(None) if segment_id is None else ContactNorm.segment_id == segment_id
    return session.scalar(select(ContactNorm).where(ContactNorm.stage == stage, segment))


def cycles_without_contact_since(session: Session, stages: Sequence[str], before: datetime,
                                 owner_id: int | None = None) -> Sequence[Any]:
    """Active cycles at one of ``stages``, started before ``before``, whose client had no contact
    since then; rows of (cycle_id, stage, started_at, client_id, client_name, segment_id,
    segment, last_contact_at, owner_login, owner_name)."""
    query = (select(Cycle.id.label("cycle_id"), Cycle.stage, Cycle.started_at,
                    Client.id.label("client_id"), Client.name.label("client_name"), Client.segment_id,
                    Segment.name.label("segment"), Client.last_contact_at,
                    User.login.label("owner_login"), User.name.label("owner_name"))
             .join(Client, Client.id == Cycle.client_id)
             .outerjoin(Segment, Segment.id == Client.segment_id)
             .outerjoin(User, User.id == Client.owner_id)
             .where(Cycle.status == "active", Cycle.stage.in_(list(stages)), Cycle.started_at < before,
                    or_(Client.last_contact_at.is_(None), Client.last_contact_at < before)))
    if owner_id is not None:
        query = query.where(Client.owner_id == owner_id)
    return session.execute(query.order_by(Cycle.id)).all()


def existing_notification_keys(session: Session, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (login, key) pairs already have a notification."""
    wanted, found = set(keys), set[tuple[str, str]]()
    names = sorted({key for _, key in wanted})
    for i in range(0, len(names), 500):
        rows = session.execute(select(Notification.login, Notification.key)
                               .where(Notification.key.in_(names[i:i + 500])))
        found.update((login, key) for login, key in rows if (login, key) in wanted)
    return found

