"""Notifications and the e-mail outbox. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    bindparam,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import (
    Activity,
    Group,
    Notification,
    OpenTask,
    User,
    user_groups,
)

_GROUP_MEMBERS = (select(Group.name, User.login).join(user_groups, user_groups.c.group_id == Group.id)
                  .join(User, User.id == user_groups.c.user_id)
                  .where(Group.name.in_(bindparam("groups", expanding=True)), User.active.is_(True)))


_ACTIVE_LOGINS = select(User.login).where(User.login.in_(bindparam("logins", expanding=True)),
                                          User.active.is_(True))


def active_candidates(session: Session, keys: Sequence[str]) -> list[tuple[str, str]]:
    """(candidate key, login) of the active users that candidate keys reach: the members of
    groups, and the user ``<login>`` of a key ``user:<login>`` (one statement for each kind)."""
    groups = [k for k in keys if not k.startswith("user:")]
    logins = [k[5:] for k in keys if k.startswith("user:")]
    found = [(g, login) for g, login in session.execute(_GROUP_MEMBERS, {"groups": groups})] if groups else []
    if logins:
        found += [(f"user:{login}", login) for login in session.scalars(_ACTIVE_LOGINS, {"logins": logins})]
    return found


def logins_with_email(session: Session, logins: Sequence[str]) -> Sequence[str]:
    return session.scalars(select(User.login).where(
        User.login.in_(list(logins)), User.active.is_(True), User.email.is_not(None),
        User.email != "")).all()


_NOTIFICATION_INSERTS = {
    name: dialect.insert(Notification.__table__).on_conflict_do_nothing(index_elements=["login", "key"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def insert_notifications(session: Session, rows: list[dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT (login, key) DO NOTHING (the statement built once per dialect), one
    executemany: a notification whose (login, key) exists is skipped."""
    dialect = session.get_bind().dialect.name
    try:
        statement = _NOTIFICATION_INSERTS[dialect]
    except KeyError:
        raise RuntimeError(f"notifications need PostgreSQL or SQLite, not {dialect}") from None
    session.execute(statement, rows)


def unread_notification_count(session: Session, login: str) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.login == login, Notification.read_at.is_(None))) or 0


def notifications_of(session: Session, login: str, unread_only: bool = False,
                     limit: int = 200, before: tuple[datetime, int] | None = None) -> Sequence[Notification]:
    """A user's notifications, newest first; ``before`` (created at, id) of the last one of the
    page before (keyset paging)."""
    query = select(Notification).where(Notification.login == login)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if before is not None:
        query = query.where(tuple_(Notification.created_at, Notification.id)
                            < tuple_(literal(before[0], Notification.created_at.type), literal(before[1])))
    return session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                           .limit(limit)).all()


def notification_of(session: Session, login: str, notification_id: int) -> Notification | None:
    return session.scalar(select(Notification).where(Notification.id == notification_id,
                                                     Notification.login == login))


def mark_notifications_read(session: Session, login: str, ids: Sequence[int] | None, at: datetime) -> int:
    """Mark the user's unread notifications read (all of them when ``ids`` is None); returns how many."""
    stmt = update(Notification).where(Notification.login == login, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    result = session.execute(stmt.values(read_at=at), execution_options={"synchronize_session": False})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def open_tasks_to_remind(session: Session, now: datetime, horizon: datetime) -> Sequence[OpenTask]:
    """Assigned open tasks overdue and not yet reminded as such, or due by ``horizon`` and not
    reminded at all (OpenTask.reminded: 0 none, 1 due soon sent, 2 overdue sent)."""
    return session.scalars(select(OpenTask).where(
        OpenTask.assignee.is_not(None), OpenTask.due_at <= horizon, OpenTask.reminded < 2,
        or_(OpenTask.due_at < now, OpenTask.reminded < 1)).order_by(OpenTask.due_at)).all()


def activities_to_remind(session: Session, now: datetime, horizon: datetime) -> Sequence[Activity]:
    """Planned ad-hoc contacts passed and not yet reminded as such, or due by ``horizon``."""
    return session.scalars(select(Activity).where(
        Activity.status == "planned", Activity.planned_at <= horizon, Activity.reminded < 2,
        or_(Activity.planned_at < now, Activity.reminded < 1)).order_by(Activity.planned_at)).all()


def set_reminded(session: Session, model: type[OpenTask] | type[Activity], ids: Sequence[Any],
                 level: int) -> None:
    if ids:
        session.execute(update(model).where(model.id.in_(list(ids))).values(reminded=level),
                        execution_options={"synchronize_session": False})


def planned_activities(session: Session, login: str) -> Sequence[Activity]:
    return session.scalars(select(Activity).where(Activity.assignee == login, Activity.status == "planned")
                           .order_by(Activity.planned_at)).all()


def pending_emails(session: Session, limit: int) -> Sequence[tuple[Notification, User]]:
    """Notifications waiting to go out by e-mail, oldest first, with their recipients."""
    rows = session.execute(select(Notification, User).join(User, User.login == Notification.login)
                           .where(Notification.email_status == "pending")
                           .order_by(Notification.id).limit(limit)).all()
    return [(n, u) for n, u in rows]


def claim_emails(session: Session, ids: Sequence[int], now: datetime) -> set[int]:
    """Compare-and-set pending -> sending (noting when); returns the ids this caller now holds."""
    if not ids:
        return set()
    return set(session.scalars(
        update(Notification).where(Notification.id.in_(list(ids)), Notification.email_status == "pending")
        .values(email_status="sending", email_claimed_at=now).returning(Notification.id),
        execution_options={"synchronize_session": False}))


def requeue_emails(session: Session, claimed_before: datetime) -> int:
    """E-mails claimed before ``claimed_before`` and still 'sending' (their worker stopped
    mid-send) go back to the outbox; returns how many."""
    result = session.execute(update(Notification).where(Notification.email_status == "sending",
                                                        Notification.email_claimed_at < claimed_before)
                             .values(email_status="pending"), execution_options={"synchronize_session": False})
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

