"""The motivation scheme pages through Flask's test client: list, create, a scheme with its
tables and the try-it form, terms, activation, the table editor's page and its save."""
from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest

from engine.demo.schemes import NAME, load_demo_scheme
from engine.platform.root import Reglament


def text(response: Any) -> str:
    page = response.get_data(as_text=True)
    body = page[page.index("<main>"):page.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture
def demo(platform: Reglament, actors) -> None:
    load_demo_scheme(platform, actors["head"])


@pytest.fixture
def head(client, login):
    assert login(client, "head").status_code == 302
    return client


@pytest.fixture
def anna(client, login):
    assert login(client, "anna").status_code == 302
    return client


def test_the_list_shows_schemes_and_heads_get_the_new_scheme_form(head, demo) -> None:
    response = head.get("/motivation/schemes")
    assert response.status_code == 200
    shown = text(response)
    assert "sales_managers" in shown and "role manager" in shown and "v1 active" in shown
    assert "commission_rate intensity_multiplier quality_multiplier" in shown
    assert 'id="new-scheme"' in response.get_data(as_text=True)


def test_a_manager_sees_the_scheme_that_applies_to_him_and_no_form(anna, demo) -> None:
    response = anna.get("/motivation/schemes")
    assert "sales_managers" in text(response)
    assert 'id="new-scheme"' not in response.get_data(as_text=True)
    page = anna.get(f"/motivation/schemes/{NAME}")
    assert page.status_code == 200
    assert "Edit table" not in text(page) and "Edit the terms" not in text(page)
    assert anna.get(f"/motivation/schemes/{NAME}/tables/commission_rate").status_code == 403
    assert anna.post(f"/motivation/schemes/{NAME}/tables/commission_rate", data="<x/>",
                     headers={"Accept": "application/json"}).status_code == 403


def test_the_scheme_page_shows_tables_piece_rates_and_versions(head, demo) -> None:
    shown = text(head.get(f"/motivation/schemes/{NAME}"))
    assert "For role manager, effective from 2026-01-01; commission on won deals in RUB" in shown
    assert "[1..1.2) 0.07 Plan met: 100–120 %" in shown
    assert "call 150.00 RUB" in shown
    assert "Edit table" in shown


def test_the_try_it_form_evaluates_a_table_and_marks_the_rule(anna, demo) -> None:
    response = anna.get(f"/motivation/schemes/{NAME}?version=1&try=commission_rate&in_attainment=1,05")
    page = response.get_data(as_text=True)
    assert re.search(r'<tr class="dt-hit" data-rule="4">', page)
    assert "rate = 0.07" in text(response)
    assert "table commission_rate, rule 4: attainment in [1..1.2) → rate 0.07 (Plan met: 100–120 %)" in text(response)
    missing = text(anna.get(f"/motivation/schemes/{NAME}?try=quality_multiplier&in_conversion=0.3"))
    assert "table quality_multiplier: missing input on_time_share" in missing


def test_creating_saving_terms_and_activating_through_the_forms(head, platform: Reglament, actors) -> None:
    response = head.post("/motivation/schemes", data={
        "name": "retail", "effective_from": "2026-02-01", "scope": "role:manager", "basis": "paid_amount",
        "currency": "rub", "rounding": "ROUND_HALF_EVEN", "copy_from": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith("/motivation/schemes/retail")
    scheme = platform.motivation.scheme(actors["head"], "retail")
    assert (scheme.status, scheme.basis, scheme.currency, scheme.tables) == (
        "draft", "paid_amount", "RUB", ("commission_rate",))

    bad = head.post("/motivation/schemes/retail", data={
        "version": "1", "effective_from": "2026-02-01", "scope": "", "basis": "paid_amount", "currency": "RUB",
        "rounding": "ROUND_HALF_UP", "settings": "{}", "rate_call": "1.2.3"})
    assert bad.status_code == 422
    assert "Piece rates: the rate of call must be an amount from 0 to 1000000000, like 150.50" in text(bad)
    assert "rounded to kopecks (2 places, half up)" in text(bad)
    saved = head.post("/motivation/schemes/retail", data={
        "version": "1", "effective_from": "2026-02-01", "scope": "", "basis": "paid_amount", "currency": "RUB",
        "rounding": "ROUND_HALF_UP", "settings": '{"activity_cap": "1.1"}', "rate_call": "1 500,5",
        "rate_meeting": "250000.50", "rate_demo": ""})
    assert saved.status_code == 302
    scheme = platform.motivation.scheme(actors["head"], "retail")
    assert (scheme.version, scheme.role, scheme.piece_rates, scheme.settings) == (
        1, None, {"call": "1500.50", "meeting": "250000.50"}, {"activity_cap": "1.1"})

    assert head.post("/motivation/schemes/retail/activate", data={"version": "1"}).status_code == 302
    assert platform.motivation.scheme(actors["head"], "retail").status == "draft", "not without the tick"
    assert head.post("/motivation/schemes/retail/activate", data={"version": "1", "sure": "1"}).status_code == 302
    assert platform.motivation.scheme(actors["head"], "retail").status == "active"
    shown = text(head.get("/motivation/schemes/retail"))
    assert "Saving makes draft version 2 from this version" in shown


def test_creating_a_scheme_with_a_taken_name_shows_the_error(head, demo) -> None:
    response = head.post("/motivation/schemes", data={"name": NAME, "effective_from": "2026-02-01", "scope": "",
                                                       "basis": "won_amount", "currency": "RUB",
                                                       "rounding": "ROUND_HALF_UP", "copy_from": NAME})
    assert response.status_code == 422
    assert f"Name: a scheme “{NAME}” exists: edit it to make a new version" in text(response)


def test_copying_a_scheme_copies_its_tables_and_rates(head, demo, platform: Reglament, actors) -> None:
    head.post("/motivation/schemes", data={"name": "copy", "effective_from": "2026-02-01", "scope": "role:manager",
                                           "basis": "won_amount", "currency": "RUB", "rounding": "ROUND_HALF_UP",
                                           "copy_from": NAME})
    copy = platform.motivation.scheme(actors["head"], "copy")
    assert copy.tables == ("commission_rate", "intensity_multiplier", "quality_multiplier")
    assert copy.piece_rates["call"] == "150.00"


def test_the_editor_page_and_its_save(head, demo, platform: Reglament, actors) -> None:
    page = head.get(f"/motivation/schemes/{NAME}/tables/commission_rate")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "dist/dmn-editor.js" in html and "dist/dmn-editor-style.css" in html
    assert "<script>" not in html  # CSP: no inline scripts, the config is JSON data
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    xml = head.get(f"/motivation/schemes/{NAME}/tables/commission_rate/dmn?version=1").get_data(as_text=True)

    bad = head.post(f"/motivation/schemes/{NAME}/tables/commission_rate", data=xml.replace("<text>0.07</text>", "<text>0,07</text>"),
                    headers={"Content-Type": "application/xml", "Accept": "application/json"})
    assert bad.status_code == 422
    assert bad.get_json()["message"] == ("table commission_rate: rule 4, output rate: '0,07': write decimals with a point "
                                         "(0.07) (line 43)")
    assert bad.get_json()["details"]["cell_id"] == "LiteralExpression_plan"
    assert [v.version for v in platform.motivation.scheme_versions(actors["head"], NAME)] == [1]

    good = head.post(f"/motivation/schemes/{NAME}/tables/commission_rate", data=xml.replace("<text>0.07</text>", "<text>0.075</text>"),
                     headers={"Content-Type": "application/xml", "Accept": "application/json"})
    assert good.status_code == 200
    assert good.get_json() == {"version": 2, "status": "draft", "table": "commission_rate",
                               "scheme_url": f"/motivation/schemes/{NAME}?version=2"}
    assert platform.motivation.evaluate_scheme_table(actors["head"], NAME, "commission_rate",
                                          {"attainment": Decimal("1")}, 2).value == Decimal("0.075")


def test_adding_and_removing_a_table(head, demo, platform: Reglament, actors) -> None:
    platform.motivation.remove_scheme_table(actors["head"], NAME, "intensity_multiplier")
    response = head.post(f"/motivation/schemes/{NAME}/tables", data={"table": "intensity_multiplier"})
    assert response.headers["Location"].endswith(f"/motivation/schemes/{NAME}/tables/intensity_multiplier")
    loaded = platform.motivation.scheme(actors["head"], NAME).loaded["intensity_multiplier"]
    assert loaded.variables == ("activity_attainment",)
    again = head.post(f"/motivation/schemes/{NAME}/tables", data={"table": "intensity_multiplier"})
    assert again.status_code == 302
    assert head.post(f"/motivation/schemes/{NAME}/tables/intensity_multiplier/remove").status_code == 302
    assert "intensity_multiplier" not in platform.motivation.scheme(actors["head"], NAME).tables


def test_the_editor_save_refuses_overlapping_rules_of_a_unique_table_naming_them(head, demo, platform: Reglament,
                                                                               actors) -> None:
    xml = head.get(f"/motivation/schemes/{NAME}/tables/commission_rate/dmn?version=1").get_data(as_text=True)
    overlapping = xml.replace("<text>[1..1.2)</text>", "<text>[0.9..1.2)</text>")  # rule 4 reaches into rule 3
    bad = head.post(f"/motivation/schemes/{NAME}/tables/commission_rate", data=overlapping,
                    headers={"Content-Type": "application/xml", "Accept": "application/json"})
    assert bad.status_code == 422
    body = bad.get_json()
    assert body["message"].startswith("table commission_rate: rules 3 and 4 both match attainment in [0.9..1) "
                                      "(for example attainment=0.9)")
    assert body["details"]["rules"] == [3, 4] and body["details"]["overlaps"][0]["region"] == {"attainment": "[0.9..1)"}
    assert body["details"]["cell_id"] == "UnaryTests_plan"  # the editor marks the later rule's cell
    assert [v.version for v in platform.motivation.scheme_versions(actors["head"], NAME)] == [1]  # nothing saved


def test_the_try_it_form_reads_numbers_as_people_type_them(head, demo) -> None:
    shown = text(head.get(f"/motivation/schemes/{NAME}?try=commission_rate&in_attainment=1,1"))
    assert "rate = 0.07" in shown
