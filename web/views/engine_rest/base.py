"""The /engine-rest blueprint: authentication (Bearer or Basic), Camunda-shaped errors, JSON bodies."""
from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from typing import Any

from flask import Blueprint, g, jsonify, request

from engine.accounts.throttle import LoginThrottled
from engine.regulation.external_tasks import NotLockedByWorker
from engine.shared import errors as e
from web.views import platform
from web.views.api.base import json_body

bp = Blueprint("engine_rest", __name__, url_prefix="/engine-rest")

#: how long a verified Basic credential is reused before the password is checked again; every
#: request reads the user's stamp too, so a deactivated user, a new password or new roles hold at once
BASIC_CACHE_SECONDS = 30.0
_basic_cache: dict[str, tuple[float, Any, Any]] = {}
_basic_lock = threading.Lock()

#: Camunda's exception names and statuses for the engine's errors
_TYPES: list[tuple[type[e.ReglamentError], int, str]] = [
    (LoginThrottled, 429, "AuthenticationException"),
    (e.Unauthenticated, 401, "AuthenticationException"),
    (e.Forbidden, 403, "AuthorizationException"),
    (e.NotFound, 404, "RestException"),
    (NotLockedByWorker, 400, "BadUserRequestException"),
    (e.ConcurrentChange, 409, "OptimisticLockingException"),
    (e.TaskNotActionable, 400, "BadUserRequestException"),
    (e.InputInvalid, 400, "InvalidRequestException"),
    (e.FormInvalid, 400, "InvalidRequestException"),
    (e.ExpressionError, 400, "InvalidRequestException"),
]


def camunda_error(status: int, type_: str, message: str) -> Any:
    return jsonify(type=type_, message=message, code=None), status


@bp.errorhandler(e.ReglamentError)
def _engine_error(exc: e.ReglamentError) -> Any:
    for cls, status, type_ in _TYPES:
        if isinstance(exc, cls):
            response = camunda_error(status, type_, exc.message)
            if isinstance(exc, LoginThrottled):
                return response[0], status, {"Retry-After": str(exc.retry_after)}
            if status == 401:
                return response[0], status, {"WWW-Authenticate": 'Basic realm="reglament"'}
            return response
    return camunda_error(400, "RestException", exc.message)


def _basic(encoded: str) -> Any:
    try:
        login, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        raise e.Unauthenticated("the Basic credentials are not base64 of login:password") from None
    key = hmac.new(platform().secret_key.encode(), encoded.encode(), hashlib.sha256).hexdigest()
    now = time.monotonic()
    with _basic_lock:
        cached = _basic_cache.get(key)
    if cached is not None and cached[0] > now:
        stamp = platform().outside.user_stamp(cached[2].id)
        if stamp is not None and stamp == cached[1] and stamp[0]:
            return cached[2]
    actor = platform().accounts.authenticate(login, password, request.remote_addr)
    stamp = platform().outside.user_stamp(actor.id)
    with _basic_lock:
        if len(_basic_cache) > 1000:
            _basic_cache.clear()
        _basic_cache[key] = (now + BASIC_CACHE_SECONDS, stamp, actor)
    return actor


@bp.before_request
def _authenticate() -> None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        g.actor = platform().accounts.actor_from_token(credentials.strip())
    elif scheme.lower() == "basic" and credentials.strip():
        g.actor = _basic(credentials.strip())
    else:
        raise e.Unauthenticated("send 'Authorization: Bearer <token>' (POST /api/v1/token) or HTTP Basic "
                                "with a login and password")


def body() -> dict[str, Any]:
    """The request's JSON object (an empty body is an empty object, as Camunda reads it)."""
    if not request.get_data(cache=True).strip():
        return {}
    return json_body()


def text(data: dict[str, Any], key: str, limit: int = 2000) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise e.InputInvalid(f"{key} must be a string")
    if len(value) > limit:
        raise e.InputInvalid(f"{key} is longer than {limit:,} characters")
    return value


def integer(data: dict[str, Any], key: str, default: int | None = None) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise e.InputInvalid(f"{key} must be a whole number")
    return value
