"""JSON API under /api/v1. Bearer tokens; errors as {"error", "message", "details"}."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from engine.accounts.throttle import LoginThrottled
from engine.clients.records import PAGE_SIZE as CLIENT_PAGE_SIZE
from engine.clients.records import Filters as ClientFilters
from engine.clients.records import client_dict
from engine.control.filters import Filters
from engine.regulation.versions import SourceFile
from engine.shared.errors import InputInvalid, Unauthenticated
from web.i18n import parse_local_input
from web.views import platform
from web.views.control import event_log_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _authenticate() -> None:
    if request.endpoint == "api.token":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send 'Authorization: Bearer <token>'; get a token from POST /api/v1/token")
    g.actor = platform().accounts.actor_from_token(token.strip())


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
    """{"login", "password"}: a token. Failed attempts are throttled per account and address:
    429 too_many_attempts with Retry-After (seconds) while locked."""
    data = _body()
    try:
        who = platform().accounts.authenticate(str(data.get("login", "")), str(data.get("password", "")),
                                               request.remote_addr)
    except LoginThrottled as exc:
        return (jsonify(error=exc.code, message=exc.message, details=exc.details), 429,
                {"Retry-After": str(exc.retry_after)})
    return jsonify(token=platform().accounts.issue_token(who))


@bp.get("/regulations")
def regulations():  # type: ignore[no-untyped-def]
    return jsonify(platform().regulation.regulations())


@bp.post("/regulations")
def deploy():  # type: ignore[no-untyped-def]
    files = [SourceFile(f.filename or "upload.bpmn", f.read()) for f in request.files.getlist("file")]
    if not files:
        files = [SourceFile("upload.bpmn", request.get_data())]
    keep = request.args.get("keep_if_not_executable") in ("1", "true")
    result = platform().regulation.deploy(g.actor, files, keep_if_not_executable=keep)
    return jsonify(result.as_dict()), (201 if result.created else 200)


@bp.get("/regulations/<key>/versions")
def versions(key: str):  # type: ignore[no-untyped-def]
    return jsonify(platform().regulation.versions(key)["versions"])


@bp.get("/regulations/<key>/versions/<int:number>/xml")
def version_xml(key: str, number: int):  # type: ignore[no-untyped-def]
    return Response(platform().regulation.version_xml(key, number), mimetype="application/xml")


@bp.get("/regulations/<key>/compare")
def compare(key: str):  # type: ignore[no-untyped-def]
    old, new = request.args.get("old", type=int), request.args.get("new", type=int)
    if not old or not new:
        raise InputInvalid("give the versions to compare as ?old=N&new=M")
    return jsonify(platform().regulation.compare_versions(key, old, new))


@bp.get("/clients")
def list_clients():  # type: ignore[no-untyped-def]
    """?q= (name, contact person, phone or e-mail) &segment= &owner= (login or "none") &status= &page="""
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        raise InputInvalid("page must be a whole number from 1", {"fields": {"page": "must be 1 or more"}})
    listing = platform().clients.client_list(g.actor, ClientFilters(
        text=request.args.get("q") or None, segment=request.args.get("segment") or None,
        owner=request.args.get("owner") or None, status=request.args.get("status") or None, page=int(page)))
    return jsonify(clients=[client_dict(c) for c in listing.clients], page=listing.page,
                   page_size=CLIENT_PAGE_SIZE, has_next=listing.has_next)


@bp.post("/clients")
def create_client():  # type: ignore[no-untyped-def]
    """{"name", "kind"?, "tax_id"?, "industry"?, "region"?, "size"?, "segment"?, "source"?, "status"?,
    "owner"?, "contact"? {"name", "position", "phone", "email"}, "create_anyway"?}. A possible duplicate
    is 409 duplicate_client listing the clients it resembles, unless "create_anyway": true."""
    data = _body()
    contact = data.get("contact")
    if contact is not None and not isinstance(contact, dict):
        raise InputInvalid("contact must be an object", {"fields": {"contact": "must be an object"}})
    anyway = data.get("create_anyway", False)
    if not isinstance(anyway, bool):
        raise InputInvalid("create_anyway must be true or false", {"fields": {"create_anyway": "must be a boolean"}})
    fields = {k: v for k, v in data.items() if k not in ("name", "segment", "owner", "contact", "create_anyway")}
    client = platform().clients.create_client(g.actor, str(data.get("name") or ""), data.get("segment"),
                                      data.get("owner"), fields=fields, contact=contact,
                                      check_duplicates=not anyway)
    return jsonify(client), 201


@bp.get("/clients/<int:client_id>")
def client(client_id: int):  # type: ignore[no-untyped-def]
    """The client with its contact persons; a merged one is 404 client_merged with merged_into_id."""
    card = platform().clients.client_card(g.actor, client_id)
    return jsonify({**card["data"], "may_change": card["may_change"]})


@bp.patch("/clients/<int:client_id>")
def update_client(client_id: int):  # type: ignore[no-untyped-def]
    """Change the given fields; no delete: {"status": "inactive"}."""
    return jsonify(platform().clients.update_client(g.actor, client_id, _body()))


@bp.get("/clients/<int:client_id>/contacts")
def client_contacts(client_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().clients.client_card(g.actor, client_id)["data"]["contacts"])


@bp.post("/clients/<int:client_id>/contacts")
def add_client_contact(client_id: int):  # type: ignore[no-untyped-def]
    """{"name"?, "position"?, "phone"?, "email"?}: a name, a phone or an e-mail at least."""
    return jsonify(platform().clients.add_client_contact(g.actor, client_id, _body())), 201


@bp.patch("/contacts/<int:contact_id>")
def update_client_contact(contact_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().clients.update_client_contact(g.actor, contact_id, _body()))


@bp.delete("/contacts/<int:contact_id>")
def delete_client_contact(contact_id: int):  # type: ignore[no-untyped-def]
    return jsonify(status="deleted", client_id=platform().clients.delete_client_contact(g.actor, contact_id))


@bp.post("/clients/<int:client_id>/notes")
def add_client_note(client_id: int):  # type: ignore[no-untyped-def]
    """{"text"}"""
    return jsonify(platform().clients.add_client_note(g.actor, client_id, _body().get("text"))), 201


@bp.get("/clients/<int:client_id>/timeline")
def client_timeline(client_id: int):  # type: ignore[no-untyped-def]
    """Newest first. ?kinds=cycles,activities,notes,ownership,edits &before=<the previous page's
    "next"> &limit= (1-500, default 100)."""
    limit = request.args.get("limit", "100")
    if not limit.isdigit():
        raise InputInvalid("limit must be a whole number from 1 to 500", {"fields": {"limit": "must be a number"}})
    kinds = [k for k in request.args.get("kinds", "").split(",") if k.strip()]
    page = platform().clients.client_timeline(g.actor, client_id, kinds, request.args.get("before") or None, int(limit))
    return jsonify(page.as_dict())


@bp.post("/clients/<int:client_id>/merge")
def merge_clients(client_id: int):  # type: ignore[no-untyped-def]
    """{"other_id"}: the other client is folded into this one."""
    return jsonify(platform().clients.merge_clients(g.actor, client_id, _int(_body(), "other_id")))


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise InputInvalid(f"{key} must be a string", {"fields": {key: "must be a string"}})
    return value


def _moment(data: dict[str, Any], key: str) -> datetime | None:
    """An ISO-8601 date and time; one without an offset is read in the user's time zone."""
    raw = _text(data, key)
    if not raw:
        return None
    try:
        return parse_local_input(raw)  # the same reading as the pages' forms
    except ValueError:
        raise InputInvalid(f"{key} must be an ISO-8601 date and time like 2026-12-01T10:30:00+03:00",
                           {"fields": {key: "is not an ISO-8601 date and time"}}) from None


@bp.post("/clients/<int:client_id>/activities")
def plan_contact(client_id: int):  # type: ignore[no-untyped-def]
    """Plan a contact: {"work_type", "planned_at", "note"?, "assignee"? (heads)}."""
    data = _body()
    activity = platform().planning.plan_contact(g.actor, client_id, _text(data, "work_type"), _moment(data, "planned_at"),
                                       _text(data, "note"), _text(data, "assignee"))
    return jsonify(activity), 201


@bp.post("/activities/<int:activity_id>/done")
def contact_done(activity_id: int):  # type: ignore[no-untyped-def]
    """Mark a planned contact done: {"result"}."""
    return jsonify(platform().planning.contact_done(g.actor, activity_id, _text(_body(), "result")))


@bp.get("/forgotten")
def forgotten():  # type: ignore[no-untyped-def]
    """Clients past their contact norm (a manager's own; everyone's for heads and analysts)."""
    return jsonify([f.as_dict() for f in platform().control.forgotten(g.actor)])


@bp.post("/clients/import")
def import_clients():  # type: ignore[no-untyped-def]
    """Multipart: ``file`` (CSV or XLSX) and optionally ``mapping`` (JSON: file column -> field;
    guessed from the headers when absent). Starts the import in the background: 202 with its id."""
    from web.views.imports import UPLOAD_LIMIT, mapping_json

    request.max_content_length = UPLOAD_LIMIT
    file = request.files.get("file")
    if file is None or not file.filename:
        raise InputInvalid("send the file as the multipart field 'file'")
    mapping = mapping_json(request.form.get("mapping"))
    upload = platform().clients.upload_clients_file(g.actor, file.filename, file.stream)
    run_id = platform().clients.start_import(g.actor, upload["upload"], mapping)
    return jsonify(id=run_id, status="running", url=f"/api/v1/imports/{run_id}"), 202


@bp.get("/imports/<int:run_id>")
def import_run(run_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().clients.import_run(g.actor, run_id))


def _ids(data: dict[str, Any], key: str) -> list[int] | None:
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
    return jsonify(decisions=platform().organization.distribute(g.actor, _ids(data, "client_ids")))


@bp.post("/handover")
def hand_over():  # type: ignore[no-untyped-def]
    """{"from", "to", "client_ids"? (all of the manager's when absent), "returns_at"? (ISO-8601;
    absent: for good), "reason"?}."""
    data = _body()
    done = platform().organization.hand_over(g.actor, _text(data, "from"), _text(data, "to"), _ids(data, "client_ids"),
                                _moment(data, "returns_at"), _text(data, "reason"))
    return jsonify(done), 201


@bp.post("/cycles")
def start_cycle():  # type: ignore[no-untyped-def]
    data = _body()
    cycle = platform().regulation.start_cycle(g.actor, _int(data, "client_id"), str(data.get("regulation") or ""))
    return jsonify(cycle), 201


@bp.get("/cycles/<int:cycle_id>")
def cycle(cycle_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().regulation.cycle(g.actor, cycle_id))


@bp.get("/cycles/<int:cycle_id>/history")
def history(cycle_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().regulation.history(g.actor, cycle_id))


@bp.post("/cycles/<int:cycle_id>/retry")
def retry(cycle_id: int):  # type: ignore[no-untyped-def]
    data = request.get_json(silent=True) or {}
    variables = data.get("variables") if isinstance(data, dict) else None
    if variables is not None and not isinstance(variables, dict):
        raise InputInvalid("variables must be an object")
    return jsonify(platform().regulation.retry(g.actor, cycle_id, variables))


@bp.get("/tasks")
def tasks():  # type: ignore[no-untyped-def]
    cycle_id = request.args.get("cycle_id")
    if cycle_id is not None and not cycle_id.isdigit():
        raise InputInvalid("cycle_id must be an integer")
    rows = platform().regulation.inbox(g.actor, scope=request.args.get("scope") or None,
                            cycle_id=int(cycle_id) if cycle_id else None, with_forms=True)
    return jsonify([_task_dict(t, form) for t, form in rows])


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
    return jsonify(platform().regulation.complete_task(g.actor, task_id, variables))


@bp.get("/notifications")
def notifications():  # type: ignore[no-untyped-def]
    unread = request.args.get("unread", "")
    if unread not in ("", "0", "1", "true", "false"):
        raise InputInvalid("unread must be 1 or 0")
    limit = request.args.get("limit", "200")
    if not limit.isdigit() or not 1 <= int(limit) <= 500:
        raise InputInvalid("limit must be a whole number from 1 to 500")
    return jsonify(platform().notify.notifications(g.actor, unread_only=unread in ("1", "true"), limit=int(limit)))


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

# ---------------------------------------------------------------- control analytics
# ?from=&to= (dates), &regulation= &version= &segment= &team= &manager= on each; see engine.control.filters

@bp.get("/control/funnel")
def control_funnel():  # type: ignore[no-untyped-def]
    """Per stage entered in the period: entries, advanced, lost, moved_back, cancelled, still_there."""
    return jsonify(platform().control.funnel(g.actor, Filters.parse(request.args)))


@bp.get("/control/funnel/cycles")
def control_funnel_cycles():  # type: ignore[no-untyped-def]
    """?stage= &part= (absent: every entry): the cycles behind one funnel figure."""
    return jsonify(platform().control.funnel_cycles(g.actor, Filters.parse(request.args), request.args.get("stage"),
                                                    request.args.get("part") or None))


@bp.get("/control/cohorts")
def control_cohorts():  # type: ignore[no-untyped-def]
    """Per month started: started, won, lost, cancelled, open now, and their shares."""
    return jsonify(platform().control.cohorts(g.actor, Filters.parse(request.args)))


@bp.get("/control/cohorts/cycles")
def control_cohort_cycles():  # type: ignore[no-untyped-def]
    """?month=YYYY-MM &part= (won, lost, cancelled, open; absent: all): the cycles behind one cohort figure."""
    return jsonify(platform().control.cohort_cycles(g.actor, Filters.parse(request.args), request.args.get("month"),
                                                    request.args.get("part") or None))


@bp.get("/event-log")
def event_log():  # type: ignore[no-untyped-def]
    """?format=xes|ocel-json|csv (streamed) of the cycles started in the period, with the filters."""
    return event_log_response(platform().control.event_log(g.actor, Filters.parse(request.args),
                                                          request.args.get("format") or "xes"))


# ----------------------------------------------------------------------------- users (admins only)

def _user_fields(data: dict[str, Any]) -> dict[str, Any]:
    """name, roles [..], groups [..], locale, timezone of a user's JSON body."""
    for key in ("roles", "groups"):
        if key in data and not (isinstance(data[key], list) and all(isinstance(v, str) for v in data[key])):
            raise InputInvalid(f"{key} must be a list of strings", {"fields": {key: "must be a list of strings"}})
    return {"name": str(data.get("name") or ""), "roles": list(data.get("roles", [])),
            "groups": list(data.get("groups", [])), "locale": str(data.get("locale") or "en"),
            "timezone": str(data.get("timezone") or "UTC")}


@bp.get("/users")
def list_users():  # type: ignore[no-untyped-def]
    return jsonify(users=[u.as_dict() for u in platform().accounts.admin_users(g.actor)])


@bp.post("/users")
def create_user():  # type: ignore[no-untyped-def]
    """{"login", "password", "name"?, "roles"?, "groups"?, "locale"?, "timezone"?}; the password follows the policy."""
    data = _body()
    fields = _user_fields(data)
    created = platform().accounts.add_user(g.actor, str(data.get("login") or ""), fields["name"],
                                           str(data.get("password") or ""), fields["roles"], fields["groups"],
                                           fields["locale"], fields["timezone"])
    return jsonify(created.as_dict()), 201


@bp.get("/users/<int:user_id>")
def get_user(user_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().accounts.admin_user(g.actor, user_id).as_dict())


@bp.post("/users/<int:user_id>")
def update_user(user_id: int):  # type: ignore[no-untyped-def]
    """Name, roles, groups, locale, time zone (fields left out keep their values)."""
    current = platform().accounts.admin_user(g.actor, user_id)
    data = {"name": current.name, "roles": list(current.roles), "groups": list(current.groups),
            "locale": current.locale, "timezone": current.timezone, **_body()}
    fields = _user_fields(data)
    return jsonify(platform().accounts.update_user(g.actor, user_id, fields["name"], fields["roles"],
                                                   fields["groups"], fields["locale"], fields["timezone"]).as_dict())


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().accounts.set_user_active(g.actor, user_id, False).as_dict())


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int):  # type: ignore[no-untyped-def]
    return jsonify(platform().accounts.set_user_active(g.actor, user_id, True).as_dict())


@bp.post("/users/<int:user_id>/password")
def reset_user_password(user_id: int):  # type: ignore[no-untyped-def]
    """{"password"}: the user's sessions end and their tokens are revoked."""
    password = str(_body().get("password") or "")
    return jsonify(platform().accounts.reset_password(g.actor, user_id, password).as_dict())
