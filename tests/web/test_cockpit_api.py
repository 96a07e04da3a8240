"""The cockpit through the API and the pages (issue 12): the explorer with its cursor and export,
operations on a cycle, a second cycle for the same client, the error shape."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) - {"problems", "text"} == {"error", "message", "details"} and body["error"] == code, body
    return body


@pytest.fixture
def three(api) -> list[dict[str, Any]]:
    """Three of anna's clients, each with a sale started through the API."""
    out = []
    for name in ("Acme", "Bolt", "Crane"):
        client = api("anna").post("/api/v1/clients", json={"name": name}).get_json()
        cycle = api("anna").post("/api/v1/cycles", json={"client_id": client["id"], "regulation": "new_client_sale"})
        assert cycle.status_code == 201, cycle.get_data(as_text=True)
        out.append(cycle.get_json())
    return out


def test_the_explorer_pages_by_cursor_with_next_link_and_counts(api, three) -> None:
    first = api("head").get("/api/v1/cycles?limit=2&owner=anna")
    assert first.status_code == 200
    body = first.get_json()
    assert body["total"] == 3 and body["by_status"]["active"] == 3 and len(body["cycles"]) == 2
    assert first.headers["X-Next-Cursor"] == body["next"] and 'rel="next"' in first.headers["Link"]
    link = first.headers["Link"].split(";")[0].strip("<>")
    second = api("head").get(link).get_json()
    assert [c["id"] for c in body["cycles"] + second["cycles"]] == [c["id"] for c in reversed(three)]
    assert second["next"] is None
    row = second["cycles"][0]
    assert row["client_name"] == "Acme" and row["owner"] == "anna"
    assert {w["element_id"] for w in row["waiting_at"]} >= {"Task_QualificationCall"}


def test_explorer_errors_name_the_filter(api) -> None:
    body = assert_error(api("head").get("/api/v1/cycles?status=asleep&limit=0"), 422, "invalid")
    assert set(body["details"]["fields"]) == {"status", "limit"}


def test_the_export_is_a_csv_or_xlsx_file_of_the_filter(api, three) -> None:
    csv = api("head").get("/api/v1/cycles/export?format=csv&client=Bolt&vars=owner")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("cycle,business_key,client") and lines[0].endswith(",owner")
    assert len(lines) == 2 and ",Bolt," in lines[1] and lines[1].endswith(",anna")
    xlsx = api("head").get("/api/v1/cycles/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert sheet.max_row == 4
    assert_error(api("head").get("/api/v1/cycles/export?format=pdf"), 422, "invalid")


def test_operations_through_the_api(api, three) -> None:
    head, cycle_id = api("head"), three[0]["id"]
    assert_error(api("anna").post(f"/api/v1/cycles/{cycle_id}/suspend", json={"reason": "x"}), 403, "forbidden")
    assert_error(head.post(f"/api/v1/cycles/{cycle_id}/suspend", json={}), 422, "invalid")
    assert head.post(f"/api/v1/cycles/{cycle_id}/suspend", json={"reason": "holiday"}).get_json()["status"] == "suspended"
    assert_error(head.post(f"/api/v1/cycles/{cycle_id}/suspend", json={"reason": "again"}), 409, "task_not_open")
    assert head.post(f"/api/v1/cycles/{cycle_id}/resume").get_json()["status"] == "active"
    edited = head.open("PATCH", f"/api/v1/cycles/{cycle_id}/variables",
                       json={"variables": {"budget": 5000}, "reason": "confirmed"})
    assert edited.status_code == 200 and edited.get_json()["variables"]["budget"] == 5000
    body = assert_error(head.open("PATCH", f"/api/v1/cycles/{cycle_id}/variables",
                                  json={"variables": {"budget": "lots"}, "reason": "x"}), 422, "form_invalid")
    assert "budget" in body["details"]["fields"]
    moved = head.post(f"/api/v1/cycles/{cycle_id}/move",
                      json={"from": "Task_QualificationCall", "to": "Task_PrepareDemo", "reason": "done by phone"})
    assert moved.status_code == 200
    history = head.get(f"/api/v1/cycles/{cycle_id}/history").get_json()
    assert [e["type"] for e in history if e["actor"] == "head"] == [
        "suspended", "resumed", "variables_edited", "moved"]
    cancelled = head.post(f"/api/v1/cycles/{cycle_id}/cancel", json={"reason": "duplicate"})
    assert cancelled.get_json()["status"] == "cancelled"
    waiting = head.get("/api/v1/regulations/new_client_sale/versions/1/waiting").get_json()
    assert waiting["Task_QualificationCall"]["waiting"] == 2
    assert_error(head.get("/api/v1/regulations/new_client_sale/versions/9/waiting"), 404, "not_found")


def test_a_second_cycle_for_the_same_client_needs_allow_parallel(api, three) -> None:
    client_id = three[0]["client_id"]
    body = assert_error(api("anna").post("/api/v1/cycles", json={"client_id": client_id,
                                                                 "regulation": "new_client_sale"}),
                        409, "parallel_cycle")
    assert [c["id"] for c in body["details"]["cycles"]] == [three[0]["id"]]
    again = api("anna").post("/api/v1/cycles", json={"client_id": client_id, "regulation": "new_client_sale",
                                                      "allow_parallel": True})
    assert again.status_code == 201


def test_the_page_asks_before_a_second_cycle(client, login, three, platform, actors) -> None:
    login(client, "anna")
    client_id = three[1]["client_id"]
    asked = client.post(f"/clients/{client_id}/cycles", data={"regulation": "new_client_sale"})
    assert asked.status_code == 409 and "Start a second cycle" in asked.get_data(as_text=True)
    assert len(platform.cockpit.explore(actors["head"], {"client_id": str(client_id)}).rows) == 1
    started = client.post(f"/clients/{client_id}/cycles", data={"regulation": "new_client_sale", "allow_parallel": "1"})
    assert started.status_code == 302
    assert len(platform.cockpit.explore(actors["head"], {"client_id": str(client_id)}).rows) == 2


def test_the_cycle_page_offers_operations_to_the_head_only(client, login, three) -> None:
    cycle_id = three[0]["id"]
    login(client, "anna")
    assert 'id="operations"' not in client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    login(client, "head")
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert 'id="op-cancel"' in page and 'id="op-move"' in page and 'id="op-variables"' in page
    refused = client.post(f"/cycles/{cycle_id}/cancel", data={"reason": ""}, follow_redirects=True)
    assert "give a reason" in refused.get_data(as_text=True) or "required" in refused.get_data(as_text=True)
    done = client.post(f"/cycles/{cycle_id}/suspend", data={"reason": "away"}, follow_redirects=True)
    assert "The cycle is suspended" in done.get_data(as_text=True)
    saved = client.post(f"/cycles/{cycle_id}/variables", data={"name": ["budget", "memo"], "value": ["12", "hi"],
                                                              "reason": "x"}, follow_redirects=True)
    assert "The variables were saved" in saved.get_data(as_text=True)
    listing = client.get("/cycles?status=suspended").get_data(as_text=True)
    assert f'href="/cycles/{cycle_id}"' in listing and "Acme" in listing
    bad = client.get("/cycles?started_from=soon")
    assert bad.status_code == 200 and 'id="filter-problems"' in bad.get_data(as_text=True)


def test_the_migration_page_plans_dry_runs_and_starts_the_batch(client, login, three, platform, actors) -> None:
    from engine.regulation.versions import SourceFile

    xml = (Path(__file__).resolve().parents[2] / "bpmn" / "new_client_sale.bpmn").read_text()
    platform.regulation.deploy(actors["head"], [SourceFile("v2.bpmn", xml.replace("Task_PrepareDemo", "Task_Demo").encode())])
    login(client, "head")
    listing = client.get("/cycles?regulation=new_client_sale&version=1").get_data(as_text=True)
    assert 'id="migrate-link"' in listing and 'id="batch-form"' in listing
    page = client.get("/cycles/migrate?regulation=new_client_sale&version=1").get_data(as_text=True)
    assert 'name="map.Task_PrepareDemo"' in page and 'id="dry-run"' in page
    run = client.get("/cycles/migrate?regulation=new_client_sale&version=1&to_version=2&dry_run=1"
                     "&map.Task_PrepareDemo=Task_Demo").get_data(as_text=True)
    assert "3 of 3 cycles checked would migrate" in run
    started = client.post("/cycles/migrate", data={"regulation": "new_client_sale", "version": "1", "to_version": "2",
                                                   "map.Task_PrepareDemo": "Task_Demo"})
    assert started.status_code == 302 and "/cycles/batches/" in started.headers["Location"]
    while platform.cockpit.run_batches("test"):
        pass
    report = client.get(started.headers["Location"]).get_data(as_text=True)
    assert 'id="batch-clean"' in report
    assert all(platform.regulation.cycle(actors["head"], c["id"]).version == 2 for c in three)


def test_batch_and_migration_through_the_api(api, three) -> None:
    head = api("head")
    started = head.post("/api/v1/cycles/batch", json={"kind": "cancel", "filter": {"client": "Bolt"}, "reason": "gone"})
    assert started.status_code == 202 and started.get_json()["total"] == 1
    assert_error(head.post("/api/v1/cycles/batch", json={"kind": "migrate", "filter": {}}), 422, "invalid")
    assert_error(head.post("/api/v1/cycles/batch", json={"kind": "cancel", "filter": []}), 422, "invalid")
    assert head.get(f"/api/v1/batches/{started.get_json()['id']}").get_json()["status"] == "queued"
    assert_error(api("anna").get(f"/api/v1/batches/{started.get_json()['id']}"), 403, "forbidden")
