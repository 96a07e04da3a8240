"""Users, sign-in, API tokens and profiles."""
from __future__ import annotations

import time
from typing import Any

from engine.accounts import users as accounts
from engine.planning import calendar_feed
from engine.platform.base import Service
from engine.shared.access import Actor
from engine.shared.errors import NotFound
from storage.repositories import accounts as accounts_repo

#: how long a verified API token's user (roles, groups) is reused before it is read again
TOKEN_CACHE_SECONDS = 5.0


class AccountsService(Service):
    def authenticate(self, login: str, password: str) -> Actor:
        with self.query() as s:
            return accounts.authenticate(s, login, password)

    def actor(self, user_id: int) -> Actor:
        with self.query() as s:
            return accounts.actor_by_id(s, user_id)

    def issue_token(self, actor: Actor) -> str:
        with self.query() as s:
            return self.base.tokens.issue(s, actor)

    def actor_from_token(self, token: str) -> Actor:
        """The token's user; verified actors are remembered for TOKEN_CACHE_SECONDS."""
        now = time.monotonic()
        cached = self.base._token_cache.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        with self.query() as s:
            actor = self.base.tokens.verify(s, token)
        if len(self.base._token_cache) >= 10_000:
            self.base._token_cache.clear()
        self.base._token_cache[token] = (now + TOKEN_CACHE_SECONDS, actor)
        return actor

    def create_user(self, login: str, name: str, password: str, roles: list[str],
                    groups: list[str], locale: str = "en") -> Actor:
        with self.command() as s:
            return accounts.to_actor(accounts.create_user(s, login, name, password, roles, groups, locale))

    def users(self) -> list[Actor]:
        with self.query() as s:
            return [accounts.to_actor(u) for u in accounts_repo.users(s)]

    def set_locale(self, actor: Actor, locale: str) -> None:
        with self.command() as s:
            accounts.set_locale(s, actor, locale)

    def profile(self, actor: Actor) -> dict[str, Any]:
        with self.query() as s:
            user = accounts_repo.user_by_id(s, actor.id)
            if user is None:
                raise NotFound("no such user")
            return {"login": user.login, "name": user.name, "email": user.email or "",
                    "timezone": user.timezone or "UTC", "locale": user.locale,
                    "calendar_token": calendar_feed.token(self.base.secret_key, user.id, user.calendar_salt)}

    def update_profile(self, actor: Actor, email: str | None, timezone: str | None, locale: str) -> Actor:
        with self.command() as s:
            return accounts.to_actor(accounts.update_profile(s, actor, email, timezone, locale))

    def timezones(self) -> tuple[str, ...]:
        return accounts.timezones()
