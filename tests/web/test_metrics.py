"""Request ids, one structured log line per request, Prometheus metrics behind a token or the admin role,
and the client's address behind trusted proxies."""
from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask import Flask

from engine.platform.root import Reglament
from web.app import create_app
from web.observability import JsonFormatter, RequestIdFilter


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text, or 0 when it is absent."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        metric, _, rest = head.partition("{")
        if metric != name:
            continue
        found = dict(part.split("=", 1) for part in rest.rstrip("}").split(",") if "=" in part)
        if all(found.get(k) == f'"{v}"' for k, v in labels.items()):
            return float(value)
    return 0.0


def test_every_answer_carries_a_request_id_generated_or_the_callers(client: Any) -> None:
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert len(first) == 32 and first != second
    assert client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.42"}).headers["X-Request-Id"] == "lb-7f3a.42"
    # a header that could break a log line is replaced, never echoed
    assert client.get("/healthz", headers={"X-Request-Id": "a b\"}"}).headers["X-Request-Id"] != "a b\"}"


def test_one_json_log_line_per_request_names_id_method_path_status_duration_user(
        api: Any, caplog: pytest.LogCaptureFixture) -> None:
    formatter, ids = JsonFormatter(), RequestIdFilter()
    with caplog.at_level(logging.INFO, logger="reglament.access"):
        response = api("anna").get("/api/v1/tasks", headers={"X-Request-Id": "req-1"})
    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.name == "reglament.access" and getattr(r, "path", "") == "/api/v1/tasks"]
    ids.filter(record)
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "req-1"
    assert (entry["method"], entry["path"], entry["status"], entry["user"]) == ("GET", "/api/v1/tasks", 200, "anna")
    assert entry["duration_ms"] >= 0 and entry["level"] == "info"


def test_metrics_need_the_token_or_an_administrator(app: Flask, api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert api("anna").get("/metrics").status_code == 403
    assert api("admin").get("/metrics").status_code == 200
    monkeypatch.setenv("REGLAMENT_METRICS_TOKEN", "scrape-secret-of-32-bytes-or-more")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-of-32-bytes-or-more"})
    assert ok.status_code == 200 and ok.mimetype == "text/plain"


def test_metrics_count_requests_latency_steps_jobs_and_incidents(api: Any, platform: Reglament, actors: Any) -> None:
    admin = api("admin")
    before = admin.get("/metrics").get_data(as_text=True)
    anna = api("anna")
    client_id = anna.post("/api/v1/clients", json={"name": "Metered Ltd"}).get_json()["id"]
    anna.post("/api/v1/cycles", json={"client_id": client_id, "regulation": "new_client_sale"})
    anna.get("/api/v1/tasks")
    text = admin.get("/metrics").get_data(as_text=True)

    def grew(name: str, **labels: str) -> float:
        return _sample(text, name, **labels) - _sample(before, name, **labels)

    assert grew("reglament_http_requests_total", endpoint="api.start_cycle", method="POST", status="201") == 1
    assert grew("reglament_http_requests_total", endpoint="api.tasks", method="GET", status="200") >= 1
    assert grew("reglament_http_request_duration_seconds_count", endpoint="api.start_cycle") == 1
    assert grew("reglament_unit_of_work_seconds_count", kind="command", outcome="ok") >= 2
    # the demo regulation's first task waits with a one-day reminder timer: a job, not yet due
    assert _sample(text, "reglament_jobs_due") == 0
    assert _sample(text, "reglament_open_incidents") == 0
    assert "reglament_db_pool_connections_in_use" in text
    assert "reglament_jobs_late" in text


def test_behind_a_trusted_proxy_the_log_in_throttle_counts_the_forwarded_address(
        platform: Reglament, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGLAMENT_TRUSTED_PROXIES", "1")
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}, platform=platform)
    seen: list[tuple[str | None, str]] = []

    @app.get("/_probe")
    def _probe() -> str:
        from flask import request

        seen.append((request.remote_addr, request.url))
        return "ok"

    client = app.test_client()
    client.get("/_probe", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https",
                                   "X-Forwarded-Host": "crm.example.org"})
    assert seen == [("203.0.113.9", "https://crm.example.org/_probe")]
    monkeypatch.delenv("REGLAMENT_TRUSTED_PROXIES")
    plain = create_app({"TESTING": True, "SECRET_KEY": "test"}, platform=platform)
    plain.add_url_rule("/_probe", view_func=_probe)
    plain.test_client().get("/_probe", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen[-1][0] == "127.0.0.1"  # without trusted proxies a forged header changes nothing
