"""Tasks: the inbox, claim, release, complete."""
from __future__ import annotations

from flask import Response, g, jsonify, request

from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.api.base import bp, next_page


@bp.get("/tasks")
def tasks():  # type: ignore[no-untyped-def]
    cycle_id = request.args.get("cycle_id")
    if cycle_id is not None and not cycle_id.isdigit():
        raise InputInvalid("cycle_id must be an integer")
    limit = request.args.get("limit", "500")
    if not limit.isdigit():
        raise InputInvalid("limit must be an integer", {"fields": {"limit": "must be an integer"}})
    page = platform().regulation.inbox_page(
        g.actor, scope=request.args.get("scope") or None, cycle_id=int(cycle_id) if cycle_id else None,
        with_forms=True, limit=int(limit), after=request.args.get("after") or None)
    return next_page(jsonify([row.as_dict() for row in page.rows]), page.next)


@bp.post("/tasks/<task_id>/claim")
def claim(task_id: str):  # type: ignore[no-untyped-def]
    platform().regulation.claim_task(g.actor, task_id)
    return jsonify(status="claimed", assignee=g.actor.login)


@bp.post("/tasks/<task_id>/release")
def release(task_id: str):  # type: ignore[no-untyped-def]
    platform().regulation.release_task(g.actor, task_id)
    return jsonify(status="released")


@bp.post("/tasks/<task_id>/complete")
def complete(task_id: str):  # type: ignore[no-untyped-def]
    data = request.get_json(silent=True)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputInvalid("the request body must be a JSON object")
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise InputInvalid("variables must be an object of field id -> value")
    return jsonify(platform().regulation.complete_task(g.actor, task_id, variables).as_dict())


@bp.get("/tasks/<task_id>/context")
def context(task_id: str):  # type: ignore[no-untyped-def]
    """What the task page shows beside the form: the client card and the earlier steps' data."""
    return jsonify(platform().regulation.task_context(g.actor, task_id).as_dict())


@bp.get("/files/<int:file_id>")
def file(file_id: int):  # type: ignore[no-untyped-def]
    """A file sent with a task's form, as an attachment (whoever may see its cycle)."""
    stored, data = platform().regulation.attachment(g.actor, file_id)
    response = Response(data, mimetype=stored.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=stored.filename)
    return response


@bp.get("/cycles/<int:cycle_id>/files")
def cycle_files(cycle_id: int):  # type: ignore[no-untyped-def]
    """The files sent in the cycle's task forms, oldest first (download each at /files/<id>)."""
    return jsonify(files=[f.as_dict() for f in platform().regulation.cycle_files(g.actor, cycle_id)])


@bp.get("/clients/<int:client_id>/files")
def client_files(client_id: int):  # type: ignore[no-untyped-def]
    """The client's files (of the cycles the caller may see), newest first, at most 200."""
    return jsonify(files=[f.as_dict() for f in platform().regulation.client_files(g.actor, client_id)])
