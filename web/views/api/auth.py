"""Tokens: POST /api/v1/token."""
from __future__ import annotations

from flask import jsonify, request

from engine.accounts.throttle import LoginThrottled
from web.views import platform
from web.views.api.base import bp, json_body


@bp.post("/token")
def token():  # type: ignore[no-untyped-def]
    """{"login", "password"}: a token. Failed attempts are throttled per account and address:
    429 too_many_attempts with Retry-After (seconds) while locked."""
    data = json_body()
    try:
        who = platform().accounts.authenticate(str(data.get("login", "")), str(data.get("password", "")),
                                               request.remote_addr)
    except LoginThrottled as exc:
        return (jsonify(error=exc.code, message=exc.message, details=exc.details), 429,
                {"Retry-After": str(exc.retry_after)})
    return jsonify(token=platform().accounts.issue_token(who))
