"""Signals from outside: Camunda's POST /engine-rest/signal as a plain Camunda client sends it, and
Reglament's POST /api/v1/signals (cycles woken and started, the rest to the worker)."""
from __future__ import annotations

import base64
import dataclasses
from typing import Any

from conftest import bpmn_file

from engine.demo import loader as demo


def _basic(login: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{demo.PASSWORD}".encode()).decode()}


def _get(item: Any, key: str) -> Any:
    return item[key] if isinstance(item, dict) else getattr(item, key)


def _waiting(platform, actors, names: list[str]) -> list[int]:
    platform.regulation.deploy(actors["head"], [bpmn_file("order_receive.bpmn")])
    ids = []
    for name in names:
        owner = platform.clients.create_client(actors["anna"], name)
        ids.append(_get(platform.regulation.start_cycle(actors["anna"], _get(owner, "id"), "order_receive"), "id"))
    return ids


def _open(platform, actors, cycle_id: int) -> list[str]:
    return sorted(t.element_id for t, _ in platform.regulation.inbox(actors["anna"], cycle_id=cycle_id))


def test_a_camunda_style_signal_reaches_every_waiting_cycle_with_its_variables(client, platform, actors) -> None:
    first, second = _waiting(platform, actors, ["Rest One Ltd", "Rest Two Ltd"])
    response = client.post("/engine-rest/signal", headers=_basic("admin"),
                           json={"name": "price-list-changed",
                                 "variables": {"newPrice": {"value": 1500, "type": "Integer"}}})
    assert response.status_code == 204
    for cycle_id in (first, second):
        assert _open(platform, actors, cycle_id) == ["Task_Requote"]
        assert _get(platform.regulation.cycle(actors["anna"], cycle_id), "variables")["newPrice"] == 1500


def test_a_camunda_signal_to_one_execution_reaches_only_that_cycle(client, platform, actors) -> None:
    first, second = _waiting(platform, actors, ["Exec One Ltd", "Exec Two Ltd"])
    one = client.post("/engine-rest/signal", headers=_basic("admin"),
                      json={"name": "price-list-changed", "executionId": str(second)})
    assert one.status_code == 204
    assert _open(platform, actors, first) == [] and _open(platform, actors, second) == ["Task_Requote"]
    refused = client.post("/engine-rest/signal", headers=_basic("admin"),
                          json={"name": "go-live", "executionId": str(first)})
    assert refused.status_code == 400 and "does not wait" in refused.get_json()["message"]
    tenant = client.post("/engine-rest/signal", headers=_basic("admin"), json={"name": "x", "tenantId": "t1"})
    assert tenant.status_code == 400 and "tenant" in tenant.get_json()["message"]
    assert client.post("/engine-rest/signal", headers=_basic("anna"), json={"name": "x"}).status_code == 403


def test_api_signals_answer_what_they_reached_and_leave_the_rest_to_the_worker(api, platform, actors) -> None:
    cycles = _waiting(platform, actors, [f"Api {n} Ltd" for n in range(3)])
    admin = api("admin")
    nobody = admin.post("/api/v1/signals", json={"name": "nobody-listens"})
    assert nobody.status_code == 200 and nobody.get_json() == {"broadcast_id": nobody.get_json()["broadcast_id"],
                                                               "woken": [], "started": [], "done": True}
    refused = admin.post("/api/v1/signals", json={"name": "price-list-changed", "client_id": cycles[0]})
    assert refused.status_code == 422 and "client_id" in refused.get_json()["message"]
    platform.settings = dataclasses.replace(platform.settings, signal_batch=2)
    sent = admin.post("/api/v1/signals", json={"name": "price-list-changed", "variables": {"note": "new"}})
    assert sent.status_code == 202 and sent.get_json()["woken"] == cycles[:2] and not sent.get_json()["done"]
    assert _open(platform, actors, cycles[2]) == []
    platform.outside.deliver_signals()
    assert [_open(platform, actors, c) for c in cycles] == [["Task_Requote"]] * 3
    assert admin.post("/api/v1/signals", json={"name": "x", "extra": 1}).status_code == 422
