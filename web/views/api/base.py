"""The API's blueprint, its Bearer-token authentication and the helpers every resource uses."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g, request, url_for

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


#: how deep a request's JSON may nest, and how many digits a number in it may have
MAX_JSON_DEPTH = 32
MAX_JSON_NUMBER_DIGITS = 40


def json_depth(raw: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (strings and escapes skipped), in one pass."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def _bounded_number(text: str) -> Any:
    if len(text.lstrip("-")) > MAX_JSON_NUMBER_DIGITS:
        raise ValueError(f"a number in the request has more than {MAX_JSON_NUMBER_DIGITS} digits")
    return json.loads(text)


def json_body() -> dict[str, Any]:
    """The request's JSON object, read within MAX_JSON_DEPTH and MAX_JSON_NUMBER_DIGITS (422 beyond)."""
    if not request.is_json:
        raise InputInvalid("the request body must be a JSON object (Content-Type: application/json)")
    raw = request.get_data(cache=True)
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise InputInvalid(f"the request's JSON nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(raw, parse_int=_bounded_number, parse_float=lambda text: float(_bounded_number(text)))
    except ValueError as exc:
        raise InputInvalid(f"the request body is not valid JSON: {exc}") from None
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


def next_page(response: Response, cursor: str | None) -> Response:
    """Point a list's answer at its next page: the same query with ``?after=<cursor>``, in the
    ``X-Next-Cursor`` header and as ``Link: <...>; rel="next"`` (nothing on the last page)."""
    if cursor is not None:
        response.headers["X-Next-Cursor"] = cursor
        target = url_for(request.endpoint or "", **{**(request.view_args or {}), **request.args, "after": cursor})
        response.headers["Link"] = f'<{target}>; rel="next"'
    return response
