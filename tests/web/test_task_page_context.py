"""The task page in daily work (issue 16): the client card and the earlier steps beside the form,
amounts in the user's way of writing them, a reason required when refusing, files as links."""
from __future__ import annotations

import re
from html import unescape
from io import BytesIO
from typing import Any

import pytest

from engine.platform.root import Reglament


def _text(response: Any) -> str:
    page = response.get_data(as_text=True)
    main = page[page.index("<main>"):page.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def _task(platform: Reglament, actor, cycle_id: int, element_id: str) -> str:
    [task] = [t for t, _ in platform.regulation.inbox(actor, cycle_id=cycle_id) if t.element_id == element_id]
    return task.id


@pytest.fixture
def qualified(platform: Reglament, actors) -> int:
    anna = actors["anna"]
    client = platform.clients.create_client(anna, "Acme", contact={
        "name": "Maria Ivanova", "position": "CFO", "phone": "+7 916 123-45-67", "email": "maria@acme.example"})
    cycle = platform.regulation.start_cycle(anna, client.id, "new_client_sale")
    platform.regulation.complete_task(anna, _task(platform, anna, cycle.id, "Task_QualificationCall"), {
        "contact_person": "Maria Ivanova", "budget": "1 500 000,50", "need": "CRM for 40 sellers",
        "result": "qualified"})
    return int(cycle.id)


def test_presales_sees_the_client_card_and_what_the_call_recorded(client, login, platform, actors,
                                                                 qualified: int) -> None:
    assert login(client, "pavel").status_code == 302
    response = client.get(f"/tasks/{_task(platform, actors['pavel'], qualified, 'Task_PrepareDemo')}")
    assert response.status_code == 200
    text = _text(response)
    assert "Recorded earlier in this cycle" in text and "Qualification call" in text
    assert "Budget 1,500,000.50 RUB" in text and "Need CRM for 40 sellers" in text and "Result Qualified" in text
    assert "Maria Ivanova , CFO" in text
    page = response.get_data(as_text=True)
    assert '<a href="tel:+7 916 123-45-67"' in page and '<a href="mailto:maria@acme.example">' in page


def test_in_russian_amounts_are_written_the_russian_way(client, login, platform, actors, profiles,
                                                        qualified: int) -> None:
    platform.accounts.set_locale(actors["pavel"], "ru")
    assert login(client, "pavel").status_code == 302
    response = client.get(f"/tasks/{_task(platform, actors['pavel'], qualified, 'Task_PrepareDemo')}")
    assert re.search("1[\xa0\u202f ]500[\xa0\u202f ]000,50 RUB", response.get_data(as_text=True))
    text = _text(response)
    assert "Записано на прошлых шагах" in text and "Контактные лица" in text


def test_refusing_without_a_reason_comes_back_naming_the_field(client, login, platform, actors, profiles) -> None:
    anna = platform.accounts.update_profile(actors["anna"], None, "Europe/Moscow", "en")
    found = platform.clients.create_client(anna, "Beta")
    cycle = platform.regulation.start_cycle(anna, found.id, "new_client_sale")
    assert login(client, "anna").status_code == 302
    task_id = _task(platform, anna, cycle.id, "Task_QualificationCall")
    response = client.post(f"/tasks/{task_id}", data={"contact_person": "Ivan", "result": "refused",
                                                      "loss_reason": ""})
    assert response.status_code == 422
    assert "is required when “Result” is “Client refused”" in response.get_data(as_text=True)
    assert "Planned for (Europe/Moscow)" in _text(response), "a planned time is typed in the user's zone"
    assert platform.regulation.cycle(anna, cycle.id).status == "active"


def test_a_file_sent_with_the_proposal_is_a_link_on_the_next_step(client, login, platform, actors,
                                                                  qualified: int) -> None:
    anna, pavel = actors["anna"], actors["pavel"]
    platform.regulation.complete_task(pavel, _task(platform, pavel, qualified, "Task_PrepareDemo"),
                                      {"demo_date": "2026-12-10"})
    platform.regulation.complete_task(anna, _task(platform, anna, qualified, "Task_Presentation"),
                                      {"result": "interested"})
    assert login(client, "anna").status_code == 302
    proposal = _task(platform, anna, qualified, "Task_Proposal")
    page = client.get(f"/tasks/{proposal}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    refused = client.post(f"/tasks/{proposal}", data={
        "amount": "250 000,50", "discount_pct": "5",
        "proposal_file": (BytesIO(b"MZ"), "offer.exe")}, content_type="multipart/form-data")
    assert refused.status_code == 422 and "must be a file of type .pdf" in refused.get_data(as_text=True)
    done = client.post(f"/tasks/{proposal}", data={
        "amount": "250 000,50", "discount_pct": "5",
        "proposal_file": (BytesIO(b"%PDF-1.4 offer"), "Предложение.pdf")}, content_type="multipart/form-data")
    assert done.status_code == 302
    negotiation = client.get(f"/tasks/{_task(platform, anna, qualified, 'Task_Negotiation')}")
    text = _text(negotiation)
    assert "Deal amount 250,000.50 RUB" in text and "Proposal document Предложение.pdf (14 bytes)" in text
    link = re.search(r'href="(/files/\d+)">Предложение.pdf', negotiation.get_data(as_text=True))
    assert link
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.data == b"%PDF-1.4 offer"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.mimetype == "application/pdf"
    client.get("/logout")
    assert login(client, "boris").status_code == 302
    assert client.get(link.group(1)).status_code == 403


def test_the_task_api_gives_the_same_context_and_money_as_people_type_it(api, platform, actors,
                                                                         qualified: int) -> None:
    pavel = api("pavel")
    demo = _task(platform, actors["pavel"], qualified, "Task_PrepareDemo")
    context = pavel.get(f"/api/v1/tasks/{demo}/context")
    assert context.status_code == 200
    body = context.get_json()
    assert body["client"]["name"] == "Acme" and body["client"]["contacts"][0]["phone"] == "+7 916 123-45-67"
    [step] = body["steps"]
    assert [(v["label"], v["value"]) for v in step["values"]] == [
        ("Contact person", "Maria Ivanova"), ("Budget", "1500000.50"), ("Need", "CRM for 40 sellers"),
        ("Result", "Qualified")]
    assert api("boris").get(f"/api/v1/tasks/{demo}/context").status_code == 403
    anna = api("anna")
    refused = anna.post(f"/api/v1/tasks/{demo}/complete", json={"variables": {"demo_date": "2026-12-10"}})
    assert refused.status_code == 403  # presales' task, not anna's
    done = pavel.post(f"/api/v1/tasks/{demo}/complete", json={"variables": {"demo_date": "2026-12-10"}})
    assert done.status_code == 200
    presentation = _task(platform, actors["anna"], qualified, "Task_Presentation")
    lost = anna.post(f"/api/v1/tasks/{presentation}/complete", json={"variables": {"result": "refused"}})
    assert lost.status_code == 422
    assert lost.get_json()["details"]["codes"]["loss_reason"] == {
        "code": "required_if", "field": "Result", "value": "Client refused"}
