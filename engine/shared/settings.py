"""Settings from the environment (``REGLAMENT_*``)."""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from engine.shared import organization_defaults

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var"
DEFAULT_MAIL_FROM = "reglament@localhost"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
#: a production secret shorter than this is refused at start-up
MIN_SECRET_BYTES = 32
DEFAULT_SESSION_IDLE_HOURS = 12.0
DEFAULT_SESSION_LIFETIME_DAYS = 14.0
DEFAULT_MESSAGE_TTL_SECONDS = 7 * 24 * 3600.0
DEFAULT_SIGNAL_BATCH = 1000


class MissingSecret(RuntimeError):
    pass


class WeakSecret(MissingSecret):
    """A production secret too short to sign sessions and tokens safely."""


class InvalidSetting(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    production: bool = False
    #: smtp://user:pass@host:port, smtps://... or ...?starttls=1; empty: no e-mail is sent
    smtp_url: str | None = None
    mail_from: str = DEFAULT_MAIL_FROM
    #: the address people open Reglament at, for links in e-mails
    base_url: str = DEFAULT_BASE_URL
    #: figures about single people (per-manager funnels, org:resource in event logs); some
    #: organisations forbid evaluating people one by one: REGLAMENT_PERSON_FIGURES=off
    person_figures: bool = True
    #: a browser session ends after this long unused (REGLAMENT_SESSION_IDLE_HOURS)
    session_idle_hours: float = DEFAULT_SESSION_IDLE_HOURS
    #: ... and this long after logging in, used or not (REGLAMENT_SESSION_LIFETIME_DAYS)
    session_lifetime_days: float = DEFAULT_SESSION_LIFETIME_DAYS
    #: how long a message that came before its cycle waited for it is kept (REGLAMENT_MESSAGE_TTL, ISO 8601)
    message_ttl_seconds: float = DEFAULT_MESSAGE_TTL_SECONDS
    #: the most cycles a signal wakes or starts inside one request (each in its own transaction); the
    #: worker delivers the rest in batches of this size (REGLAMENT_SIGNAL_BATCH)
    signal_batch: int = DEFAULT_SIGNAL_BATCH

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        production = env.get("REGLAMENT_ENV", "development") == "production"
        _check_organization_defaults(env)
        url = env.get("REGLAMENT_DATABASE_URL") or f"sqlite:///{VAR / 'reglament.db'}"
        secret = env.get("REGLAMENT_SECRET_KEY")
        if not secret:
            if production:
                raise MissingSecret("REGLAMENT_SECRET_KEY must be set when REGLAMENT_ENV=production")
            secret = _development_secret()
        elif production and len(secret.encode()) < MIN_SECRET_BYTES:
            raise WeakSecret(f"REGLAMENT_SECRET_KEY has {len(secret.encode())} bytes; when REGLAMENT_ENV=production "
                             f"it must have at least {MIN_SECRET_BYTES} (make one with: python -c "
                             "'import secrets; print(secrets.token_urlsafe(48))')")
        return cls(database_url=url, secret_key=secret, production=production,
                   smtp_url=env.get("REGLAMENT_SMTP_URL") or None,
                   mail_from=env.get("REGLAMENT_MAIL_FROM") or DEFAULT_MAIL_FROM,
                   base_url=(env.get("REGLAMENT_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
                   person_figures=(env.get("REGLAMENT_PERSON_FIGURES") or "on").strip().lower()
                   not in ("off", "0", "false", "no"),
                   session_idle_hours=_positive(env, "REGLAMENT_SESSION_IDLE_HOURS", DEFAULT_SESSION_IDLE_HOURS),
                   session_lifetime_days=_positive(env, "REGLAMENT_SESSION_LIFETIME_DAYS",
                                                   DEFAULT_SESSION_LIFETIME_DAYS),
                   message_ttl_seconds=_iso_seconds(env, "REGLAMENT_MESSAGE_TTL", DEFAULT_MESSAGE_TTL_SECONDS),
                   signal_batch=int(_positive(env, "REGLAMENT_SIGNAL_BATCH", DEFAULT_SIGNAL_BATCH)))


def _iso_seconds(env: dict[str, str], name: str, default: float) -> float:
    """An ISO-8601 duration of days, hours, minutes, seconds (P7D, PT12H, P1DT30M) in seconds."""
    raw = (env.get(name) or "").strip().upper()
    if not raw:
        return default
    found = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", raw)
    if not found or raw in ("P", "PT") or raw.endswith("T"):
        raise InvalidSetting(f"{name}={raw!r} is not an ISO-8601 duration like P7D or PT12H")
    days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    if total <= 0:
        raise InvalidSetting(f"{name} must be longer than zero")
    return float(total)


def _check_organization_defaults(env: dict[str, str]) -> None:
    """REGLAMENT_TIME_ZONE and REGLAMENT_LANGUAGE (the organization's defaults until the admin stores
    others) are refused at start-up when unknown, rather than read as UTC and English."""
    zone = (env.get("REGLAMENT_TIME_ZONE") or "").strip()
    language = (env.get("REGLAMENT_LANGUAGE") or "").strip().lower()
    if zone and not organization_defaults.known_zone(zone):
        raise InvalidSetting(f"REGLAMENT_TIME_ZONE={zone!r} is not a known time zone (such as Europe/Moscow)")
    if language and language not in organization_defaults.LANGUAGES:
        raise InvalidSetting(f"REGLAMENT_LANGUAGE={language!r} must be one of {', '.join(organization_defaults.LANGUAGES)}")


def _positive(env: dict[str, str], name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise InvalidSetting(f"{name} must be a positive number, not {raw!r}")
    return value


def _development_secret() -> str:
    """A random key kept in var/ so development sessions survive restarts."""
    path = VAR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
