"""The organisation pages (segments, teams, absences, hand-over, distribution) and their API."""
from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from engine.platform.root import Reglament
from storage import keys
from storage.models import Client
from storage.repositories import accounts as accounts_repo


def text(response: Any) -> str:
    """<main> as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    page = response.get_data(as_text=True)
    page = page[page.index("<main>"):page.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def org(platform: Reglament, actors) -> dict[str, int]:
    """The demo segments (every test starts with them, no rules, no team) by name."""
    return {x.name: x.id for x in platform.organization.segment_list(actors["head"])}


@pytest.fixture
def head(client, login, org):
    assert login(client, "head").status_code == 302
    return client


def add_leads(platform: Reglament, *names: str, industry: str = "retail") -> list[int]:
    with platform.command() as s:
        rows = [Client(name=n, name_key=keys.name_key(n), industry=industry) for n in names]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def retail_team(platform: Reglament, actors, org, strategy: str = "round_robin") -> dict[str, Any]:
    team = platform.organization.save_team(actors["head"], None, "Retail team", strategy, [{"login": "anna"}, {"login": "boris"}])
    platform.organization.save_segment(actors["head"], org["Retail"], "Retail",
                          [{"field": "industry", "op": "in", "value": ["retail", "food"]}], team.id)
    return team


# ---------------------------------------------------------------- segments

def test_the_head_sees_segments_in_order_and_the_nav_link(head) -> None:
    response = head.get("/segments")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/segments"' in page and ">Organization<" in page
    rows = re.findall(r'data-segment="([^"]+)"', page)
    assert rows == ["Retail", "Manufacturing", "Public sector"]


def test_the_head_writes_segment_rules_as_rows(head, platform, actors, org) -> None:
    team = platform.organization.save_team(actors["head"], None, "Retail team", "round_robin", [{"login": "anna"}])
    response = head.post("/segments", data={
        "id": org["Retail"], "name": "Retail", "team_id": team.id,
        "rule-1-field": "industry", "rule-1-op": "in", "rule-1-value": "Retail, food",
        "rule-2-field": "region", "rule-2-op": "starts_with", "rule-2-value": "Mos",
        "rule-3-field": "", "rule-3-op": "equals", "rule-3-value": ""})
    assert response.status_code == 302
    [retail] = [s for s in platform.organization.segment_list(actors["head"]) if s.name == "Retail"]
    assert (retail.rules, retail.team) == (({"field": "industry", "op": "in", "value": ["Retail", "food"]},
                                            {"field": "region", "op": "starts_with", "value": "Mos"}),
                                           "Retail team")
    page = text(head.get("/segments"))
    assert "Industry is one of Retail, food and Region starts with Mos Retail team" in page


def test_a_segment_form_shows_each_problem_at_its_field(head, org) -> None:
    response = head.post("/segments", data={
        "name": "Manufacturing",
        "rule-1-field": "colour", "rule-1-op": "equals", "rule-1-value": "red",
        "rule-2-field": "industry", "rule-2-op": "in", "rule-2-value": " , "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "a segment named &#39;Manufacturing&#39; exists already" in page
    row1 = re.search(r'name="rule-1-field".*?</tr>', page, re.S).group(0)
    assert "unknown field &#39;colour&#39;" in row1
    row2 = re.search(r'name="rule-2-field".*?</tr>', page, re.S).group(0)
    assert "industry: give at least one value" in row2
    assert 'value="colour" selected' in row1, "what was typed is kept"


def test_segments_move_up_and_down(head, platform, actors, org) -> None:
    assert head.post(f"/segments/{org['Public sector']}/move", data={"direction": "up"}).status_code == 302
    assert [s.name for s in platform.organization.segment_list(actors["head"])] == ["Retail", "Public sector", "Manufacturing"]


def test_a_segment_with_clients_is_not_deleted(head, platform, actors, org) -> None:
    platform.clients.create_client(actors["anna"], "Acme", "Retail")
    response = head.post(f"/segments/{org['Retail']}/delete", follow_redirects=True)
    assert "The segment still has 1 clients" in text(response)
    assert "Retail" in [s.name for s in platform.organization.segment_list(actors["head"])]


# ---------------------------------------------------------------- teams

def test_the_head_builds_a_team_with_shares_and_caps(head, platform, actors) -> None:
    response = head.post("/teams", data={
        "name": "Retail team", "strategy": "weighted",
        "member-1-login": "anna", "member-1-share": "3", "member-1-cap": "",
        "member-2-login": "boris", "member-2-share": "1", "member-2-cap": "40",
        "member-3-login": "", "member-3-share": "", "member-3-cap": ""})
    assert response.status_code == 302
    [team] = platform.organization.team_list(actors["head"])
    assert [(m.login, m.share, m.cap) for m in team.members] == [("anna", 3, None), ("boris", 1, 40)]
    page = text(head.get("/teams"))
    assert "Retail team Weighted by share" in page
    assert "Boris Ivanov (boris) share 1 cap 40" in page


def test_a_team_form_shows_member_errors_in_their_rows(head) -> None:
    response = head.post("/teams", data={"name": "", "strategy": "round_robin",
                                         "member-1-login": "anna", "member-1-share": "zero",
                                         "member-2-login": "anna"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="team-name"[^>]*>\s*<p class="error-text" role="alert">is required', page)
    row1 = re.search(r'name="member-1-login".*?</tr>', page, re.S).group(0)
    assert "must be a whole number from 1 to 100" in row1
    row2 = re.search(r'name="member-2-login".*?</tr>', page, re.S).group(0)
    assert "anna is in the team twice" in row2


# ---------------------------------------------------------------- permissions

@pytest.mark.parametrize("path", ["/segments", "/teams", "/handover", "/distribution"])
def test_managers_get_403_on_the_heads_pages(client, login, org, path) -> None:
    login(client, "anna")
    assert client.get(path).status_code == 403
    assert client.post(path, data={"name": "x"}).status_code == 403


def test_the_analyst_reads_but_gets_no_forms(client, login, org) -> None:
    login(client, "alex")
    for path in ("/segments", "/teams", "/handover", "/distribution"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert 'method="post"' not in page.split("<main>")[1], f"{path} offers a form to the analyst"
    assert client.post("/segments", data={"name": "Mine"}).status_code == 403
    assert client.post("/distribution").status_code == 403


# ---------------------------------------------------------------- absences

def test_the_head_enters_an_absence_for_a_manager(head, platform, actors) -> None:
    response = head.post("/absences", data={"login": "boris", "kind": "vacation", "starts_on": "2026-12-01",
                                            "ends_on": "2026-12-10", "note": "Sochi"})
    assert response.status_code == 302
    assert "Boris Ivanov Vacation 2026-12-01 2026-12-10 Sochi" in text(head.get("/absences"))


def test_an_absence_form_reports_days_out_of_order(head) -> None:
    response = head.post("/absences", data={"login": "boris", "kind": "vacation", "starts_on": "2026-12-10",
                                            "ends_on": "2026-12-01"})
    assert response.status_code == 422
    assert re.search(r'id="ab-ends".*?must be on or after the first day', response.get_data(as_text=True), re.S)


def test_a_manager_enters_only_his_own_absence(client, login, platform, actors) -> None:
    platform.organization.add_absence(actors["head"], "boris", "vacation", "2026-12-01", "2026-12-10")
    login(client, "anna")
    page = client.get("/absences")
    assert page.status_code == 200
    assert 'id="ab-login"' not in page.get_data(as_text=True), "no choice of person"
    assert "Boris" not in text(page), "others' absences are not shown"
    assert ">Absences<" in page.get_data(as_text=True), "the nav leads managers here"
    assert client.post("/absences", data={"kind": "sick", "starts_on": "2026-11-27",
                                          "ends_on": "2026-11-27", "login": "anna"}).status_code == 302
    assert "Anna Smirnova Sick leave 2026-11-27 2026-11-27" in text(client.get("/absences"))
    assert client.post("/absences", data={"kind": "sick", "starts_on": "2026-11-27",
                                          "ends_on": "2026-11-27", "login": "boris"}).status_code == 403


# ---------------------------------------------------------------- hand-over

def test_the_head_hands_a_portfolio_over_for_a_period(head, platform, actors, clock) -> None:
    for name in ("Alfa", "Beta"):
        platform.clients.create_client(actors["anna"], name)
    page = head.get("/handover?from=anna")
    assert page.status_code == 200
    assert "All 2 clients" in text(page) and "Alfa" in text(page) and "Beta" in text(page)
    response = head.post("/handover?from=anna", data={"from": "anna", "to": "boris", "scope": "all",
                                                      "period": "until", "returns_at": "2026-12-10T09:00",
                                                      "reason": "vacation"})
    assert response.status_code == 302
    listed = text(head.get("/handover"))
    assert "2 clients handed over from Anna Smirnova to Boris Ivanov." in listed
    assert "Anna Smirnova Boris Ivanov 2 — Alfa, Beta until" in listed
    assert "Return now" in listed
    assert [c.name for c in platform.organization.portfolio(actors["head"], "boris")] == ["Alfa", "Beta"]


def test_the_hand_over_form_shows_field_errors(head, platform, actors) -> None:
    alfa = platform.clients.create_client(actors["anna"], "Alfa")
    response = head.post("/handover?from=anna", data={"from": "anna", "to": "", "scope": "selected",
                                                      "period": "until", "returns_at": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "give the date and time the clients come back" in page
    response = head.post("/handover?from=anna", data={"from": "anna", "to": "", "scope": "selected",
                                                      "period": "good"})
    page = response.get_data(as_text=True)
    assert re.search(r'id="ho-to".*?is required', page, re.S)
    assert "choose at least one client" in page
    assert platform.organization.portfolio(actors["head"], "anna")[0].id == alfa.id, "nothing moved"


# ---------------------------------------------------------------- distribution

def test_the_head_distributes_unowned_clients_and_reads_the_reasons(head, platform, actors, org) -> None:
    add_leads(platform, "Shop One", "Shop Two")
    add_leads(platform, "Rocket Co", industry="aerospace")
    retail_team(platform, actors, org)
    platform.organization.add_absence(actors["head"], "anna", "vacation", "2026-11-20", "2026-12-03")
    page = head.get("/distribution")
    assert "3 clients have no manager" in text(page)
    response = head.post("/distribution")
    assert response.status_code == 200
    shown = text(response)
    assert ("Shop One boris segment Retail (by its rules), team Retail team, round robin: boris; "
            "skipped anna (vacation until 3 Dec)") in shown
    assert "Rocket Co nobody no segment's rules match the client; left for manual distribution" in shown
    assert "1 client has no manager" in shown


def test_api_distribute_answers_with_the_decisions(api, platform, actors, org) -> None:
    ids = add_leads(platform, "Shop One", "Shop Two", "Shop Three")
    retail_team(platform, actors, org)
    response = api("head").post("/api/v1/clients/distribute", json={"client_ids": ids[:2]})
    assert response.status_code == 200, response.get_data(as_text=True)
    decisions = response.get_json()["decisions"]
    assert [(d["client"], d["owner"]) for d in decisions] == [("Shop One", "anna"), ("Shop Two", "boris")]
    assert decisions[0]["reason"] == "segment Retail (by its rules), team Retail team, round robin: anna"
    assert decisions[1]["data"]["strategy"] == "round_robin"
    rest = api("head").post("/api/v1/clients/distribute")
    assert [(d["client"], d["owner"]) for d in rest.get_json()["decisions"]] == [("Shop Three", "anna")]


@pytest.mark.parametrize("who, body, status, code", [
    ("anna", {}, 403, "forbidden"),
    ("alex", {}, 403, "forbidden"),
    ("head", {"client_ids": "all"}, 422, "invalid"),
    ("head", {"client_ids": [999999]}, 404, "not_found"),
])
def test_api_distribute_refusals(api, org, who, body, status, code) -> None:
    response = api(who).post("/api/v1/clients/distribute", json=body)
    assert response.status_code == status
    assert response.get_json()["error"] == code


def test_api_hand_over_moves_clients_until_a_time(api, platform, actors) -> None:
    alfa = platform.clients.create_client(actors["anna"], "Alfa")
    platform.clients.create_client(actors["anna"], "Beta")
    response = api("head").post("/api/v1/handover", json={
        "from": "anna", "to": "boris", "client_ids": [alfa.id], "returns_at": "2026-12-10T09:00:00+00:00",
        "reason": "vacation"})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["status"], body["client_ids"], body["returns_at"]) == ("temporary", [alfa.id],
                                                                        "2026-12-10T09:00:00+00:00")
    assert [c.name for c in platform.organization.portfolio(actors["head"], "boris")] == ["Alfa"]


@pytest.mark.parametrize("who, body, status, fields", [
    ("anna", {"from": "anna", "to": "boris"}, 403, None),
    ("head", {"from": "anna", "to": "boris", "returns_at": "2020-01-01T00:00:00Z"}, 422,
     {"returns_at": "must be in the future"}),
    ("head", {"from": "anna", "to": "boris", "client_ids": "all"}, 422, {"client_ids": "must be a list of integers"}),
    ("head", {"from": "anna", "to": "boris", "returns_at": "next week"}, 422,
     {"returns_at": "is not an ISO-8601 date and time"}),
])
def test_api_hand_over_refusals(api, platform, actors, who, body, status, fields) -> None:
    platform.clients.create_client(actors["anna"], "Alfa")
    response = api(who).post("/api/v1/handover", json=body)
    assert response.status_code == status, response.get_data(as_text=True)
    if fields is not None:
        assert response.get_json()["details"]["fields"] == fields
    with platform.query() as s:
        assert s.scalar(select(Client.owner_id).where(Client.name == "Alfa")) == accounts_repo.user_by_login(s, "anna").id
