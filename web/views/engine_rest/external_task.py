"""External tasks: fetchAndLock (long polling), complete, failure, bpmnError, extendLock, unlock."""
from __future__ import annotations

import time
from typing import Any

from flask import g, jsonify

from engine.regulation.external_tasks import LockedTask, TopicRequest
from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.engine_rest import variables as camunda
from web.views.engine_rest.base import body, bp, integer, text

#: the longest a fetchAndLock request waits for work (asyncResponseTimeout is capped here)
MAX_ASYNC_RESPONSE_MS = 60_000
#: how often a waiting fetchAndLock looks again
POLL_SECONDS = 0.25


def _topics(data: dict[str, Any]) -> list[TopicRequest]:
    raw = data.get("topics")
    if not isinstance(raw, list):
        raise InputInvalid("topics must be a list of {\"topicName\", \"lockDuration\"}")
    topics = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("topicName"), str) or not item["topicName"]:
            raise InputInvalid("every topic needs a topicName")
        names = item.get("variables")
        if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
            raise InputInvalid(f"variables of topic {item['topicName']!r} must be a list of variable names")
        lock = integer(item, "lockDuration")
        if lock is None:
            raise InputInvalid(f"topic {item['topicName']!r} needs a lockDuration in milliseconds")
        topics.append(TopicRequest(item["topicName"][:200], lock, names, text(item, "businessKey", 200),
                                   text(item, "processDefinitionKey", 200)))
    return topics


def _locked(task: LockedTask) -> dict[str, Any]:
    return {"id": task.id, "topicName": task.topic, "workerId": task.worker_id,
            "lockExpirationTime": camunda.moment(task.lock_expires_at), "createTime": camunda.moment(task.created_at),
            "activityId": task.element_id, "activityInstanceId": task.id, "executionId": task.id,
            "processInstanceId": str(task.cycle_id), "processDefinitionId": str(task.version_id),
            "processDefinitionKey": task.regulation, "processDefinitionVersionTag": None,
            "businessKey": task.business_key, "tenantId": None, "retries": task.retries,
            "errorMessage": task.error_message, "errorDetails": task.error_details, "priority": task.priority,
            "variables": camunda.write(task.variables), "extensionProperties": {}}


@bp.post("/external-task/fetchAndLock")
def fetch_and_lock():  # type: ignore[no-untyped-def]
    data = body()
    worker = text(data, "workerId", 255) or ""
    max_tasks = integer(data, "maxTasks", 10)
    wait_ms = integer(data, "asyncResponseTimeout", 0) or 0
    if wait_ms < 0 or wait_ms > MAX_ASYNC_RESPONSE_MS:
        raise InputInvalid(f"asyncResponseTimeout must be from 0 to {MAX_ASYNC_RESPONSE_MS} ms")
    topics, by_priority = _topics(data), data.get("usePriority", True) is not False
    deadline = time.monotonic() + wait_ms / 1000
    while True:
        tasks = platform().outside.fetch_and_lock(g.actor, worker, max_tasks or 0, topics, by_priority)
        remaining = deadline - time.monotonic()
        if tasks or remaining <= 0:
            return jsonify([_locked(t) for t in tasks])
        time.sleep(min(POLL_SECONDS, remaining))


@bp.post("/external-task/<task_id>/complete")
def complete(task_id: str):  # type: ignore[no-untyped-def]
    data = body()
    values = camunda.read(data.get("variables"))
    values.update(camunda.read(data.get("localVariables"), "localVariables"))
    platform().outside.complete_external(g.actor, task_id, text(data, "workerId", 255) or "", values)
    return "", 204


@bp.post("/external-task/<task_id>/failure")
def failure(task_id: str):  # type: ignore[no-untyped-def]
    data = body()
    platform().outside.fail_external(g.actor, task_id, text(data, "workerId", 255) or "",
                                     text(data, "errorMessage", 2000), text(data, "errorDetails", 20_000),
                                     integer(data, "retries"), integer(data, "retryTimeout", 0) or 0)
    return "", 204


@bp.post("/external-task/<task_id>/bpmnError")
def bpmn_error(task_id: str):  # type: ignore[no-untyped-def]
    data = body()
    platform().outside.bpmn_error(g.actor, task_id, text(data, "workerId", 255) or "", text(data, "errorCode", 200) or "",
                                  text(data, "errorMessage", 2000), camunda.read(data.get("variables")))
    return "", 204


@bp.post("/external-task/<task_id>/extendLock")
def extend_lock(task_id: str):  # type: ignore[no-untyped-def]
    data = body()
    platform().outside.extend_lock(g.actor, task_id, text(data, "workerId", 255) or "", integer(data, "newDuration") or 0)
    return "", 204


@bp.post("/external-task/<task_id>/unlock")
def unlock(task_id: str):  # type: ignore[no-untyped-def]
    platform().outside.unlock(g.actor, task_id)
    return "", 204
