"""The organization's time zone and language: what everyone sees who has not chosen their own.

The admin stores them in ``organization_settings``; what is not stored there comes from the
environment (``REGLAMENT_TIME_ZONE``, ``REGLAMENT_LANGUAGE``, checked at start-up by
``Settings.from_env``), else UTC and English. A user's own choice (``users.timezone``,
``users.locale``) wins; None there means "the organization's".
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session, object_session

from storage.repositories import accounts as accounts_repo

LANGUAGES = ("en", "ru")
FALLBACK_ZONE = "UTC"
FALLBACK_LANGUAGE = "en"
_CACHE_KEY = "reglament.organization_defaults"


def known_zone(name: str) -> bool:
    """Whether the IANA zone name exists here (``Europe/Moscow`` yes, ``Mars/Olympus`` no)."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Defaults:
    """The organization's defaults in force, and which of them the admin stored."""

    time_zone: str
    language: str
    stored_time_zone: str | None = None
    stored_language: str | None = None

    def zone_of(self, chosen: str | None) -> str:
        """The time zone a user with this choice (None: none) works in."""
        return chosen or self.time_zone

    def language_of(self, chosen: str | None) -> str:
        return chosen if chosen in LANGUAGES else self.language


def environment(env: Mapping[str, str] | None = None) -> Defaults:
    """The environment's defaults (what is unknown there reads as UTC and English)."""
    env = os.environ if env is None else env
    zone = (env.get("REGLAMENT_TIME_ZONE") or "").strip()
    language = (env.get("REGLAMENT_LANGUAGE") or "").strip().lower()
    return Defaults(zone if known_zone(zone) else FALLBACK_ZONE,
                    language if language in LANGUAGES else FALLBACK_LANGUAGE)


def environment_language(env: Mapping[str, str] | None = None) -> str | None:
    """REGLAMENT_LANGUAGE when it names a known language, else None (not set)."""
    language = ((os.environ if env is None else env).get("REGLAMENT_LANGUAGE") or "").strip().lower()
    return language if language in LANGUAGES else None


def read(session: Session) -> Defaults:
    """The defaults in force: the stored ones over the environment's (read once per session)."""
    cached = session.info.get(_CACHE_KEY)
    if isinstance(cached, Defaults):
        return cached
    base = environment()
    row = accounts_repo.organization_settings(session)
    stored_zone = row.time_zone if row is not None else None
    stored_language = row.language if row is not None else None
    found = Defaults(stored_zone or base.time_zone, stored_language or base.language, stored_zone, stored_language)
    session.info[_CACHE_KEY] = found
    return found


def forget(session: Session) -> None:
    """Drop what ``read`` remembered in this session (after the settings changed)."""
    session.info.pop(_CACHE_KEY, None)


def of_user(user: Any) -> tuple[str, str]:
    """(time zone, language) a user row works in: theirs, else the organization's (read through
    the row's own session)."""
    session = object_session(user)
    found = read(session) if session is not None else environment()
    return found.zone_of(user.timezone), found.language_of(user.locale)
