"""Cycles: start, read, history, retry."""
from __future__ import annotations

from flask import g, jsonify, request

from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.api.base import bp, int_field, json_body


@bp.post("/cycles")
def start_cycle():  # type: ignore[no-untyped-def]
    data = json_body()
    allow = data.get("allow_parallel", False)
    if not isinstance(allow, bool):
        raise InputInvalid("allow_parallel must be true or false", {"fields": {"allow_parallel": "must be true or false"}})
    if "business_key" in data or "variables" in data:  # a start from outside (engine/platform/outside.py)
        cycle = platform().outside.start_cycle(g.actor, int_field(data, "client_id"), str(data.get("regulation") or ""),
                                               data.get("business_key"), data.get("variables"), allow_parallel=allow)
        return jsonify(cycle.as_dict()), 201
    cycle = platform().regulation.start_cycle(g.actor, int_field(data, "client_id"), str(data.get("regulation") or ""),
                                              allow_parallel=allow)
    return jsonify(cycle.as_dict()), 201


@bp.get("/cycles/<int:cycle_id>")
def cycle(cycle_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().regulation.cycle(g.actor, cycle_id).as_dict())


@bp.get("/cycles/<int:cycle_id>/history")
def history(cycle_id: int):  # type: ignore[no-untyped-def]
    return jsonify([e.as_dict() for e in platform().regulation.history(g.actor, cycle_id)])


@bp.post("/cycles/<int:cycle_id>/retry")
def retry(cycle_id: int):  # type: ignore[no-untyped-def]
    data = request.get_json(silent=True) or {}
    variables = data.get("variables") if isinstance(data, dict) else None
    if variables is not None and not isinstance(variables, dict):
        raise InputInvalid("variables must be an object")
    return jsonify(platform().regulation.retry(g.actor, cycle_id, variables).as_dict())
