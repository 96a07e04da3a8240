"""Users, sign-in (throttled), browser sessions, API tokens, profiles and user administration."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from engine.accounts import admin, sessions, throttle
from engine.accounts import users as accounts
from engine.accounts.admin import UserInfo
from engine.planning import calendar_feed
from engine.platform.base import Service
from engine.shared import organization_defaults as defaults
from engine.shared.access import Actor
from engine.shared.errors import NotFound, Unauthenticated
from engine.shared.organization_defaults import Defaults
from storage.repositories import accounts as accounts_repo

#: verified API tokens remembered by this host (their user's roles and groups), each with the user's
#: stamp (active, token epoch, version) read from the database on every request: a revoked token,
#: a deactivated user or new roles hold on every host sharing the database at the next request
TOKEN_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class ProfilePage:
    """The user's own settings and the organization's defaults they fall back on."""

    profile: accounts.Profile
    organization: Defaults


class AccountsService(Service):
    # ------------------------------------------------------------------ signing in
    def authenticate(self, login: str, password: str, address: str | None = None) -> Actor:
        """The user, when the password is right. Attempts are throttled per account and per address
        (LoginThrottled says how long to wait); a success clears the account's counter."""
        keys = throttle.Keys.of(login, address)
        with self.command() as s:
            throttle.count_attempt(s, keys, self.platform.ctx.now())
        with self.query() as s:
            actor = accounts.authenticate(s, login, password)
        with self.command() as s:
            throttle.succeeded(s, keys, self.platform.ctx.now())
        return actor

    def login_retry_after(self, login: str, address: str | None = None) -> int | None:
        """Seconds until the account or address accepts log-in attempts again (None: now)."""
        with self.query() as s:
            return throttle.retry_after(s, throttle.Keys.of(login, address), self.platform.ctx.now())

    def _lifetimes(self) -> sessions.Lifetimes:
        settings = self.platform.settings
        return sessions.Lifetimes(idle=timedelta(hours=settings.session_idle_hours),
                                  absolute=timedelta(days=settings.session_lifetime_days))

    def start_session(self, actor: Actor) -> str:
        """A server-side session for a user who has just logged in; the secret goes in the cookie."""
        with self.command() as s:
            return sessions.start(s, actor.id, self.platform.ctx.now(), self._lifetimes())

    def session_actor(self, secret: str) -> Actor:
        """The user of a live session (Unauthenticated when it ended or expired)."""
        now = self.platform.ctx.now()
        with self.query() as s:
            actor, touch = sessions.resume(s, secret, now, self._lifetimes())
        if touch:
            with self.command() as s:
                sessions.touch(s, secret, now)
        return actor

    def end_session(self, secret: str) -> None:
        with self.command() as s:
            sessions.end(s, secret, self.platform.ctx.now())

    def actor(self, user_id: int) -> Actor:
        with self.query() as s:
            return accounts.actor_by_id(s, user_id)

    # ------------------------------------------------------------------ API tokens
    def issue_token(self, actor: Actor) -> str:
        with self.query() as s:
            return self.platform.tokens.issue(s, actor)

    def actor_from_token(self, token: str) -> Actor:
        """The token's user. A verified token's actor is remembered with the user's stamp; each
        request reads the stamp (one small indexed read) and verifies again when it changed."""
        user_id = self.platform.tokens.user_id(token)  # signature and age: no database read
        cache = self.platform.token_cache
        cached = cache.get(token)
        if cached is not None:
            with self.platform.lookup() as s:  # one statement (PostgreSQL: no BEGIN and ROLLBACK round trips)
                stamp = accounts_repo.user_stamp(s, user_id)
            if stamp is not None and cached[0] == stamp:
                return cached[1]
        with self.query() as s:
            stamp = accounts_repo.user_stamp(s, user_id)
            actor = self.platform.tokens.verify(s, token)
        if len(cache) >= TOKEN_CACHE_SIZE:
            cache.clear()
        if stamp is not None:
            cache[token] = (stamp, actor)
        return actor

    # ------------------------------------------------------------------ users
    def create_user(self, login: str, name: str, password: str, roles: list[str], groups: list[str],
                    locale: str | None = None, timezone: str | None = None, *,
                    password_policy: bool = True) -> Actor:
        """A user, for the command line and loaders. ``password_policy=False`` is the explicit path
        that skips the password policy (the demo organisation's documented password ``demo``)."""
        with self.command() as s:
            return accounts.to_actor(accounts.create_user(s, login, name, password, roles, groups, locale, timezone,
                                                          password_policy=password_policy))

    def users(self) -> list[Actor]:
        with self.query() as s:
            return [accounts.to_actor(u) for u in accounts_repo.users(s)]

    def set_locale(self, actor: Actor, locale: str) -> None:
        with self.command() as s:
            accounts.set_locale(s, actor, locale)

    def profile(self, actor: Actor) -> accounts.Profile:
        with self.query() as s:
            user = accounts_repo.user_by_id(s, actor.id)
            if user is None:
                raise NotFound("no such user")
            return accounts.Profile(login=user.login, name=user.name, email=user.email or "",
                                    timezone=user.timezone or "", locale=user.locale or "",
                                    calendar_token=calendar_feed.token(self.platform.secret_key, user.id,
                                                                       user.calendar_salt))

    def update_profile(self, actor: Actor, email: str | None, timezone: str | None, locale: str | None) -> Actor:
        with self.command() as s:
            return accounts.to_actor(accounts.update_profile(s, actor, email, timezone, locale))

    def profile_page(self, actor: Actor) -> ProfilePage:
        """The profile page: the user's own settings and the organization's defaults, in one read."""
        with self.query():
            return ProfilePage(self.profile(actor), self.organization_defaults())

    def timezones(self) -> tuple[str, ...]:
        return accounts.timezones()

    def change_password(self, actor: Actor, current: str, new: str, confirm: str,
                        keep_session: str | None = None, address: str | None = None) -> None:
        """The user's own new password. Every other session of the user ends (``keep_session``, the
        secret of the browser that asked, stays) and their API tokens are revoked. A wrong current
        password counts as a failed log-in attempt."""
        keys = throttle.Keys.of(actor.login, address)
        with self.command() as s:
            throttle.count_attempt(s, keys, self.platform.ctx.now())
        with self.command() as s:
            user = accounts.change_password(s, actor, current, new, confirm)
            sessions.end_all(s, user.id, self.platform.ctx.now(), keep_secret=keep_session)
            # checked and saved: the current password was right
            throttle.succeeded(s, keys, self.platform.ctx.now())

    # ------------------------------------------------------------------ administration (admin only)
    def admin_users(self, actor: Actor) -> list[UserInfo]:
        with self.query() as s:
            return admin.list_users(s, actor)

    def admin_user(self, actor: Actor, user_id: int) -> UserInfo:
        with self.query() as s:
            return admin.user_info(s, actor, user_id)

    def admin_groups(self, actor: Actor) -> list[str]:
        with self.query() as s:
            return admin.group_names(s, actor)

    def add_user(self, actor: Actor, login: str, name: str, password: str, roles: list[str],
                 groups: list[str], locale: str | None = None, timezone: str | None = None) -> UserInfo:
        with self.command() as s:
            return admin.add_user(s, actor, login, name, password, roles, groups, locale, timezone)

    def update_user(self, actor: Actor, user_id: int, name: str, roles: list[str], groups: list[str],
                    locale: str | None, timezone: str | None) -> UserInfo:
        with self.command() as s:
            return admin.update_user(s, actor, user_id, name, roles, groups, locale, timezone)

    def set_user_active(self, actor: Actor, user_id: int, active: bool) -> UserInfo:
        with self.command() as s:
            result = admin.set_active(s, actor, user_id, active, self.platform.ctx.now())
        return result

    def reset_password(self, actor: Actor, user_id: int, password: str) -> UserInfo:
        with self.command() as s:
            result = admin.reset_password(s, actor, user_id, password, self.platform.ctx.now())
        return result

    # ------------------------------------------------------------------ the organization's defaults
    def organization_defaults(self) -> Defaults:
        """The time zone and language of everyone who has not chosen their own (anyone may read)."""
        with self.query() as s:
            return defaults.read(s)

    def admin_organization_defaults(self, actor: Actor) -> Defaults:
        with self.query() as s:
            return admin.organization_defaults(s, actor)

    def set_organization_defaults(self, actor: Actor, time_zone: str | None, language: str | None) -> Defaults:
        with self.command() as s:
            return admin.set_organization_defaults(s, actor, time_zone, language, self.platform.ctx.now())


__all__ = ["AccountsService", "Unauthenticated"]
