"""Signals from outside: POST /api/v1/signals, a broadcast to every cycle waiting for it."""
from __future__ import annotations

from flask import g, jsonify, request

from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.api.base import bp, json_body

#: the largest signal body accepted (its variables are also bounded: engine/regulation/incoming.py)
MAX_SIGNAL_BYTES = 256 * 1024


@bp.post("/signals")
def send_signal():  # type: ignore[no-untyped-def]
    """{"name", "variables"?, "client_id"?, "cycle_id"?}: every cycle waiting for the signal catches it
    and every regulation starting with it starts a cycle for ``client_id``; with ``cycle_id`` only
    that cycle catches it. 200 with the cycles woken and started, or 202 when more cycles wait than
    one request reaches (the worker delivers the rest)."""
    if (request.content_length or 0) > MAX_SIGNAL_BYTES:
        raise InputInvalid(f"a signal body may have at most {MAX_SIGNAL_BYTES:,} bytes")
    data = json_body()
    unknown = set(data) - {"name", "variables", "client_id", "cycle_id"}
    if unknown:
        raise InputInvalid(f"unknown fields: {', '.join(sorted(unknown))}")
    if not isinstance(data.get("name"), str):
        raise InputInvalid("name is required: the signal's name, as the regulation's signal events name it",
                           {"fields": {"name": "is required"}})
    for key in ("client_id", "cycle_id"):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InputInvalid(f"{key} must be a whole number", {"fields": {key: "must be a whole number"}})
    if data.get("cycle_id") is not None:
        if data.get("client_id") is not None:
            raise InputInvalid("a signal to one cycle starts nothing: send client_id or cycle_id, not both")
        platform().outside.signal_cycle(g.actor, data["cycle_id"], data["name"], data.get("variables"))
        return jsonify({"woken": [data["cycle_id"]], "started": [], "done": True})
    result = platform().outside.signal(g.actor, data["name"], data.get("variables"), data.get("client_id"))
    return jsonify(result.as_dict()), 200 if result.done else 202
