"""Distribution of clients and hand-over."""
from __future__ import annotations

from typing import Any

from flask import g, jsonify, request

from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.api.base import bp, json_body, moment_field, text_field


def id_list(data: dict[str, Any], key: str) -> list[int] | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, list) or
                              not all(isinstance(i, int) and not isinstance(i, bool) for i in value)):
        raise InputInvalid(f"{key} must be a list of client ids", {"fields": {key: "must be a list of integers"}})
    return value


@bp.post("/clients/distribute")
def distribute_clients():  # type: ignore[no-untyped-def]
    """Distribute {"client_ids": [...]} (or, with no body, every unowned client) by the rules."""
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise InputInvalid("the request body must be a JSON object")
    decided = platform().organization.distribute(g.actor, id_list(data, "client_ids"))
    return jsonify(decisions=[d.as_dict() for d in decided])


@bp.post("/handover")
def hand_over():  # type: ignore[no-untyped-def]
    """{"from", "to", "client_ids"? (all of the manager's when absent), "returns_at"? (ISO-8601;
    absent: for good), "reason"?}."""
    data = json_body()
    done = platform().organization.hand_over(g.actor, text_field(data, "from"), text_field(data, "to"), id_list(data, "client_ids"),
                                moment_field(data, "returns_at"), text_field(data, "reason"))
    return jsonify(done.as_dict()), 201
