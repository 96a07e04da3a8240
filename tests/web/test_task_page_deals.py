"""The deal board page and API (issue 16): columns by stage with amounts written the user's way."""
from __future__ import annotations

import re
from html import unescape

from engine.platform.root import Reglament


def _start_and_propose(platform: Reglament, actors, owner: str, name: str, amount: str) -> int:
    seller, pavel = actors[owner], actors["pavel"]
    client = platform.clients.create_client(seller, name)
    cycle = platform.regulation.start_cycle(seller, client.id, "new_client_sale")

    def done(who, element: str, values: dict) -> None:
        [task] = [t for t, _ in platform.regulation.inbox(who, cycle_id=cycle.id) if t.element_id == element]
        platform.regulation.complete_task(who, task.id, values)

    done(seller, "Task_QualificationCall", {"contact_person": "M", "result": "qualified"})
    done(pavel, "Task_PrepareDemo", {"demo_date": "2026-12-10"})
    done(seller, "Task_Presentation", {"result": "interested"})
    done(seller, "Task_Proposal", {"amount": amount})
    return int(cycle.id)


def _text(response) -> str:
    page = response.get_data(as_text=True)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page[page.index("<main>"):page.index("</main>")])).split())


def test_the_board_shows_stages_amounts_and_totals(client, login, platform, actors) -> None:
    _start_and_propose(platform, actors, "anna", "Acme", "250 000,50")
    _start_and_propose(platform, actors, "boris", "Delta", "1000")
    assert login(client, "anna").status_code == 302
    response = client.get("/deals")
    assert response.status_code == 200
    text = _text(response)
    assert "Deals of anna" in text and "Total: 250,000.50 RUB" in text
    assert "Negotiation 1 250,000.50 RUB Acme 250,000.50 RUB" in text and "Delta" not in text
    client.get("/logout")
    assert login(client, "head").status_code == 302
    text = _text(client.get("/deals"))
    assert "Every manager’s deals" in text and "Total: 251,000.50 RUB" in text and "Delta" in text
    assert "Delta" not in _text(client.get("/deals?owner=anna"))


def test_the_board_in_russian(client, login, platform, actors, profiles) -> None:
    _start_and_propose(platform, actors, "boris", "Дельта", "1 500 000,50")
    assert login(client, "boris").status_code == 302  # boris works in Russian
    response = client.get("/deals")
    text = _text(response)
    assert "Итого: " in text and "Без этапа" not in text
    assert re.search("1[\\xa0\\u202f ]500[\\xa0\\u202f ]000,50 RUB", response.get_data(as_text=True))
    assert "Сделки: boris" in text


def test_the_board_api(api, platform, actors) -> None:
    _start_and_propose(platform, actors, "anna", "Acme", "250 000,50")
    body = api("anna").get("/api/v1/deals").get_json()
    assert body["total"] == "250000.50" and body["owner"] == "anna"
    negotiation = next(s for s in body["stages"] if s["stage"] == "Negotiation")
    assert negotiation["total"] == "250000.50" and negotiation["deals"][0]["client_name"] == "Acme"
    refused = api("anna").get("/api/v1/deals?owner=boris")
    assert refused.status_code == 422
    assert api("head").get("/api/v1/deals?owner=boris").get_json()["count"] == 0
