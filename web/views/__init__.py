"""Blueprints. Views translate HTTP to engine commands and back; no business rules here."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for

from engine.shared.access import Actor
from engine.shared.errors import Unauthenticated

F = TypeVar("F", bound=Callable[..., Any])


def platform():  # type: ignore[no-untyped-def]
    from web.app import platform as _platform

    return _platform()


#: the cookie's key for the secret of the server-side session (engine/accounts/sessions.py)
SESSION_KEY = "sid"


def session_secret() -> str | None:
    secret = session.get(SESSION_KEY)
    return secret if isinstance(secret, str) and secret else None


def login_required(view: F) -> F:
    """The page needs a live server-side session: ended (logged out, new password, deactivated),
    idle or too old sessions send the browser to the log-in page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        secret = session_secret()
        if secret is None:
            return redirect(url_for("auth.login", next=request.full_path))
        try:
            g.actor = platform().accounts.session_actor(secret)
        except Unauthenticated:
            session.clear()
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: no open redirects, no header injection.

    Browsers drop tabs and newlines inside URLs and treat a backslash like a
    slash, so any control character or backslash makes the target unsafe.
    """
    if not target or any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def actor() -> Actor:
    return g.actor  # type: ignore[no-any-return]


def _account_messages() -> dict[str, Callable[[dict[str, Any]], str]]:
    from flask_babel import gettext as _

    return {
        "password_short": lambda p: _("must have at least %(limit)s characters", limit=p.get("limit")),
        "password_common": lambda p: _("is one of the most common passwords; choose another"),
        "password_login": lambda p: _("must not be the same as the login"),
        "password_wrong": lambda p: _("is not your current password"),
        "password_mismatch": lambda p: _("does not match the new password"),
        "login_chars": lambda p: _("may contain only Latin letters, digits, “.”, “_” and “-” (at most 64)"),
        "login_taken": lambda p: _("a user “%(value)s” already exists", value=p.get("value")),
        "group_name": lambda p: _("a department’s name must have 1 to 100 characters"),
        "last_admin": lambda p: _("the last active administrator must keep the admin role and stay active"),
        "deactivate_self": lambda p: _("you cannot deactivate yourself"),
    }


def account_fields(exc: Any) -> dict[str, str]:
    """Per-field problems of account forms (passwords, logins, roles) in the user's language."""
    from web.i18n import translated_fields

    out = translated_fields(exc)
    messages = _account_messages()
    for name, params in (exc.details.get("codes") or {}).items():
        render = messages.get(params.get("code", ""))
        if render is not None:
            out[name] = render(params)
    return out


def client_address() -> str | None:
    """The address a request came from (behind a proxy: configure ProxyFix so this is the client's)."""
    return request.remote_addr
