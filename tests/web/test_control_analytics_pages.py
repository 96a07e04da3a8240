"""The funnel and cohort pages (English and Russian), the cycles behind each number, the CSV and
event-log downloads, and the same figures in the JSON API, on the fixed history of
tests/analytics_history.py."""
from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import replace
from typing import Any

import pytest
from analytics_history import FUNNEL, build

from engine.control import funnel as funnel_rules
from engine.platform.root import Reglament

PARTS = ("entered", "advanced", "lost", "moved_back", "cancelled", "still_there")


@pytest.fixture
def history(platform: Reglament, actors, clock) -> dict[str, int]:
    return build(platform, actors, clock)


def _cells(page: str, row_attr: str, key: str) -> dict[str, tuple[str, str]]:
    """part -> (number, drill-down link) of the table row ``data-<row_attr>="<key>"``."""
    row = re.search(rf'<tr data-{row_attr}="{re.escape(key)}">(.*?)</tr>', page, re.S)
    assert row, f"no row {key} in the page"
    return {part: (number, html.unescape(link)) for part, link, number in
            re.findall(r'data-part="([a-z_]+)"><a href="([^"]+)">(\d+)</a>', row.group(1))}


def _funnel_numbers(page: str, stage: str) -> tuple[int, ...]:
    cells = _cells(page, "stage", stage)
    return tuple(int(cells[p][0]) for p in PARTS)


def test_the_analyst_finds_the_funnel_with_its_definitions_and_cohorts(client, login, history) -> None:
    login(client, "alex")
    page = client.get("/inbox", follow_redirects=True).get_data(as_text=True)
    assert 'href="/control/funnel"' in page, "a link in the navigation"
    response = client.get("/control/funnel")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for stage, expected in FUNNEL.items():
        assert _funnel_numbers(page, stage) == expected
    text = html.unescape(page)
    assert funnel_rules.FUNNEL_DEFINITION in text and funnel_rules.COHORT_DEFINITION in text
    for part in (*funnel_rules.FUNNEL_PARTS, *funnel_rules.COHORT_PARTS):
        assert part.definition in text, f"the definition of {part.key} is printed"
    november = _cells(page, "month", "2026-11")
    assert {k: int(v[0]) for k, v in november.items()} == {"started": 3, "won": 1, "lost": 2, "cancelled": 0,
                                                          "open": 0}
    assert "33.3%" in page and "66.7%" in page


def test_each_number_links_to_the_cycles_behind_it(client, login, history) -> None:
    login(client, "alex")
    page = client.get("/control/funnel").get_data(as_text=True)
    _, link = _cells(page, "stage", "Contract")["moved_back"]
    listing = client.get(link).get_data(as_text=True)
    assert re.findall(r'<tr data-cycle="(\d+)">', listing) == [str(history["won"])]
    assert "Won Ltd" in listing and "The cycle next came to an earlier stage" in html.unescape(listing)
    _, link = _cells(page, "month", "2026-12")["open"]
    listing = client.get(link).get_data(as_text=True)
    assert re.findall(r'<tr data-cycle="(\d+)">', listing) == [str(history["open"])]
    _, link = _cells(page, "stage", "Qualification")["entered"]
    listing = client.get(link).get_data(as_text=True)
    assert sorted(re.findall(r'<tr data-cycle="(\d+)">', listing)) == sorted(str(i) for i in history.values())


def test_filters_narrow_the_figures_and_travel_with_the_links(client, login, history) -> None:
    login(client, "alex")
    page = client.get("/control/funnel?from=2026-12-01&to=2026-12-31").get_data(as_text=True)
    assert _funnel_numbers(page, "Qualification") == (2, 1, 0, 0, 1, 0)
    assert 'data-stage="Contract"' not in page
    _, link = _cells(page, "stage", "Qualification")["advanced"]
    assert "from=2026-12-01" in link and "to=2026-12-31" in link
    listing = client.get(link).get_data(as_text=True)
    assert re.findall(r'<tr data-cycle="(\d+)">', listing) == [str(history["open"])]
    page = client.get("/control/funnel?regulation=follow_up").get_data(as_text=True)
    assert _funnel_numbers(page, "Qualification") == (1, 0, 0, 0, 1, 0)
    wrong = client.get("/control/funnel?from=soon&segment=Retail")
    assert wrong.status_code == 422
    assert "must be a date like 2026-11-30" in wrong.get_data(as_text=True)


def test_the_figures_download_as_csv(client, login, history) -> None:
    login(client, "alex")
    response = client.get("/control/funnel.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["stage", *PARTS]
    assert {r[0]: tuple(int(x) for x in r[1:]) for r in rows[1:]} == FUNNEL
    rows = list(csv.DictReader(io.StringIO(client.get("/control/cohorts.csv?from=2026-12-01")
                                           .get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["month"], r["started"], r["open"], r["open_share"]) for r in rows] == [("2026-12", "2", "1", "0.5000")]


def test_the_event_log_downloads_from_the_page(client, login, history) -> None:
    login(client, "alex")
    page = client.get("/control/funnel").get_data(as_text=True)
    links = [html.unescape(x) for x in re.findall(r'href="(/control/event-log[^"]*)"', page)]
    assert len(links) == 4
    xes = client.get(next(x for x in links if "format=xes" in x))
    assert xes.get_data(as_text=True).startswith("<?xml") and "attachment" in xes.headers["Content-Disposition"]
    ocel = json.loads(client.get(next(x for x in links if "format=ocel-json" in x)).get_data(as_text=True))
    assert {o["id"] for o in ocel["objects"] if o["type"] == "cycle"} == {f"cycle-{i}" for i in history.values()}


def test_a_manager_in_russian_sees_only_his_own_cycles(client, login, history) -> None:
    login(client, "boris")
    page = client.get("/control/funnel").get_data(as_text=True)
    assert "Воронка по этапам" in page and "Конверсия когорт" in page and "Вход в этап" in page
    assert "Проиграны на этапе" in page and "Отменены или перенесены" in page
    assert _funnel_numbers(page, "Qualification") == (2, 0, 1, 0, 1, 0)
    assert 'data-stage="Presentation"' not in page
    assert 'href="/control/funnel"' not in page.split("</nav>")[0], "the navigation link is for heads and analysts"
    assert client.get("/control/funnel?manager=anna").status_code == 403


def test_the_api_gives_every_figure_and_the_event_log(api, history) -> None:
    result = api("alex").get("/api/v1/control/funnel").get_json()
    assert {r["stage"]: tuple(r[p] for p in PARTS) for r in result["stages"]} == FUNNEL
    assert result["definition"] == funnel_rules.FUNNEL_DEFINITION
    anna = api("anna").get("/api/v1/control/funnel?to=2026-11-30").get_json()
    assert {r["stage"]: r["entered"] for r in anna["stages"]} == {
        "Qualification": 2, "Presentation": 2, "Proposal": 1, "Negotiation": 2, "Contract": 2, "Payment": 1}
    cohorts = api("head").get("/api/v1/control/cohorts").get_json()
    assert [(c["month"], c["started"], c["won"]) for c in cohorts["cohorts"]] == [("2026-11", 3, 1), ("2026-12", 2, 0)]
    drill = api("alex").get("/api/v1/control/funnel/cycles?stage=Payment&part=advanced").get_json()
    assert [c["cycle_id"] for c in drill["cycles"]] == [history["won"]]
    drill = api("alex").get("/api/v1/control/cohorts/cycles?month=2026-12&part=cancelled").get_json()
    assert [c["cycle_id"] for c in drill["cycles"]] == [history["ended"]]
    wrong = api("alex").get("/api/v1/control/funnel?version=3")
    assert wrong.status_code == 422 and wrong.get_json()["details"]["fields"] == {
        "version": "needs the regulation it is a version of"}
    response = api("boris").get("/api/v1/event-log?format=csv")
    assert response.status_code == 200 and response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["case_id"] for r in rows} == {str(history["refused"]), str(history["ended"])}
    assert api("alex").get("/api/v1/event-log?format=pdf").status_code == 422


def test_person_figures_switched_off(platform: Reglament, api, client, login, history) -> None:
    platform.settings = replace(platform.settings, person_figures=False)
    refused: Any = api("head").get("/api/v1/control/funnel?manager=anna")
    assert refused.status_code == 403 and "switched off" in refused.get_json()["message"]
    assert api("head").get("/api/v1/control/funnel").status_code == 200
    login(client, "head")
    page = client.get("/control/funnel").get_data(as_text=True)
    assert 'name="manager"' not in page and "Figures of single people are switched off" in page
    xes = client.get("/control/event-log?format=xes").get_data(as_text=True)
    assert "org:resource" not in xes
