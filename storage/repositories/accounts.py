"""Users and groups. Repositories read and add; they never commit."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    bindparam,
    select,
)
from sqlalchemy.orm import Session, selectinload

from storage.models import (
    Group,
    User,
)


def user_by_login(session: Session, login: str) -> User | None:
    return session.scalar(select(User).where(User.login == login).options(selectinload(User.groups)))


# Hot-path statements are built once; only their parameters change per call.
_USER_BY_ID = select(User).where(User.id == bindparam("user_id")).options(selectinload(User.groups))


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

