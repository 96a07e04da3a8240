"""Pay you can trust, on the pages and in the API (issue 16): problems by code in the user's
language, locking early only when the head names the period, what landed after an early lock
on both statements, a confirmation on every act that cannot be undone, the input kept when
something is refused, and the JSON API for schemes, statements (exports, early lock) and
what-if."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from openpyxl import load_workbook
from test_motivation_pages import TABLES, text

from engine.platform.root import Reglament


@pytest.fixture
def november(platform: Reglament, actors, won_sale) -> dict[str, Any]:
    """The demo scheme (every manager's); anna won 800 000 of a 1 000 000 plan; her November
    draft is computed and approved (26 November: the month is not over)."""
    head = actors["head"]
    platform.motivation.create_scheme(head, "sales", {"effective_from": date(2026, 1, 1), "tables": TABLES,
                                                      "piece_rates": {"call": "150.00"}})
    platform.motivation.activate_scheme(head, "sales", 1)
    cycle_id = won_sale(platform, actors, "anna", "Acme", 800_000)
    platform.motivation.save_plans(head, "2026-11", "actual", {"user:anna|revenue": "1000000"})
    platform.motivation.compute_statements(head, "2026-11", ["anna"])
    [row] = [r for r in platform.motivation.statements(head, "2026-11").rows if r.login == "anna"]
    assert row.statement is not None
    platform.motivation.approve_statement(head, row.statement.id)
    return {"id": row.statement.id, "cycle_id": cycle_id}


@pytest.fixture
def as_(client, login):
    def _as(who: str):
        client.post("/logout")
        assert login(client, who).status_code == 302
        return client
    return _as


# ---------------------------------------------------------------- problems by code

def test_the_api_names_each_bad_cell_by_code_with_a_message_and_parameters(api, november) -> None:
    refused = api("head").post("/api/v1/motivation/plans", json={"period": "2026-11", "values": {
        "user:anna|revenue": "1,500", "user:anna|won": "lots", "user:nobody|revenue": "1"}})
    assert refused.status_code == 422
    problems = {p["field"]: p for p in refused.get_json()["problems"]}
    assert problems["user:anna|revenue"] == {
        "field": "user:anna|revenue", "code": "money_ambiguous", "params": {},
        "message": "is ambiguous: write thousands without a separator (1500) or decimals with two places (1,50)"}
    assert problems["user:anna|won"]["code"] == "whole_number"
    assert problems["user:nobody|revenue"]["code"] == "plan_row"


def test_a_russian_head_reads_the_problems_in_russian(platform: Reglament, client, login, throwaway_user,
                                                      november) -> None:
    platform.accounts.set_locale(throwaway_user("rita", ["head"]), "ru")
    login(client, "rita")
    refused = client.post("/motivation/plans?period=2026-11&scenario=actual",
                          data={"user:anna|revenue": "1,500", "user:anna|won": "много"})
    assert refused.status_code == 422
    shown = text(refused)
    assert "неоднозначно: пишите тысячи без разделителя" in shown
    assert "должно быть целым числом не меньше нуля" in shown
    bad = client.post("/motivation/schemes", data={"name": "sales", "effective_from": "2026-01-01",
                                                  "basis": "won_amount", "currency": "RUB",
                                                  "rounding": "ROUND_HALF_UP"})
    assert bad.status_code == 422 and "схема «sales» уже есть" in text(bad)
    assert 'value="2026-01-01"' in bad.get_data(as_text=True), "the form keeps what was typed"


# ---------------------------------------------------------------- locking early, and what lands later

def test_the_head_locks_a_period_early_only_by_ticking_the_period_and_later_wins_land_next_month(
        platform: Reglament, actors, as_, clock, won_sale, november) -> None:
    head = as_("head")
    page = head.get(f"/motivation/statements/{november['id']}").get_data(as_text=True)
    shown = re.search(r'name="confirmed" value="([0-9a-f]+)"', page).group(1)
    assert 'name="early" value="2026-11" required' in page and "Lock 2026-11 early, before it ends." in text(
        head.get(f"/motivation/statements/{november['id']}"))
    unticked = head.post(f"/motivation/statements/{november['id']}/lock", data={"confirmed": shown},
                         follow_redirects=True)
    assert "Nothing was locked" in text(unticked)
    wrong = head.post(f"/motivation/statements/{november['id']}/lock", data={"confirmed": shown, "early": "2026-10"},
                      follow_redirects=True)
    assert "2026-11 is not over yet" in text(wrong)
    assert platform.motivation.statement(actors["head"], november["id"]).status == "approved"
    head.post(f"/motivation/statements/{november['id']}/lock", data={"confirmed": shown, "early": "2026-11"})
    assert platform.motivation.statement(actors["head"], november["id"]).status == "locked"

    clock.advance(hours=1)
    later = won_sale(platform, actors, "anna", "Later Ltd", 400_000)  # still November, after the lock
    locked_page = text(head.get(f"/motivation/statements/{november['id']}"))
    assert "After the early lock" in locked_page and f"#{later} Later Ltd" in locked_page
    assert "paid in 2026-12" in locked_page
    platform.motivation.compute_statements(actors["head"], "2026-12", ["anna"])
    [row] = [r for r in platform.motivation.statements(actors["head"], "2026-12").rows if r.login == "anna"]
    december = text(head.get(f"/motivation/statements/{row.statement.id}"))
    assert f"#{later} Later Ltd" in december and "correction from 2026-11, locked early" in december


# ---------------------------------------------------------------- confirmations, input kept

def test_a_refund_is_recorded_only_when_confirmed_and_a_refused_form_keeps_what_was_typed(
        platform: Reglament, actors, as_, november) -> None:
    head = as_("head")
    unconfirmed = head.post(f"/motivation/cycles/{november['cycle_id']}/reversal",
                            data={"kind": "refunded", "amount": "100 000,50", "reason": "Two licences"},
                            follow_redirects=True)
    page = unconfirmed.get_data(as_text=True)
    assert "tick “It cannot be undone”" in text(unconfirmed)
    assert 'value="100 000,50"' in page and 'value="Two licences"' in page and 'value="refunded" selected' in page
    assert platform.motivation.cycle_reversals(actors["head"], november["cycle_id"]) == []
    too_much = head.post(f"/motivation/cycles/{november['cycle_id']}/reversal",
                         data={"kind": "refunded", "amount": "900000", "reason": "All", "sure": "1"},
                         follow_redirects=True)
    assert "is more than what is left of the deal (800000)" in text(too_much)
    assert 'value="900000"' in too_much.get_data(as_text=True)


# ---------------------------------------------------------------- the JSON API

def test_schemes_through_the_api_with_overlapping_rules_refused_by_name(api, actors, november) -> None:
    head = api("head")
    listed = head.get("/api/v1/motivation/schemes").get_json()
    assert [(s["name"], s["version"], s["status"], s["active_version"]) for s in listed] == [("sales", 1, "active", 1)]
    bad = head.post("/api/v1/motivation/schemes", json={"name": "retail", "effective_from": "2026-02-01",
                                                        "currency": "roubles", "piece_rates": {"call": "1.2.3"}})
    assert bad.status_code == 422
    assert {p["field"]: p["code"] for p in bad.get_json()["problems"]} == {"currency": "currency",
                                                                            "piece_rates": "piece_rate"}
    created = head.post("/api/v1/motivation/schemes", json={"name": "retail", "effective_from": "2026-02-01",
                                                            "piece_rates": {"call": "1 500,50"}})
    assert created.status_code == 201
    assert (created.get_json()["version"], created.get_json()["status"]) == (1, "draft")
    assert created.get_json()["piece_rates"] == {"call": "1500.50"} and "loaded" not in created.get_json()
    overlapping = TABLES["commission_rate"].replace("<text>[0.8..1)</text>", "<text>[0.75..1)</text>")
    refused = head.open("PUT", "/api/v1/motivation/schemes/retail/tables/commission_rate", data=overlapping,
                       content_type="application/xml")
    assert refused.status_code == 422 and refused.get_json()["error"] == "dmn_invalid"
    assert refused.get_json()["details"]["rules"] == [2, 3]
    holed = head.open("PUT", "/api/v1/motivation/schemes/retail/tables/commission_rate", content_type="application/xml",
                      data=TABLES["commission_rate"].replace("<text>[0.8..1)</text>", "<text>[0.85..1)</text>"))
    assert holed.status_code == 422 and holed.get_json()["details"]["gap"]["region"] == {"attainment": "[0.8..0.85)"}
    saved = head.open("PUT", "/api/v1/motivation/schemes/retail/tables/commission_rate",
                      data=TABLES["commission_rate"], content_type="application/xml")
    assert saved.status_code == 200 and saved.get_json()["tables"] == ["commission_rate"]
    xml = head.get("/api/v1/motivation/schemes/retail/tables/commission_rate")
    assert xml.mimetype == "application/xml" and b"commission_rate" in xml.data
    activated = head.post("/api/v1/motivation/schemes/retail/activate", json={"version": 1})
    assert activated.status_code == 200 and activated.get_json()["status"] == "active"
    shown = head.get("/api/v1/motivation/schemes/retail").get_json()
    assert shown["versions"] == [{"version": 1, "status": "active", "effective_from": "2026-02-01"}]
    assert api("anna").post("/api/v1/motivation/schemes/retail/activate", json={"version": 1}).status_code == 403


def test_what_if_through_the_api_computes_both_columns_now(api, platform: Reglament, actors, won_sale,
                                                          november) -> None:
    won_sale(platform, actors, "anna", "Later Ltd", 400_000)  # after the statement was approved
    scheme_id = platform.motivation.scheme(actors["head"], "sales").id
    answer = api("head").get(f"/api/v1/motivation/whatif?period=2026-11&scheme_id={scheme_id}")
    assert answer.status_code == 200
    [anna] = [r for r in answer.get_json()["rows"] if r["login"] == "anna"]
    earned = platform.motivation.earned_so_far(actors["head"], "anna", "2026-11")
    assert anna["real"] == anna["whatif"] == str(earned.total) and anna["difference"] == "0.00"
    assert anna["statement_status"] == "approved" and anna["statement_agrees"] is False
    assert D(anna["statement_total"]) < D(anna["real"])
    assert api("anna").get("/api/v1/motivation/whatif?period=2026-11").status_code == 403
    assert api("head").get("/api/v1/motivation/whatif?period=2026-11&scheme_id=x").status_code == 422


def test_statements_export_and_lock_early_through_the_api(api, platform: Reglament, actors, november) -> None:
    head = api("head")
    statement = head.get(f"/api/v1/motivation/statements/{november['id']}").get_json()
    listing = head.get("/api/v1/motivation/statements?period=2026-11").get_json()
    [row] = [r for r in listing["rows"] if r["login"] == "anna"]
    assert row["statement"]["id"] == november["id"] and row["statement"]["total"] == statement["total"]
    exported = head.get(f"/api/v1/motivation/statements/{november['id']}/export?format=csv")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    assert any(statement["total"] in ",".join(r) for r in csv.reader(io.StringIO(exported.get_data(as_text=True))))
    payroll = head.get("/api/v1/motivation/periods/2026-11/export")
    assert load_workbook(io.BytesIO(payroll.data))["Payroll"].max_row >= 2
    assert head.get("/api/v1/motivation/periods/2026-11/export?format=pdf").get_json()["problems"][0]["code"] == \
        "choice"
    not_yet = head.post(f"/api/v1/motivation/statements/{november['id']}/lock",
                        json={"fingerprint": statement["fingerprint"]})
    assert not_yet.status_code == 409 and not_yet.get_json()["error"] == "period_not_over"
    locked = head.post(f"/api/v1/motivation/statements/{november['id']}/lock",
                       json={"fingerprint": statement["fingerprint"], "early": "2026-11"})
    assert locked.status_code == 200 and locked.get_json()["status"] == "locked"
    assert locked.get_json()["later"] == []
