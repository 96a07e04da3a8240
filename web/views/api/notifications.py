"""Notifications: list and mark read."""
from __future__ import annotations

from flask import g, jsonify, request

from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.api.base import bp, next_page


@bp.get("/notifications")
def notifications():  # type: ignore[no-untyped-def]
    unread = request.args.get("unread", "")
    if unread not in ("", "0", "1", "true", "false"):
        raise InputInvalid("unread must be 1 or 0")
    limit = request.args.get("limit", "200")
    if not limit.isdigit() or not 1 <= int(limit) <= 500:
        raise InputInvalid("limit must be a whole number from 1 to 500")
    rows, following = platform().notify.notification_page(g.actor, unread_only=unread in ("1", "true"),
                                                          limit=int(limit), after=request.args.get("after") or None)
    return next_page(jsonify([n.as_dict() for n in rows]), following)


@bp.post("/notifications/read")
def read_notifications():  # type: ignore[no-untyped-def]
    """Body {"ids": [1, 2]} marks those read; {"all": true} marks every one read."""
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise InputInvalid("the request body must be a JSON object")
    ids = data.get("ids")
    if ids is not None and (not isinstance(ids, list) or
                            not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)):
        raise InputInvalid("ids must be a list of notification ids", {"fields": {"ids": "must be a list of integers"}})
    if ids is None and data.get("all") is not True:
        raise InputInvalid('give the ids to mark read, or "all": true')
    marked = platform().notify.mark_notifications_read(g.actor, ids)
    return jsonify(status="read", marked=marked, unread=platform().notify.unread_notifications(g.actor))
