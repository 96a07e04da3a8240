"""The API's blueprint, its Bearer-token authentication and the helpers every resource uses."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g, request

from engine.shared.errors import InputInvalid, Unauthenticated
from web.i18n import parse_local_input
from web.views import platform

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _authenticate() -> None:
    if request.endpoint == "api.token":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send 'Authorization: Bearer <token>'; get a token from POST /api/v1/token")
    g.actor = platform().accounts.actor_from_token(token.strip())


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InputInvalid("the request body must be a JSON object")
    return data


def int_field(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputInvalid(f"{key} must be an integer", {"fields": {key: "must be an integer"}})
    return value


def text_field(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise InputInvalid(f"{key} must be a string", {"fields": {key: "must be a string"}})
    return value


def moment_field(data: dict[str, Any], key: str) -> datetime | None:
    """An ISO-8601 date and time; one without an offset is read in the user's time zone."""
    raw = text_field(data, key)
    if not raw:
        return None
    try:
        return parse_local_input(raw)  # the same reading as the pages' forms
    except ValueError:
        raise InputInvalid(f"{key} must be an ISO-8601 date and time like 2026-12-01T10:30:00+03:00",
                           {"fields": {key: "is not an ISO-8601 date and time"}}) from None
