"""Messages from outside: POST /api/v1/messages (stored, then delivered, kept or triaged) and the triage list."""
from __future__ import annotations

from flask import g, jsonify, request

from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.api.base import bp, json_body

#: the largest message body accepted (its variables are also bounded: engine/regulation/incoming.py)
MAX_MESSAGE_BYTES = 256 * 1024


@bp.post("/messages")
def receive_message():  # type: ignore[no-untyped-def]
    """{"name", "message_id"?, "cycle_id" | "business_key" | "correlation": {...}, "variables"?}: 202 with the
    stored message and its state: delivered, waiting (kept until a cycle waits for it) or triage."""
    if (request.content_length or 0) > MAX_MESSAGE_BYTES:
        raise InputInvalid(f"a message body may have at most {MAX_MESSAGE_BYTES:,} bytes")
    data = json_body()
    unknown = set(data) - {"name", "message_id", "cycle_id", "business_key", "correlation", "variables"}
    if unknown:
        raise InputInvalid(f"unknown fields: {', '.join(sorted(unknown))}")
    if not isinstance(data.get("name"), str):
        raise InputInvalid("name is required: the message's name, as the regulation's message event names it",
                           {"fields": {"name": "is required"}})
    message = platform().outside.receive_message(g.actor, data["name"], data.get("message_id"), data.get("cycle_id"),
                                                 data.get("business_key"), data.get("correlation"),
                                                 data.get("variables"))
    return jsonify(message.as_dict()), 202


@bp.get("/messages/triage")
def triage():  # type: ignore[no-untyped-def]
    """The messages no cycle took, and those kept for one (head, admin)."""
    return jsonify([m.as_dict() for m in platform().outside.triage(g.actor)])
