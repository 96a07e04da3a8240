"""JSON API under /api/v1. Bearer tokens; errors as {"error", "message", "details"}."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from engine.errors import InputInvalid, Unauthenticated
from engine.regulations import SourceFile
from web.views import platform

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _authenticate() -> None:
    if request.endpoint == "api.token":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send 'Authorization: Bearer <token>'; get a token from POST /api/v1/token")
    g.actor = platform().actor_from_token(token.strip())


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InputInvalid("the request body must be a JSON object")
    return data


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputInvalid(f"{key} must be an integer", {"fields": {key: "must be an integer"}})
    return value


def _task_dict(task: Any, form: list[Any]) -> dict[str, Any]:
    return {
        "id": task.id, "cycle_id": task.cycle_id, "client_id": task.client_id,
        "client_name": task.client.name, "name": task.name, "element_id": task.element_id,
        "stage": task.stage, "work_type": task.work_type, "lane": task.lane,
        "assignee": task.assignee, "candidate_groups": task.candidate_groups,
        "created_at": task.created_at.isoformat(),
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "form": [f.as_dict() for f in form],
    }


@bp.post("/token")
def token():  # type: ignore[no-untyped-def]
    data = _body()
    who = platform().authenticate(str(data.get("login", "")), str(data.get("password", "")))
    return jsonify(token=platform().issue_token(who))


@bp.get("/regulations")
def regulations():  # type: ignore[no-untyped-def]
    return jsonify(platform().regulations())


@bp.post("/regulations")
def deploy():  # type: ignore[no-untyped-def]
    files = [SourceFile(f.filename or "upload.bpmn", f.read()) for f in request.files.getlist("file")]
    if not files:
        files = [SourceFile("upload.bpmn", request.get_data())]
    keep = request.args.get("keep_if_not_executable") in ("1", "true")
    result = platform().deploy(g.actor, files, keep_if_not_executable=keep)
    return jsonify(result.as_dict()), (201 if result.created else 200)


@bp.get("/regulations/<key>/versions")
def versions(key: str):  # type: ignore[no-untyped-def]
    return jsonify(platform().versions(key)["versions"])


@bp.get("/regulations/<key>/versions/<int:number>/xml")
def version_xml(key: str, number: int):  # type: ignore[no-untyped-def]
    return Response(platform().version_xml(key, number), mimetype="application/xml")


@bp.get("/regulations/<key>/compare")
def compare(key: str):  # type: ignore[no-untyped-def]
    old, new = request.args.get("old", type=int), request.args.get("new", type=int)
    if not old or not new:
        raise InputInvalid("give the versions to compare as ?old=N&new=M")
    return jsonify(platform().compare_versions(key, old, new))


@bp.post("/clients")
def create_client():  # type: ignore[no-untyped-def]
    data = _body()
    client = platform().create_client(g.actor, str(data.get("name") or ""), data.get("segment"),
                                      data.get("owner"))
    return jsonify(client), 201


@bp.post("/cycles")
def start_cycle():  # type: ignore[no-untyped-def]
    data = _body()
    cycle = platform().start_cycle(g.actor, _int(data, "client_id"), str(data.get("regulation") or ""))
    return jsonify(cycle), 201


@bp.get("/cycles/<int:cycle_id>")
def cycle(cycle_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().cycle(g.actor, cycle_id))


@bp.get("/cycles/<int:cycle_id>/history")
def history(cycle_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().history(g.actor, cycle_id))


@bp.post("/cycles/<int:cycle_id>/retry")
def retry(cycle_id: int):  # type: ignore[no-untyped-def]
    data = request.get_json(silent=True) or {}
    variables = data.get("variables") if isinstance(data, dict) else None
    if variables is not None and not isinstance(variables, dict):
        raise InputInvalid("variables must be an object")
    return jsonify(platform().retry(g.actor, cycle_id, variables))


@bp.get("/tasks")
def tasks():  # type: ignore[no-untyped-def]
    cycle_id = request.args.get("cycle_id")
    if cycle_id is not None and not cycle_id.isdigit():
        raise InputInvalid("cycle_id must be an integer")
    rows = platform().inbox(g.actor, scope=request.args.get("scope") or None,
                            cycle_id=int(cycle_id) if cycle_id else None, with_forms=True)
    return jsonify([_task_dict(t, form) for t, form in rows])


@bp.post("/tasks/<task_id>/claim")
def claim(task_id: str):  # type: ignore[no-untyped-def]
    platform().claim_task(g.actor, task_id)
    return jsonify(status="claimed", assignee=g.actor.login)


@bp.post("/tasks/<task_id>/release")
def release(task_id: str):  # type: ignore[no-untyped-def]
    platform().release_task(g.actor, task_id)
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
    return jsonify(platform().complete_task(g.actor, task_id, variables))
