"""Starting cycles (process-definition/key/{key}/start) and the human tasks a user sees (task)."""
from __future__ import annotations

from typing import Any

from flask import g, jsonify, request

from engine.regulation.reading import CycleView, TaskView
from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.engine_rest import variables as camunda
from web.views.engine_rest.base import body, bp, text

MAX_RESULTS = 500


def _instance(cycle: CycleView) -> dict[str, Any]:
    return {"id": str(cycle.id), "definitionId": f"{cycle.regulation}:{cycle.version}",
            "businessKey": cycle.business_key, "caseInstanceId": None,
            "ended": cycle.status not in ("active", "incident"), "suspended": False, "tenantId": None,
            "links": [{"method": "GET", "href": f"{request.host_url}api/v1/cycles/{cycle.id}", "rel": "self"}]}


@bp.post("/process-definition/key/<key>/start")
def start(key: str):  # type: ignore[no-untyped-def]
    """{"variables": {"client_id": {"value": 5, "type": "Long"}, ...}, "businessKey"?}: every cycle is
    the work with one client, so the variable ``client_id`` names it."""
    data = body()
    values = camunda.read(data.get("variables"))
    client_id = values.pop("client_id", None)
    if isinstance(client_id, bool) or not isinstance(client_id, int):
        raise InputInvalid("the variable client_id (Long) is required: a cycle is the work with one client")
    cycle = platform().outside.start_cycle(g.actor, client_id, key, text(data, "businessKey", 200), values)
    return jsonify(_instance(cycle))


def _task(task: TaskView) -> dict[str, Any]:
    return {"id": task.id, "name": task.name, "assignee": task.assignee, "owner": None,
            "created": camunda.moment(task.created_at), "due": camunda.moment(task.due_at),
            "followUp": camunda.moment(task.planned_at), "lastUpdated": None, "delegationState": None,
            "description": None, "executionId": task.id, "parentTaskId": None, "priority": 50,
            "processDefinitionId": str(task.version_id), "processInstanceId": str(task.cycle_id),
            "taskDefinitionKey": task.element_id, "caseExecutionId": None, "caseInstanceId": None,
            "caseDefinitionId": None, "suspended": False, "formKey": None, "camundaFormRef": None,
            "tenantId": None}


@bp.get("/task")
def tasks():  # type: ignore[no-untyped-def]
    """The open tasks the user sees (his and his groups'), filtered by processInstanceId,
    taskDefinitionKey, assignee; firstResult and maxResults page them."""
    args = request.args
    instance = args.get("processInstanceId")
    if instance is not None and not instance.isdigit():
        raise InputInvalid(f"processInstanceId {instance!r} is not a cycle id")
    try:
        first = int(args.get("firstResult", 0))
        limit = int(args.get("maxResults", max(0, MAX_RESULTS - first)))
    except ValueError:
        raise InputInvalid("firstResult and maxResults must be whole numbers") from None
    if first < 0 or limit < 0 or first + limit > MAX_RESULTS:
        raise InputInvalid(f"firstResult and maxResults must be 0 or more, together at most {MAX_RESULTS}")
    if limit == 0:
        return jsonify([])
    page = platform().regulation.inbox_page(g.actor, cycle_id=int(instance) if instance else None,
                                            limit=first + limit)
    found = [row.task for row in page.rows
             if (not args.get("taskDefinitionKey") or row.task.element_id == args["taskDefinitionKey"])
             and (not args.get("assignee") or row.task.assignee == args["assignee"].lower())]
    return jsonify([_task(t) for t in found[first:first + limit]])


@bp.post("/task/<task_id>/complete")
def complete_task(task_id: str):  # type: ignore[no-untyped-def]
    data = body()
    platform().regulation.complete_task(g.actor, task_id, camunda.read(data.get("variables")))
    return "", 204
