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


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user_id = session.get("user_id")
        if user_id is None:
            return redirect(url_for("auth.login", next=request.full_path))
        try:
            g.actor = platform().accounts.actor(user_id)
        except Unauthenticated:
            session.clear()
            return redirect(url_for("auth.login"))
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
