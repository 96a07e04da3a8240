"""The cockpit's API: the cycles explorer and its export, operations on running cycles, where the
cycles of a version wait."""
from __future__ import annotations

import io
from typing import Any

from flask import Response, g, jsonify, request, stream_with_context, url_for

from engine.regulation.explorer_export import csv_lines, write_xlsx
from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.api.base import bp, json_body, text_field

_EXPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.get("/cycles")
def explore():  # type: ignore[no-untyped-def]
    page = platform().cockpit.explore(g.actor, request.args, request.args.get("limit"),
                                      request.args.get("after") or None)
    response, following = jsonify(page.as_dict()), page.next
    if following is not None:  # the next page: the same query with ?after=<cursor>
        response.headers["X-Next-Cursor"] = following
        response.headers["Link"] = f'<{url_for("api.explore", **{**request.args, "after": following})}>; rel="next"'
    return response


def export_response(fmt: str) -> Response:
    """The filtered list as a file (shared with the explorer page's export links)."""
    if fmt not in _EXPORT_TYPES:
        raise InputInvalid("format must be csv or xlsx", {"fields": {"format": "must be csv or xlsx"}})
    header, rows = platform().cockpit.export(g.actor, request.args, request.args.get("vars"), xlsx=fmt == "xlsx")
    disposition = {"Content-Disposition": f"attachment; filename=cycles.{fmt}"}
    if fmt == "csv":
        return Response(stream_with_context(csv_lines(header, rows)), mimetype=_EXPORT_TYPES["csv"],
                        headers=disposition)
    target = io.BytesIO()
    write_xlsx(header, rows, target)
    return Response(target.getvalue(), mimetype=_EXPORT_TYPES["xlsx"], headers=disposition)


@bp.get("/cycles/export")
def export():  # type: ignore[no-untyped-def]
    return export_response(request.args.get("format", "csv"))


def _reason(data: dict[str, Any]) -> str | None:
    return text_field(data, "reason")


@bp.post("/cycles/<int:cycle_id>/cancel")
def cancel(cycle_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().cockpit.cancel(g.actor, cycle_id, _reason(json_body())).as_dict())


@bp.post("/cycles/<int:cycle_id>/suspend")
def suspend(cycle_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().cockpit.suspend(g.actor, cycle_id, _reason(json_body())).as_dict())


@bp.post("/cycles/<int:cycle_id>/resume")
def resume(cycle_id: int):  # type: ignore[no-untyped-def]
    data = json_body() if request.get_data() else {}
    return jsonify(platform().cockpit.resume(g.actor, cycle_id, _reason(data)).as_dict())


@bp.post("/cycles/<int:cycle_id>/move")
def move(cycle_id: int):  # type: ignore[no-untyped-def]
    data = json_body()
    return jsonify(platform().cockpit.move(g.actor, cycle_id, text_field(data, "from") or "",
                                           text_field(data, "to") or "", _reason(data)).as_dict())


@bp.route("/cycles/<int:cycle_id>/variables", methods=["PATCH", "POST"])
def edit_variables(cycle_id: int):  # type: ignore[no-untyped-def]
    data = json_body()
    return jsonify(platform().cockpit.edit_variables(g.actor, cycle_id, data.get("variables"), _reason(data)).as_dict())


@bp.get("/regulations/<key>/versions/<int:number>/waiting")
def waiting(key: str, number: int):  # type: ignore[no-untyped-def]
    loads = platform().cockpit.waiting_by_element(g.actor, key, number)
    return jsonify({element: load.as_dict() for element, load in loads.items()})


@bp.post("/cycles/batch")
def start_batch():  # type: ignore[no-untyped-def]
    """{"kind": "cancel"|"retry"|"migrate", "filter": {...explorer filters}, "reason"?, "variables"?,
    "to_version"?, "plan"?} -> 202 {"id"}; the worker runs it."""
    data = json_body()
    filters = data.get("filter") or {}
    if not isinstance(filters, dict):
        raise InputInvalid("filter must be an object of explorer filters", {"fields": {"filter": "must be an object"}})
    params = {k: data[k] for k in ("reason", "variables", "to_version", "plan", "retry") if k in data}
    batch_id = platform().cockpit.start_batch(g.actor, str(data.get("kind") or ""), filters, params)
    return jsonify(platform().cockpit.batch(g.actor, batch_id).as_dict()), 202


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().cockpit.batch(g.actor, batch_id).as_dict())
