"""The heat map page and the API give the gateways' branch shares and what a regulation change
did (before and after), with their definitions, in English and Russian and at a phone's width."""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from analytics_history import build, second_version

from engine.control import compare as compare_rules
from engine.control import gateways as gateway_rules
from engine.demo import loader as demo
from engine.platform.root import Reglament

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def history(platform: Reglament, actors, clock) -> dict[str, int]:
    ids = build(platform, actors, clock)
    second_version(platform, actors, clock)
    return ids


def _cell(page: str, table: str, row: str, figure: str) -> str:
    body = re.search(rf'<table class="grid" id="{table}">(.*?)</table>', page, re.S)
    assert body, f"no table {table}"
    found = re.search(rf'<tr {row}>(.*?)</tr>', body.group(1), re.S)
    assert found, f"no row {row}"
    cell = re.search(rf'data-figure="{figure}">(.*?)</td>', found.group(1), re.S)
    assert cell, f"no figure {figure}"
    return re.sub(r"<[^>]+>", "", cell.group(1)).strip()


def test_the_analyst_reads_branch_shares_and_the_change_since_the_last_version(client, login, history) -> None:
    login(client, "alex")
    response = client.get("/control/heatmap?regulation=new_client_sale&version=1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    approved = 'data-gateway="Gateway_Approved" data-flow="Flow_Approved_No"'
    assert _cell(page, "gateway-branches", approved, "share") == "50.0%"
    assert _cell(page, "gateway-branches", approved, "win-rate") == "100.0%"
    assert gateway_rules.DEFINITION in html.unescape(page)
    assert "nothing to compare it with yet" in page, "version 1 has no earlier version"
    page = client.get("/control/heatmap?regulation=new_client_sale").get_data(as_text=True)
    versions = re.search(r'<table class="grid" id="compare-versions">(.*?)</table>', page, re.S)
    assert versions and "33.3%" in versions.group(1) and "50.0%" in versions.group(1) and "+16.7 pp" in versions.group(1)
    assert _cell(page, "compare-elements", 'data-element="Task_Negotiation"', "owned_p50_hours-change") == "+1.0"
    assert compare_rules.DEFINITION in html.unescape(page)
    against = client.get("/control/heatmap?regulation=new_client_sale&version=1&before=2").get_data(as_text=True)
    assert "-16.7 pp" in against
    assert client.get("/control/heatmap?regulation=new_client_sale&before=x").status_code == 422


def test_in_russian_the_sections_are_translated(client, login, history) -> None:
    login(client, "boris")  # the demo's boris reads Russian; he counts his own cycles
    page = client.get("/control/heatmap?regulation=new_client_sale").get_data(as_text=True)
    assert "Ветви шлюзов" in page and "До и после изменения регламента" in page
    assert "Доля выигрышей дальше" in page and "Часов до решения, медиана" in page


def test_the_api_gives_branches_and_the_comparison_with_the_filters(api, history) -> None:
    heat = api("alex").get("/api/v1/control/heatmap?regulation=new_client_sale&version=1").get_json()
    qualified = next(g for g in heat["gateways"] if g["element_id"] == "Gateway_Qualified")
    assert [(b["flow_id"], b["taken"], b["share"], b["win_rate"]) for b in qualified["branches"]] == [
        ("Flow_Qualified_Refused", 1, 0.25, 0.0), ("Flow_Qualified_Yes", 3, 0.75, 0.5)]
    assert heat["gateway_definition"] == gateway_rules.DEFINITION
    found = api("alex").get("/api/v1/control/compare?regulation=new_client_sale").get_json()
    assert (found["before"]["version"], found["after"]["version"]) == (1, 2)
    assert found["win_rate"] == {"before": 0.3333, "after": 0.5, "change": 0.1667}
    negotiation = next(e for e in found["elements"] if e["element_id"] == "Task_Negotiation")
    assert negotiation["figures"]["rework"] == {"before": 1.0, "after": 0.0, "change": -1.0}
    assert found["definition"] == compare_rules.DEFINITION
    anna = api("anna").get("/api/v1/control/compare?regulation=new_client_sale&segment=Retail").get_json()
    assert (anna["before"]["cycles"], anna["after"]["cycles"]) == (1, 0), "the filters apply to both versions"
    wrong = api("alex").get("/api/v1/control/compare?regulation=new_client_sale&before=0")
    assert wrong.status_code == 422 and list(wrong.get_json()["details"]["fields"]) == ["before"]


@pytest.mark.browser
def test_the_process_analytics_page_reads_in_chromium_in_both_languages_and_on_a_phone(browser: Any, site: str,
                                                                                      history) -> None:
    for who, locale, width in (("alex", "en-US", 1280), ("boris", "ru-RU", 390)):  # boris reads Russian
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(site + "/login")
        page.fill("input[name=login]", who)
        page.fill("input[name=password]", demo.PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(site + "/inbox")
        page.goto(site + "/control/heatmap?regulation=new_client_sale")
        page.wait_for_selector("body[data-viewer=ready]", timeout=10_000)
        assert page.locator("#gateway-branches tr[data-gateway=Gateway_Qualified]").count() == 2
        if who == "alex":
            assert page.locator("#compare-elements tr[data-element=Task_Negotiation] [data-figure=cycles-change]"
                                ).inner_text() == "0"
        else:
            assert page.locator("#before-after").inner_text() == "До и после изменения регламента"
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width + 1, "the page does not scroll sideways (wide tables scroll in their box)"
        page.screenshot(path=str(ARTIFACTS / f"control-process-{locale}-{width}.png"), full_page=True)
        context.close()
