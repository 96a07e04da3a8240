"""Review of /engine-rest: signals keep a cycle's identity, Basic logins hold only while the user
does, long polls are bounded per process."""
from __future__ import annotations

import base64

import pytest
from conftest import bpmn_file

from engine.demo import loader as demo
from web.views.engine_rest import external_task


def _basic(login: str, password: str = demo.PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


def test_a_signal_with_a_client_id_is_refused_and_the_client_stays(client, platform, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("order_receive.bpmn")])
    owner = platform.clients.create_client(actors["anna"], "Signal Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], owner.id, "order_receive")
    response = client.post("/engine-rest/signal", headers=_basic("admin"),
                           json={"name": "price-list-changed",
                                 "variables": {"client_id": {"value": 999999, "type": "Long"}}})
    assert response.status_code == 400 and "client_id" in response.get_json()["message"]
    assert platform.regulation.cycle(actors["anna"], cycle.id).variables["client_id"] == owner.id


def test_a_deactivated_user_is_refused_at_the_next_basic_request(client, platform, actors,
                                                                  throwaway_user) -> None:
    worker = throwaway_user("invoice_robot", ["owner"])
    body = {"workerId": "w", "maxTasks": 1, "topics": [{"topicName": "nothing", "lockDuration": 1000}]}
    ok = client.post("/engine-rest/external-task/fetchAndLock", json=body, headers=_basic("invoice_robot"))
    assert ok.status_code == 200 and ok.get_json() == []
    platform.accounts.set_user_active(actors["admin"], worker.id, False)
    refused = client.post("/engine-rest/external-task/fetchAndLock", json=body, headers=_basic("invoice_robot"))
    assert refused.status_code == 401


class _Clock:
    """time for the view: sleeping moves it on at once and is recorded."""

    def __init__(self) -> None:
        self.now, self.sleeps = 1000.0, []  # type: ignore[var-annotated]

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


FETCH = {"workerId": "w", "maxTasks": 1, "asyncResponseTimeout": 60_000,
         "topics": [{"topicName": "nothing", "lockDuration": 1000}]}


def test_a_long_poll_waits_at_most_25_seconds_looking_less_and_less_often(client, monkeypatch) -> None:
    clock = _Clock()
    monkeypatch.setattr(external_task, "time", clock)
    response = client.post("/engine-rest/external-task/fetchAndLock", json=FETCH, headers=_basic("admin"))
    assert response.status_code == 200 and response.get_json() == []
    assert sum(clock.sleeps) == pytest.approx(25.0)
    assert clock.sleeps[:5] == [0.25, 0.5, 1.0, 2.0, 2.0] and max(clock.sleeps) == 2.0


def test_when_every_long_poll_is_taken_fetch_answers_at_once(client, monkeypatch) -> None:
    clock = _Clock()
    monkeypatch.setattr(external_task, "time", clock)
    taken = [external_task._long_polls.acquire(blocking=False) for _ in range(external_task.MAX_LONG_POLLS)]
    try:
        assert all(taken)
        response = client.post("/engine-rest/external-task/fetchAndLock", json=FETCH, headers=_basic("admin"))
    finally:
        for _ in taken:
            external_task._long_polls.release()
    assert response.status_code == 200 and response.get_json() == [] and clock.sleeps == []
