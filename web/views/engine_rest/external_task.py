"""External tasks: fetchAndLock (long polling), complete, failure, bpmnError, extendLock, unlock."""
from __future__ import annotations

import threading
import time
from typing import Any

from flask import g, jsonify

from engine.regulation.external_tasks import LockedTask, TopicRequest
from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.engine_rest import variables as camunda
from web.views.engine_rest.base import body, bp, integer, text

#: the largest asyncResponseTimeout accepted (Camunda clients send up to a minute)
MAX_ASYNC_RESPONSE_MS = 60_000
#: the longest a fetchAndLock request actually waits for work: below the proxy's 60 s and the
#: server's 30 s graceful shutdown
MAX_WAIT_SECONDS = 25.0
#: a waiting fetchAndLock looks again after this long, doubling up to POLL_MAX_SECONDS
POLL_SECONDS = 0.25
POLL_MAX_SECONDS = 2.0
#: long polls one process holds at once (each holds a server thread); when all are taken a
#: fetchAndLock with nothing to do answers [] at once and the worker asks again
MAX_LONG_POLLS = 4
_long_polls = threading.BoundedSemaphore(MAX_LONG_POLLS)


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
    tasks = platform().outside.fetch_and_lock(g.actor, worker, max_tasks or 0, topics, by_priority)
    if tasks or not wait_ms or not _long_polls.acquire(blocking=False):
        return jsonify([_locked(t) for t in tasks])  # work, no wait asked, or every long poll taken
    try:
        deadline, pause = time.monotonic() + min(wait_ms / 1000, MAX_WAIT_SECONDS), POLL_SECONDS
        while not tasks and (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, POLL_MAX_SECONDS)
            tasks = platform().outside.fetch_and_lock(g.actor, worker, max_tasks or 0, topics, by_priority)
    finally:
        _long_polls.release()
    return jsonify([_locked(t) for t in tasks])


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
