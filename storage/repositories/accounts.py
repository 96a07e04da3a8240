"""Users and groups. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from storage.models import (
    Group,
    User,
)
from storage.models.accounts import LoginThrottle, OrganizationSettings, UserSession


def user_stamp(session: Session, user_id: int) -> tuple[bool, int, int] | None:
    """(active, token epoch, version) of a user: what says whether a remembered actor still holds.
    The version adds the organization settings' version (both only rise, so the sum changes when
    either does): a remembered actor's default time zone and language never go stale."""
    row = session.execute(_USER_STAMP, {"user_id": user_id}).first()
    return None if row is None else (bool(row[0]), int(row[1] or 0), int(row[2] or 0) + int(row[3] or 0))


def organization_settings(session: Session, *, for_update: bool = False) -> OrganizationSettings | None:
    """The organization's one settings row (None before anyone saved one)."""
    query = select(OrganizationSettings).order_by(OrganizationSettings.id).limit(1)
    return session.scalar(query.with_for_update() if for_update else query)


def add_organization_settings(session: Session) -> OrganizationSettings:
    row = OrganizationSettings(id=1, version=0)
    session.add(row)
    session.flush()
    return row


def user_by_login(session: Session, login: str) -> User | None:
    return session.scalar(select(User).where(User.login == login).options(selectinload(User.groups)))


# Hot-path statements are built once; only their parameters change per call.
_USER_BY_ID = select(User).where(User.id == bindparam("user_id")).options(selectinload(User.groups))
_USER_STAMP = select(User.active, User.token_epoch, User.version,
                     select(OrganizationSettings.version).where(OrganizationSettings.id == 1).scalar_subquery(),
                     ).where(User.id == bindparam("user_id"))


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.scalar(_USER_BY_ID, {"user_id": user_id})


def users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.login).options(selectinload(User.groups))).all()


def group_by_name(session: Session, name: str) -> Group | None:
    return session.scalar(select(Group).where(Group.name == name))


def users_by_logins(session: Session, logins: Sequence[str]) -> dict[str, User]:
    if not logins:
        return {}
    return {u.login: u for u in session.scalars(select(User).where(User.login.in_(list(set(logins))))).all()}



def groups(session: Session) -> Sequence[Group]:
    return session.scalars(select(Group).order_by(Group.name)).all()


def active_admins(session: Session) -> Sequence[User]:
    """Active users holding the admin role (roles are a comma-separated list)."""
    return [u for u in session.scalars(select(User).where(User.active.is_(True))).all() if "admin" in u.role_set]


# ----------------------------------------------------------------------------- sessions

_SESSION_WITH_USER = (select(UserSession, User).join(User, User.id == UserSession.user_id)
                      .where(UserSession.id == bindparam("session_id")).options(selectinload(User.groups)))


def session_with_user(session: Session, session_id: str) -> tuple[UserSession, User] | None:
    row = session.execute(_SESSION_WITH_USER, {"session_id": session_id}).first()
    return (row[0], row[1]) if row is not None else None


def touch_session(session: Session, session_id: str, seen_at: datetime) -> None:
    session.execute(update(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None))
                    .values(last_seen_at=seen_at))


def end_sessions(session: Session, user_id: int, ended_at: datetime, keep: str | None = None) -> int:
    """End the user's open sessions, all but ``keep``; returns how many."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep)
    return session.execute(query.values(ended_at=ended_at)).rowcount  # type: ignore[attr-defined, no-any-return]


def end_session(session: Session, session_id: str, ended_at: datetime) -> None:
    session.execute(update(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None))
                    .values(ended_at=ended_at))


def forget_old_sessions(session: Session, user_id: int, started_before: datetime) -> None:
    """Drop the user's ended sessions and those past their lifetime (they can never be used again)."""
    session.execute(delete(UserSession).where(
        UserSession.user_id == user_id,
        or_(UserSession.ended_at.is_not(None), UserSession.created_at < started_before)))


def open_sessions(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None))) or 0


# ----------------------------------------------------------------------------- log-in throttling

def throttles_for_update(session: Session, keys: Sequence[str]) -> dict[str, LoginThrottle]:
    """The throttles of ``keys``, locked until the transaction ends (rows that do not exist yet are
    absent; ``add_throttle`` creates them)."""
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(list(keys))).with_for_update()).all()
    return {r.key: r for r in rows}


def add_throttle(session: Session, key: str, at: datetime) -> LoginThrottle:
    """A new throttle row; when another host created it at the same moment, that row, locked."""
    row = LoginThrottle(key=key, failures=0, last_attempt_at=at)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        found = session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
        assert found is not None
        return found
    return row


def forget_stale_throttles(session: Session, before: datetime) -> None:
    """Rows no attempt touched since ``before`` and no longer locking anyone."""
    session.execute(delete(LoginThrottle).where(
        LoginThrottle.last_attempt_at < before,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < before)))


def throttle(session: Session, key: str) -> LoginThrottle | None:
    return session.get(LoginThrottle, key)
