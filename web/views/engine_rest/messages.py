"""POST /engine-rest/message (Camunda's message correlation) and POST /engine-rest/signal."""
from __future__ import annotations

from typing import Any

from flask import g, jsonify

from engine.shared.errors import InputInvalid
from web.views import platform
from web.views.engine_rest import variables as camunda
from web.views.engine_rest.base import body, bp, text


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise InputInvalid(f"{key} must be true or false")
    return value


@bp.post("/message")
def correlate():  # type: ignore[no-untyped-def]
    """{"messageName", "businessKey"?, "processInstanceId"?, "correlationKeys"?, "processVariables"?,
    "processVariablesLocal"?, "all"?, "resultEnabled"?}: 204, or 200 with the results when asked."""
    data = body()
    name = text(data, "messageName", 200)
    if not name:
        raise InputInvalid("messageName is required")
    instance = text(data, "processInstanceId", 20)
    if instance is not None and not instance.isdigit():
        raise InputInvalid(f"processInstanceId {instance!r} is not a cycle id")
    values = camunda.read(data.get("processVariables"), "processVariables")
    values.update(camunda.read(data.get("processVariablesLocal"), "processVariablesLocal"))
    reached = platform().outside.correlate(g.actor, name, int(instance) if instance else None,
                                           text(data, "businessKey", 200),
                                           camunda.read(data.get("correlationKeys"), "correlationKeys"),
                                           values, _flag(data, "all"))
    if not reached:
        raise InputInvalid(f"Cannot correlate message '{name}': No process definition or execution matches "
                           "the parameters")
    if not _flag(data, "resultEnabled"):
        return "", 204
    return jsonify([{"resultType": "Execution", "processInstance": None,
                     "execution": {"id": str(cycle_id), "processInstanceId": str(cycle_id), "ended": False,
                                   "tenantId": None}} for cycle_id in reached])


@bp.post("/signal")
def signal():  # type: ignore[no-untyped-def]
    """{"name", "variables"?, "executionId"?, "tenantId"?, "withoutTenantId"?}: every cycle waiting for
    the signal catches it and every regulation starting with it starts (the client named by the
    variable client_id); with executionId only that cycle catches it. 204."""
    data = body()
    unknown = set(data) - {"name", "variables", "executionId", "tenantId", "withoutTenantId"}
    if unknown:
        raise InputInvalid(f"unknown fields: {', '.join(sorted(unknown))}")
    name = text(data, "name", 200)
    if not name:
        raise InputInvalid("name is required")
    if text(data, "tenantId", 200) is not None:
        raise InputInvalid("tenantId: Reglament has no tenants; send the signal without one")
    variables = camunda.read(data.get("variables"))
    execution = text(data, "executionId", 20)
    if execution is not None:
        if not execution.isdigit():
            raise InputInvalid(f"executionId {execution!r} is not a cycle id")
        platform().outside.signal_cycle(g.actor, int(execution), name, variables)
        return "", 204
    platform().outside.signal(g.actor, name, variables)  # the worker delivers beyond the batch
    return "", 204
