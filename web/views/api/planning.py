"""Ad-hoc contacts and forgotten clients."""
from __future__ import annotations

from flask import g, jsonify

from web.views import platform
from web.views.api.base import bp, json_body, moment_field, text_field


@bp.post("/clients/<int:client_id>/activities")
def plan_contact(client_id: int):  # type: ignore[no-untyped-def]
    """Plan a contact: {"work_type", "planned_at", "note"?, "assignee"? (heads)}."""
    data = json_body()
    activity = platform().planning.plan_contact(g.actor, client_id, text_field(data, "work_type"), moment_field(data, "planned_at"),
                                       text_field(data, "note"), text_field(data, "assignee"))
    return jsonify(activity.as_dict()), 201


@bp.post("/activities/<int:activity_id>/done")
def contact_done(activity_id: int):  # type: ignore[no-untyped-def]
    """Mark a planned contact done: {"result"}."""
    return jsonify(platform().planning.contact_done(g.actor, activity_id, text_field(json_body(), "result")).as_dict())


@bp.get("/forgotten")
def forgotten():  # type: ignore[no-untyped-def]
    """Clients past their contact norm (a manager's own; everyone's for heads and analysts)."""
    return jsonify([f.as_dict() for f in platform().control.forgotten(g.actor)])
