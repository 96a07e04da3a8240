"""The motivation JSON API (issue 16): plans, statements with their lines, and approving and
locking on the figures the caller saw, as the pages do."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from test_motivation_pages import TABLES

from engine.platform.root import Reglament


@pytest.fixture
def november(platform: Reglament, actors, won_sale) -> dict[str, Any]:
    head = actors["head"]
    platform.motivation.create_scheme(head, "sales", {"effective_from": date(2026, 1, 1), "tables": TABLES,
                                                      "piece_rates": {"call": "150.00"}})
    platform.motivation.activate_scheme(head, "sales", 1)
    won_sale(platform, actors, "anna", "Acme", 800_000)
    return {}


def test_plans_are_read_and_saved_as_the_grid(api, november) -> None:
    head = api("head")
    saved = head.post("/api/v1/motivation/plans", json={"period": "2026-11", "scenario": "actual", "values": {
        "user:anna|revenue": "1 000 000,50", "user:boris|revenue": "500000"}})
    assert saved.status_code == 200 and saved.get_json()["saved"] >= 2
    grid = head.get("/api/v1/motivation/plans?period=2026-11").get_json()
    assert "1000000.5" in str(grid)
    bad = head.post("/api/v1/motivation/plans", json={"period": "2026-11", "values": {"user:anna|revenue": "1,500"}})
    assert bad.status_code == 422
    assert api("anna").post("/api/v1/motivation/plans", json={"period": "2026-11", "values": {}}).status_code == 403


def test_statements_are_computed_approved_on_their_fingerprint_and_locked_after_the_period(
        api, platform, actors, clock, won_sale, november) -> None:
    head = api("head")
    head.post("/api/v1/motivation/plans", json={"period": "2026-11", "values": {"user:anna|revenue": "1000000"}})
    computed = head.post("/api/v1/motivation/statements/compute", json={"period": "2026-11"})
    assert computed.status_code == 200
    listing = head.get("/api/v1/motivation/statements?period=2026-11").get_json()
    assert "anna" in str(listing)
    [statement_id] = [i for i in computed.get_json()["statements"]
                      if head.get(f"/api/v1/motivation/statements/{i}").get_json()["login"] == "anna"]
    shown = head.get(f"/api/v1/motivation/statements/{statement_id}").get_json()
    assert shown["status"] == "draft" and shown["lines"] and shown["fingerprint"]
    assert all(isinstance(line["amount"], str) for line in shown["lines"]), "amounts exact, as strings"
    assert api("boris").get(f"/api/v1/motivation/statements/{statement_id}").status_code == 403

    won_sale(platform, actors, "anna", "Later Ltd", 400_000)  # after the figures were shown
    stale = head.post(f"/api/v1/motivation/statements/{statement_id}/approve", json={"fingerprint": shown["fingerprint"]})
    assert stale.status_code == 409 and stale.get_json()["error"] == "figures_changed"
    fresh = head.get(f"/api/v1/motivation/statements/{statement_id}").get_json()
    assert fresh["total"] != shown["total"]
    approved = head.post(f"/api/v1/motivation/statements/{statement_id}/approve",
                         json={"fingerprint": fresh["fingerprint"]})
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    early = head.post(f"/api/v1/motivation/statements/{statement_id}/lock", json={"fingerprint": fresh["fingerprint"]})
    assert early.status_code == 409 and early.get_json()["error"] == "period_not_over"
    clock.now = clock.now.replace(month=12, day=2)
    review = head.get("/api/v1/motivation/periods/2026-11/review?action=lock").get_json()
    assert review["period_over"] and review["token"]
    assert any(r["login"] == "anna" and r["acts"] for r in review["rows"])
    locked = head.post("/api/v1/motivation/periods/2026-11/lock-all", json={"token": review["token"]})
    assert locked.status_code == 200 and "anna" in locked.get_json()["done"]
    assert head.get(f"/api/v1/motivation/statements/{statement_id}").get_json()["status"] == "locked"
    wrong = head.post("/api/v1/motivation/periods/2026-11/approve-all", json={"token": "forged"})
    assert wrong.status_code in (409, 422)
