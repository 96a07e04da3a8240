"""The head's dashboard, the loss reasons, durations and managers pages and their JSON API, on
the fixed history of tests/analytics_history.py; the dashboard in Chromium (charts drawn, the
numbers in tables beside them), in English and Russian and at phone width."""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from analytics_history import build

from engine.demo import loader as demo
from engine.platform.root import Reglament
from engine.regulation import work_types

NOVEMBER = "from=2026-11-01&to=2026-11-30"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def history(platform: Reglament, actors, clock) -> dict[str, int]:
    platform.control.ensure_loss_reasons()
    with platform.command() as s:
        work_types.ensure_defaults(s)
    ids = build(platform, actors, clock)
    platform.motivation.save_plans(actors["head"], "2026-11", "actual", {"user:anna|revenue": "1000000"})
    return ids


def _figure(page: str, table: str, row: str | None, figure: str) -> str:
    """The text of the cell ``data-figure`` in the table (in the row ``data-manager`` when given)."""
    body = re.search(rf'<table class="grid" id="{table}">(.*?)</table>', page, re.S)
    assert body, f"no table {table}"
    part = body.group(1)
    if row is not None:
        found = re.search(rf'<tr data-manager="{re.escape(row)}">(.*?)</tr>', part, re.S)
        assert found, f"no row {row}"
        part = found.group(1)
    cell = re.search(rf'data-figure="{figure}">(.*?)</td>', part, re.S)
    assert cell, f"no figure {figure}"
    return re.sub(r"<[^>]+>", "", cell.group(1)).strip()


def test_the_head_reads_the_dashboard_with_definitions_and_links(client, login, history) -> None:
    login(client, "head")
    assert 'href="/control"' in client.get("/inbox").get_data(as_text=True), "a link in the navigation"
    response = client.get(f"/control?{NOVEMBER}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _figure(page, "department", None, "won") == "1" and _figure(page, "department", None, "lost") == "2"
    assert _figure(page, "department", None, "attainment") == "50.0%"
    assert _figure(page, "managers", "anna", "won_amount").replace("\u202f", ",") == "500,000.00"
    assert _figure(page, "managers", "boris", "lost") == "1"
    assert "Won amount divided by the revenue plan" in html.unescape(page)
    link = re.search(r'<tr data-manager="anna">.*?data-figure="won"><a href="([^"]+)"', page, re.S)
    assert link
    listed = client.get(html.unescape(link.group(1))).get_data(as_text=True)
    assert f'data-cycle="{history["won"]}"' in listed and f'data-cycle="{history["lost"]}"' not in listed
    assert 'data-chart="' in page and "dist/charts.js" in page


def test_the_dashboard_in_russian_and_bad_filters(client, login, history) -> None:
    login(client, "boris")  # boris's language is Russian
    page = client.get(f"/control?{NOVEMBER}").get_data(as_text=True)
    assert "Панель руководителя" in page and "Сумма продаж" in page
    assert 'data-manager="anna"' not in page, "a manager sees his own figures"
    bad = client.get("/control?from=yesterday")
    assert bad.status_code == 422 and "2026-11-30" in bad.get_data(as_text=True)


def test_the_dashboard_and_losses_in_the_api(api, history) -> None:
    found = api("alex").get(f"/api/v1/control/dashboard?{NOVEMBER}").get_json()
    assert found["department"]["won_amount"] == "500000.00" and found["department"]["plan"] == "1000000.00"
    assert {r["login"] for r in found["managers"]} >= {"anna", "boris"}
    losses = api("alex").get("/api/v1/control/loss-reasons").get_json()
    assert {r["code"]: r["count"] for r in losses["reasons"]} == {"no_budget": 1, "price": 1}
    assert any(r["code"] == "competitor" and r["name_ru"] == "Выбрал конкурента" for r in losses["catalogue"])
    assert api("alex").post(f"/api/v1/control/cycles/{history['lost']}/loss-reason",
                           json={"reason": "competitor"}).status_code == 403
    assert api("head").post(f"/api/v1/control/cycles/{history['lost']}/loss-reason",
                           json={"reason": "nonsense"}).status_code == 422
    assert api("head").post(f"/api/v1/control/cycles/{history['lost']}/loss-reason",
                           json={"reason": "competitor"}).status_code == 200
    again = api("alex").get("/api/v1/control/loss-reasons/cycles?reason=competitor").get_json()
    assert [c["cycle_id"] for c in again["cycles"]] == [history["lost"]]
    assert api("alex").get("/api/v1/control/durations").get_json()["decision"]["km_median_hours"] == 2.0
    variants = api("alex").get("/api/v1/control/variants").get_json()
    assert variants["cycles"] == 5 and len(variants["variants"]) == 5
    managers = api("head").get(f"/api/v1/control/managers?{NOVEMBER}").get_json()
    assert {r["login"]: r["conversion"] for r in managers["managers"]}["anna"] == 0.5


def test_the_head_maintains_loss_reasons_and_classifies_a_loss_on_the_page(client, login, history) -> None:
    login(client, "head")
    page = client.get("/control/losses").get_data(as_text=True)
    assert 'data-reason="no_budget"' in page and "Pareto" in page
    saved = client.post("/control/losses", data={"code": "veto", "name": "Board vetoed", "name_ru": "Вето",
                                                  "active": "on"}, follow_redirects=True)
    assert saved.status_code == 200 and 'data-code="veto"' in saved.get_data(as_text=True)
    refused = client.post("/control/losses", data={"code": "Bad Code!", "name": ""})
    assert refused.status_code == 422 and "lower-case Latin letters" in refused.get_data(as_text=True)
    listed = client.get("/control/losses/cycles?reason=price").get_data(as_text=True)
    assert f'data-cycle="{history["lost"]}"' in listed
    veto_id = re.search(r'<option value="(\d+)" >Board vetoed</option>', listed)
    assert veto_id
    client.post(f"/control/cycles/{history['lost']}/loss-reason", data={"reason_id": veto_id.group(1)})
    assert 'data-reason="veto"' in client.get("/control/losses").get_data(as_text=True)
    login(client, "anna")
    assert client.post(f"/control/cycles/{history['lost']}/loss-reason", data={"reason_id": ""}).status_code == 403


def test_durations_and_managers_pages(client, login, history) -> None:
    login(client, "alex")
    page = client.get("/control/durations").get_data(as_text=True)
    assert 'data-figure="km">2.0<' in page and "censored" in page
    assert 'id="variants"' in page and "Qualification call → Prepare demo → Hold presentation" in page
    managers = client.get(f"/control/managers?{NOVEMBER}").get_data(as_text=True)
    assert 'data-manager="anna"' in managers and "Wilson" in managers


@pytest.mark.browser
def test_the_dashboard_draws_its_charts_in_chromium(browser: Any, site: str, history) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for locale, who, width in (("en-US", "head", 1280), ("ru-RU", "boris", 390)):  # boris works in Russian
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(site + "/login")
        page.fill("input[name=login]", who)
        page.fill("input[name=password]", demo.PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(site + "/inbox")
        page.goto(site + f"/control?{NOVEMBER}")
        page.wait_for_selector("#managers-chart[data-drawn=yes]", timeout=10_000)
        if who == "head":
            assert page.locator("#pipeline-chart[data-drawn=yes]").count() == 1
            assert page.locator("#managers tr[data-manager=anna] [data-figure=won]").inner_text() == "1"
        else:
            assert page.locator("#department [data-figure=lost]").inner_text() == "1"
            assert page.locator("#pipeline-chart").count() == 0, "boris has no open cycle: no empty chart"
            assert page.locator("h1").inner_text() == "Панель руководителя"
        page.screenshot(path=str(ARTIFACTS / f"control-dashboard-{locale}-{width}.png"), full_page=True)
        context.close()


@pytest.mark.browser
def test_the_heat_map_colours_the_diagram_in_chromium(browser: Any, site: str, history) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site + "/login")
    page.fill("input[name=login]", "alex")
    page.fill("input[name=password]", demo.PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(site + "/inbox")
    page.goto(site + "/control/heatmap?regulation=new_client_sale")
    page.wait_for_selector("body[data-viewer=ready]", timeout=10_000)
    assert page.locator("g.djs-element.rg-heat-5[data-element-id=Task_QualificationCall]").count() == 1
    assert page.locator("#heatmap tr[data-element=Task_Negotiation] [data-figure=runs]").inner_text() == "2"
    page.screenshot(path=str(ARTIFACTS / "control-heatmap-en-US-1280.png"), full_page=True)
    context.close()
