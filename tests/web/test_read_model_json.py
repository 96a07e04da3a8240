"""The API answers with the same JSON since the services return typed read models instead of
dicts: every field, its type and its format (moments as ISO 8601 text) stay as they were."""
from __future__ import annotations

from datetime import datetime
from typing import Any

CYCLE_KEYS = {"id", "status", "outcome", "stage", "loss_reason", "client_id", "client_name", "regulation", "version",
              "variables", "incident", "started_at", "started_by", "ended_at", "business_key"}


def _moment(value: Any) -> bool:
    return isinstance(value, str) and datetime.fromisoformat(value) is not None


def _started(api: Any) -> dict[str, Any]:
    client = api("anna").post("/api/v1/clients", json={"name": "Json Ltd"}).get_json()
    started = api("anna").post("/api/v1/cycles", json={"client_id": client["id"], "regulation": "new_client_sale"})
    assert started.status_code == 201, started.get_data(as_text=True)
    body: dict[str, Any] = started.get_json()
    return body


def test_a_cycle_and_its_history_keep_their_json(api) -> None:
    started = _started(api)
    assert set(started) == CYCLE_KEYS and _moment(started["started_at"]) and started["ended_at"] is None
    assert (started["status"], started["regulation"], started["version"]) == ("active", "new_client_sale", 1)
    assert started["variables"]["client_name"] == "Json Ltd" and started["incident"] is None
    read = api("anna").get(f"/api/v1/cycles/{started['id']}").get_json()
    assert set(read) == CYCLE_KEYS and {k: v for k, v in read.items() if k != "variables"} == {
        k: v for k, v in started.items() if k != "variables"}
    history = api("anna").get(f"/api/v1/cycles/{started['id']}/history").get_json()
    assert [set(e) for e in history] == [{"at", "type", "actor", "task", "data"}] * len(history)
    created = next(e for e in history if e["type"] == "created")
    assert _moment(created["at"]) and set(created["task"]) == {"id", "element_id", "name"}
    assert created["task"]["element_id"] == "Task_QualificationCall"
    assert all(e["task"] is None for e in history if e["type"] == "started")


def test_completing_a_task_answers_with_the_cycle(api) -> None:
    started = _started(api)
    [task] = api("anna").get(f"/api/v1/tasks?cycle_id={started['id']}").get_json()
    done = api("anna").post(f"/api/v1/tasks/{task['id']}/complete",
                            json={"variables": {"contact_person": "Ivan", "result": "qualified"}})
    assert done.status_code == 200, done.get_data(as_text=True)
    body = done.get_json()
    assert set(body) == CYCLE_KEYS and body["stage"] == "Presentation" and body["variables"]["contact_person"] == "Ivan"


def test_regulations_versions_and_their_comparison_keep_their_json(api) -> None:
    listed = api("anna").get("/api/v1/regulations").get_json()
    assert {"key": "new_client_sale", "name": "New client sale", "version": 1, "executable": True} in listed
    [version] = api("anna").get("/api/v1/regulations/new_client_sale/versions").get_json()
    assert set(version) == {"version", "created_at", "created_by", "created_by_name", "comment", "executable",
                            "problems", "stages"}
    assert version["version"] == 1 and _moment(version["created_at"]) and version["problems"] == []
    assert version["stages"][0] == "Qualification" and isinstance(version["stages"], list)
    same = api("anna").get("/api/v1/regulations/new_client_sale/compare?old=1&new=1").get_json()
    assert same == {"changes": [], "layout_changed": False}


def test_the_explorer_and_an_operation_keep_their_json(api) -> None:
    started = _started(api)
    page = api("head").get("/api/v1/cycles?client=Json").get_json()
    assert set(page) == {"cycles", "total", "by_status", "next"} and page["total"] == 1 and page["next"] is None
    [row] = page["cycles"]
    assert set(row) == {"id", "status", "stage", "outcome", "regulation", "regulation_name", "version", "client_id",
                        "client_name", "owner", "started_at", "ended_at", "waiting_at", "incident", "variables",
                        "amount"}
    assert row["id"] == started["id"] and row["owner"] == "anna" and _moment(row["started_at"])
    assert {"element_id": "Task_QualificationCall", "name": "Qualification call", "kind": "task"} in row["waiting_at"]
    assert page["by_status"]["active"] == 1 and set(page["by_status"]) >= {"active", "won", "lost", "cancelled"}
    suspended = api("head").post(f"/api/v1/cycles/{started['id']}/suspend", json={"reason": "on hold"}).get_json()
    assert set(suspended) == CYCLE_KEYS and suspended["status"] == "suspended"
    waiting = api("head").get("/api/v1/regulations/new_client_sale/versions/1/waiting").get_json()
    assert waiting["Task_QualificationCall"]["waiting"] >= 1 and set(waiting["Task_QualificationCall"]) == {
        "waiting", "incidents"}


def test_a_batch_report_keeps_its_json(api) -> None:
    started = _started(api)
    queued = api("head").post("/api/v1/cycles/batch", json={"kind": "cancel", "reason": "test",
                                                            "filter": {"client_id": str(started["client_id"])}})
    assert queued.status_code == 202, queued.get_data(as_text=True)
    report = queued.get_json()
    assert set(report) == {"id", "kind", "status", "created_by", "created_at", "finished_at", "total", "processed",
                           "succeeded", "failed", "percent", "params", "failures"}
    assert (report["kind"], report["status"], report["total"], report["percent"]) == ("cancel", "queued", 1, 0)
    assert report["params"]["filter"] == {"client_id": str(started["client_id"])} and report["failures"] == []
    assert _moment(report["created_at"]) and report["finished_at"] is None
