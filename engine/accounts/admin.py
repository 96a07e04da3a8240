"""Administering users (issue 16): list, create, change roles and departments, deactivate and
reactivate, reset passwords. Only the admin role (Permission.ADMIN) may; checked here, whatever
door the request came through."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.accounts import (
    error_texts,  # noqa: F401  (registers the codes raised here)
    passwords,
    sessions,
)
from engine.accounts import users as accounts
from engine.shared import organization_defaults as defaults
from engine.shared.access import PERMISSIONS, Actor, Permission, require
from engine.shared.errors import FieldProblems, NotFound
from engine.shared.notices import coded
from engine.shared.organization_defaults import Defaults
from storage.models import User
from storage.repositories import accounts as accounts_repo


@dataclass(frozen=True)
class UserInfo:
    id: int
    login: str
    name: str
    roles: tuple[str, ...]
    groups: tuple[str, ...]
    locale: str | None  # None: the organization's
    timezone: str | None
    email: str | None
    active: bool
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "login": self.login, "name": self.name, "roles": list(self.roles),
                "groups": list(self.groups), "locale": self.locale, "timezone": self.timezone,
                "email": self.email, "active": self.active, "created_at": self.created_at.isoformat()}


def info(user: User) -> UserInfo:
    return UserInfo(id=user.id, login=user.login, name=user.name, roles=tuple(sorted(user.role_set)),
                    groups=tuple(sorted(user.group_names)), locale=user.locale, timezone=user.timezone,
                    email=user.email, active=bool(user.active), created_at=user.created_at)


def require_admin(actor: Actor) -> None:
    require(actor, PERMISSIONS[Permission.ADMIN], "administer users")


def _user(session: Session, user_id: int) -> User:
    user = accounts_repo.user_by_id(session, user_id)
    if user is None:
        raise coded(NotFound, "account_user_unknown", {"user_id": str(user_id)})
    return user


def list_users(session: Session, actor: Actor) -> list[UserInfo]:
    require_admin(actor)
    return [info(u) for u in accounts_repo.users(session)]


def user_info(session: Session, actor: Actor, user_id: int) -> UserInfo:
    require_admin(actor)
    return info(_user(session, user_id))


def group_names(session: Session, actor: Actor) -> list[str]:
    require_admin(actor)
    return [g.name for g in accounts_repo.groups(session)]


def add_user(session: Session, actor: Actor, login: str, name: str, password: str, roles: list[str],
             groups: list[str], locale: str | None = None, timezone: str | None = None) -> UserInfo:
    """A new user; the initial password must follow the policy."""
    require_admin(actor)
    return info(accounts.create_user(session, login, name, password, roles, groups, locale, timezone))


def _last_admin(session: Session, user: User) -> bool:
    """Whether the user is the only active admin (who must stay one, or nobody could administer)."""
    return [u.id for u in accounts_repo.active_admins(session)] == [user.id]


def update_user(session: Session, actor: Actor, user_id: int, name: str, roles: list[str], groups: list[str],
                locale: str | None, timezone: str | None) -> UserInfo:
    """Name, roles, departments, language and time zone of a user (empty: the organization's)."""
    require_admin(actor)
    user = _user(session, user_id)
    name = (name or "").strip()
    groups = [g.strip() for g in groups if g.strip()]
    problems = FieldProblems()
    if len(name) > 200:
        problems.add("name", "maxlength", "must be at most 200 characters", limit=200)
    accounts.check_roles(problems, roles)
    if "admin" not in roles and "admin" in user.role_set and user.active and _last_admin(session, user):
        problems.add("roles", "last_admin", "the last active administrator must keep the admin role")
    accounts.check_groups(problems, groups)
    locale, timezone = accounts.check_language_and_zone(problems, locale, timezone)
    problems.raise_if_any("the user was not changed")
    user.name = name or user.login
    user.roles = ",".join(sorted(set(roles)))
    user.groups = [accounts.ensure_group(session, g) for g in dict.fromkeys(groups)]
    user.locale, user.timezone = locale, timezone
    accounts.changed(user)
    session.flush()
    return info(user)


def set_active(session: Session, actor: Actor, user_id: int, active: bool, now: datetime) -> UserInfo:
    """Deactivate (cannot log in; sessions end, API tokens are revoked) or reactivate a user."""
    require_admin(actor)
    user = _user(session, user_id)
    if not active:
        problems = FieldProblems()
        if user.id == actor.id:
            problems.add("active", "deactivate_self", "you cannot deactivate yourself")
        elif user.active and "admin" in user.role_set and _last_admin(session, user):
            problems.add("active", "last_admin", "the last active administrator cannot be deactivated")
        problems.raise_if_any("the user was not deactivated")
        if user.active:
            accounts.revoke_tokens(user)
        sessions.end_all(session, user.id, now)
    if user.active != active:
        accounts.changed(user)
    user.active = active
    return info(user)


def reset_password(session: Session, actor: Actor, user_id: int, password: str, now: datetime) -> UserInfo:
    """A new password set by an administrator: it must follow the policy; the user's sessions end
    and their API tokens are revoked."""
    require_admin(actor)
    user = _user(session, user_id)
    problems = FieldProblems()
    passwords.check(problems, "password", password or "", user.login)
    problems.raise_if_any("the password was not reset")
    accounts.set_password(user, password)
    sessions.end_all(session, user.id, now, keep_secret=None)
    return info(user)


def organization_defaults(session: Session, actor: Actor) -> Defaults:
    """The organization's time zone and language in force, and which of them are stored."""
    require_admin(actor)
    return defaults.read(session)


def set_organization_defaults(session: Session, actor: Actor, time_zone: str | None, language: str | None,
                              now: datetime) -> Defaults:
    """The time zone and language of everyone who has not chosen their own (empty: the
    environment's). Every signed-in user of the organization sees them at the next request."""
    require_admin(actor)
    problems = FieldProblems()
    language, time_zone = accounts.check_language_and_zone(problems, language, time_zone)  # fields locale, timezone
    problems.raise_if_any("the organization's defaults were not saved")
    row = accounts_repo.organization_settings(session, for_update=True) or accounts_repo.add_organization_settings(
        session)
    if (row.time_zone, row.language) != (time_zone, language):
        row.time_zone, row.language = time_zone, language
        row.version = (row.version or 0) + 1
        row.updated_at, row.updated_by = now, actor.login
    session.flush()
    defaults.forget(session)
    return defaults.read(session)
