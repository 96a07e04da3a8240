"""Users, groups, passwords and API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session, object_session
from werkzeug.security import check_password_hash, generate_password_hash

from engine.accounts import (
    error_texts,  # noqa: F401  (registers the codes raised here)
    passwords,
)
from engine.shared import organization_defaults
from engine.shared.access import ROLES, Actor
from engine.shared.errors import FieldProblems, InputInvalid, NotFound, Unauthenticated
from engine.shared.notices import coded
from storage.models import Group, User
from storage.repositories import accounts as accounts_repo

TOKEN_MAX_AGE = 12 * 3600
LOCALES = ("en", "ru")
# A valid hash to compare against when the login is unknown, so timing tells nothing.
_DUMMY_HASH = generate_password_hash("not a password")


def to_actor(user: User, defaults: organization_defaults.Defaults | None = None) -> Actor:
    """The user as the engine sees them: their own language and time zone, else the organization's
    (``defaults``, read from the user's session when not given)."""
    if defaults is None:
        session = object_session(user)
        defaults = organization_defaults.read(session) if session is not None else organization_defaults.environment()
    return Actor(id=user.id, login=user.login, name=user.name, roles=user.role_set,
                 groups=user.group_names, locale=defaults.language_of(user.locale),
                 timezone=defaults.zone_of(user.timezone))


def ensure_group(session: Session, name: str) -> Group:
    group = accounts_repo.group_by_name(session, name)
    if group is None:
        group = Group(name=name)
        session.add(group)
        session.flush()
    return group


#: letters, digits, '.', '_' and '-'
_LOGIN = re.compile(r"^[a-z0-9._-]{1,64}$")


def check_login(problems: FieldProblems, session: Session, login: str) -> None:
    if not login:
        problems.add("login", "required", "is required")
    elif not _LOGIN.match(login) or not any(ch.isalnum() for ch in login):
        problems.add("login", "login_chars", "may contain only letters, digits, '.', '_' and '-' (at most 64)")
    elif accounts_repo.user_by_login(session, login) is not None:
        problems.add("login", "login_taken", f"a user {login!r} already exists", value=login)


def check_roles(problems: FieldProblems, roles: list[str]) -> None:
    unknown = set(roles) - set(ROLES)
    if unknown:
        problems.add("roles", "choice", f"unknown roles {', '.join(sorted(unknown))}; roles are {', '.join(ROLES)}",
                     allowed=", ".join(ROLES))


def check_language_and_zone(problems: FieldProblems, locale: str | None,
                            timezone: str | None) -> tuple[str | None, str | None]:
    """A user's own language and time zone as stored: empty is None (the organization's)."""
    locale, timezone = (locale or "").strip() or None, (timezone or "").strip() or None
    if locale is not None and locale not in LOCALES:
        problems.add("locale", "choice", f"must be one of {', '.join(LOCALES)}", allowed=", ".join(LOCALES))
    if timezone is not None and timezone not in timezones():
        problems.add("timezone", "timezone", "is not a known time zone (such as Europe/Moscow)")
    return locale, timezone


def check_groups(problems: FieldProblems, groups: list[str]) -> None:
    if any(not g.strip() or len(g.strip()) > 100 for g in groups):
        problems.add("groups", "group_name", "a department's name must have 1 to 100 characters")


def create_user(session: Session, login: str, name: str, password: str, roles: list[str],
                groups: list[str], locale: str | None = None, timezone: str | None = None, *,
                password_policy: bool = True) -> User:
    """A new user (``locale``, ``timezone`` None or empty: the organization's). The password must
    follow the policy (engine/accounts/passwords.py) unless
    ``password_policy=False``: the explicit path the demo organisation (password ``demo``) and test
    fixtures take. Nothing is saved when a field is invalid; the error names each bad field."""
    login = (login or "").strip().lower()
    name = (name or "").strip()
    groups = [g.strip() for g in groups if g.strip()]
    problems = FieldProblems()
    check_login(problems, session, login)
    if len(name) > 200:
        problems.add("name", "maxlength", "must be at most 200 characters", limit=200)
    if password_policy:
        passwords.check(problems, "password", password or "", login)
    elif not password:
        problems.add("password", "required", "is required")
    check_roles(problems, roles)
    check_groups(problems, groups)
    locale, timezone = check_language_and_zone(problems, locale, timezone)
    problems.raise_if_any("the user was not created")
    user = User(login=login, name=name or login, password_hash=passwords.hash_password(password),
                roles=",".join(sorted(set(roles))), locale=locale, timezone=timezone,
                groups=[ensure_group(session, g) for g in dict.fromkeys(groups)])
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, login: str, password: str) -> Actor:
    user = accounts_repo.user_by_login(session, (login or "").strip().lower())
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        raise coded(Unauthenticated, "login_wrong", {})
    if not passwords.matches(user.password_hash, password or ""):
        raise coded(Unauthenticated, "login_wrong", {})
    return to_actor(user)


def change_password(session: Session, actor: Actor, current: str, new: str, confirm: str) -> User:
    """The user's own new password: the current one, then the new one twice. Raising the token
    epoch revokes the user's API tokens; the caller ends the other sessions."""
    user = session.get(User, actor.id)
    if user is None or not user.active:
        raise coded(NotFound, "account_no_such_user", {})
    problems = FieldProblems()
    if not current:
        problems.add("current_password", "required", "is required")
    elif not passwords.matches(user.password_hash, current):
        problems.add("current_password", "password_wrong", "is not your current password")
    passwords.check(problems, "new_password", new or "", user.login)
    if "new_password" not in problems.text and new != confirm:
        problems.add("confirm_password", "password_mismatch", "does not match the new password")
    problems.raise_if_any("the password was not changed")
    set_password(user, new)
    return user


def set_password(user: User, password: str) -> None:
    """Store a new password (already checked against the policy) and revoke the user's tokens."""
    user.password_hash = passwords.hash_password(password)
    revoke_tokens(user)


def revoke_tokens(user: User) -> None:
    user.token_epoch = (user.token_epoch or 0) + 1
    changed(user)


def changed(user: User) -> None:
    """Mark a change of what the signed-in user is: every host drops what it remembered of them."""
    user.version = (user.version or 0) + 1


def actor_by_id(session: Session, user_id: int) -> Actor:
    user = accounts_repo.user_by_id(session, user_id)
    if user is None or not user.active:
        raise coded(Unauthenticated, "account_user_gone", {})
    return to_actor(user)


def set_locale(session: Session, actor: Actor, locale: str) -> None:
    if locale not in LOCALES:
        raise coded(InputInvalid, "account_locale", {"locales": ", ".join(LOCALES)})
    user = session.get(User, actor.id)
    if user is None:
        raise coded(NotFound, "account_no_such_user", {})
    user.locale = locale
    changed(user)


#: a practical check (one @, no spaces, a dotted domain); the mail server has the last word
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\.]+(\.[^@\s<>(),;:\"\[\]\\.]+)+$")
#: names the time-zone database offers that are not places
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    """IANA time-zone names a user may choose, sorted."""
    return tuple(sorted(z for z in available_timezones() if z not in _NOT_ZONES))


def update_profile(session: Session, actor: Actor, email: str | None, timezone: str | None,
                   locale: str | None) -> User:
    """The user's own settings: e-mail (empty: none), time zone (IANA name), language; an empty
    time zone or language follows the organization's. Nothing is saved when any is invalid; the
    error names each bad field."""
    email = (email or "").strip()
    problems = FieldProblems()
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        problems.add("email", "email", "is not an e-mail address")
    locale, timezone = check_language_and_zone(problems, locale, timezone)
    problems.raise_if_any("the profile was not saved")
    user = session.get(User, actor.id)
    if user is None:
        raise coded(NotFound, "account_no_such_user", {})
    user.email, user.timezone, user.locale = email or None, timezone, locale
    changed(user)
    return user


def rotate_calendar(session: Session, actor: Actor) -> User:
    """A new salt for the user's calendar feed: the old feed URL stops working."""
    user = session.get(User, actor.id)
    if user is None:
        raise coded(NotFound, "account_no_such_user", {})
    user.calendar_salt = secrets.token_hex(16)
    return user


def _fingerprint(password_hash: str) -> str:
    """Changes with the password, reveals nothing of the hash (the token is signed, not secret)."""
    return hashlib.sha256(("reglament-token:" + password_hash).encode()).hexdigest()[:16]


class TokenSigner:
    """Signed, expiring API tokens bound to the user's token epoch and password hash: a new
    password, a reset or a deactivation raises the epoch and revokes them."""

    def __init__(self, secret: str) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="reglament-api-token")

    def issue(self, session: Session, actor: Actor) -> str:
        user = session.get(User, actor.id)
        assert user is not None
        return self._signer.dumps({"uid": user.id, "pw": _fingerprint(user.password_hash),
                                   "ep": user.token_epoch or 0})

    def user_id(self, token: str) -> int:
        """The user a token names, once its signature and age are checked (no database read)."""
        uid = self._payload(token).get("uid")
        if not isinstance(uid, int):
            raise coded(Unauthenticated, "token_invalid", {})
        return uid

    def _payload(self, token: str) -> dict[str, Any]:
        try:
            payload = self._signer.loads(token, max_age=TOKEN_MAX_AGE)
        except SignatureExpired:
            raise coded(Unauthenticated, "token_expired", {}) from None
        except BadSignature:
            raise coded(Unauthenticated, "token_invalid", {}) from None
        if not isinstance(payload, dict):
            raise coded(Unauthenticated, "token_invalid", {})
        return payload

    def verify(self, session: Session, token: str) -> Actor:
        payload = self._payload(token)
        uid = payload.get("uid")
        user = accounts_repo.user_by_id(session, uid) if isinstance(uid, int) else None
        if (user is None or not user.active or _fingerprint(user.password_hash) != payload.get("pw")
                or payload.get("ep", 0) != (user.token_epoch or 0)):
            raise coded(Unauthenticated, "token_revoked", {})
        return to_actor(user)


@dataclass(frozen=True)
class Profile:
    """What the user's profile page shows and edits: empty time zone and language follow the
    organization's defaults."""

    login: str
    name: str
    email: str
    timezone: str
    locale: str
    #: the secret of the user's private calendar feed URL
    calendar_token: str
