"""Server-side browser sessions. The cookie carries a random secret; the table keeps its SHA-256
with the user, when it started, when it was last used and when it ended."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from engine.accounts import error_texts  # noqa: F401  (registers the codes raised here)
from engine.shared.access import Actor
from engine.shared.errors import Unauthenticated
from engine.shared.notices import coded
from storage.models.accounts import UserSession
from storage.repositories import accounts as accounts_repo

#: last-seen is written at most this often per session (not on every page)
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    absolute: timedelta


def session_id(secret: str) -> str:
    """The stored id of a cookie's secret."""
    return hashlib.sha256(("reglament-session:" + secret).encode()).hexdigest()


def start(session: Session, user_id: int, now: datetime, lifetimes: Lifetimes) -> str:
    """A new session for the user; returns the secret the cookie carries."""
    accounts_repo.forget_old_sessions(session, user_id, now - lifetimes.absolute)
    secret = secrets.token_urlsafe(32)
    session.add(UserSession(id=session_id(secret), user_id=user_id, created_at=now, last_seen_at=now))
    session.flush()
    return secret


def resume(session: Session, secret: str, now: datetime, lifetimes: Lifetimes) -> tuple[Actor, bool]:
    """The session's user, and whether its last-seen time is due to be written.
    Unauthenticated when the session is unknown, ended, idle too long or too old, or the user disabled."""
    from engine.accounts.users import to_actor

    found = accounts_repo.session_with_user(session, session_id(secret)) if secret else None
    if found is None:
        raise coded(Unauthenticated, "session_none", {})
    row, user = found
    if row.ended_at is not None:
        raise coded(Unauthenticated, "session_ended", {})
    if now - row.last_seen_at > lifetimes.idle or now - row.created_at > lifetimes.absolute:
        raise coded(Unauthenticated, "session_expired", {})
    if not user.active:
        raise coded(Unauthenticated, "session_user_disabled", {})
    return to_actor(user), now - row.last_seen_at >= TOUCH_EVERY


def touch(session: Session, secret: str, now: datetime) -> None:
    accounts_repo.touch_session(session, session_id(secret), now)


def end(session: Session, secret: str, now: datetime) -> None:
    accounts_repo.end_session(session, session_id(secret), now)


def end_all(session: Session, user_id: int, now: datetime, keep_secret: str | None = None) -> int:
    """End every open session of the user but the one of ``keep_secret``."""
    keep = session_id(keep_secret) if keep_secret else None
    return accounts_repo.end_sessions(session, user_id, now, keep)
