"""Deal amounts on the lists and files on the cycle and the client (issue 16): the amount a cycle
carries shows on the cycles explorer, the client's cycles, the inbox and the cycle page, written
the user's way; files sent in task forms are listed on the cycle and the client and download as
attachments only for whoever may see that work."""
from __future__ import annotations

import re
from html import unescape
from io import BytesIO
from typing import Any

import pytest

from engine.platform.root import Reglament

RU_AMOUNT = "250[\xa0\u202f ]000,50 RUB"


def _id(value: Any) -> int:
    return int(value["id"] if isinstance(value, dict) else value.id)


def _text(response: Any) -> str:
    page = response.get_data(as_text=True)
    main = page[page.index("<main>"):page.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def _task(platform: Reglament, actor, cycle_id: int, element_id: str) -> str:
    [task] = [t for t, _ in platform.regulation.inbox(actor, cycle_id=cycle_id) if t.element_id == element_id]
    return str(task.id)


@pytest.fixture
def proposed(client, login, platform: Reglament, actors) -> tuple[int, int]:
    """anna's client Acme whose cycle recorded 250 000,50 and a proposal file: (client, cycle)."""
    anna, pavel = actors["anna"], actors["pavel"]
    client_id = _id(platform.clients.create_client(anna, "Acme"))
    cycle_id = _id(platform.regulation.start_cycle(anna, client_id, "new_client_sale"))
    platform.regulation.complete_task(anna, _task(platform, anna, cycle_id, "Task_QualificationCall"),
                                      {"contact_person": "Maria", "result": "qualified"})
    platform.regulation.complete_task(pavel, _task(platform, pavel, cycle_id, "Task_PrepareDemo"),
                                      {"demo_date": "2026-12-10"})
    platform.regulation.complete_task(anna, _task(platform, anna, cycle_id, "Task_Presentation"),
                                      {"result": "interested"})
    assert login(client, "anna").status_code == 302
    sent = client.post(f"/tasks/{_task(platform, anna, cycle_id, 'Task_Proposal')}", data={
        "amount": "250 000,50", "discount_pct": "5",
        "proposal_file": (BytesIO(b"%PDF-1.4 offer"), "Offer.pdf")}, content_type="multipart/form-data")
    assert sent.status_code == 302
    client.get("/logout")
    return client_id, cycle_id


def test_the_deal_amount_shows_on_the_lists_and_the_cycle(client, login, proposed) -> None:
    client_id, cycle_id = proposed
    assert login(client, "anna").status_code == 302
    explorer = _text(client.get("/cycles"))
    assert re.search(rf"{cycle_id} Acme .*250,000\.50 RUB", explorer)
    assert "Deal amount" in explorer
    inbox = client.get("/inbox").get_data(as_text=True)
    row = re.search(r'<tr[^>]*data-task-id="[^"]+">.*?Negotiate terms.*?</tr>', inbox, re.S)
    assert row and "250,000.50 RUB" in row.group(0), "the negotiation task's row carries its deal"
    client_page = _text(client.get(f"/clients/{client_id}"))
    assert re.search(rf"{cycle_id} .* 250,000\.50 RUB", client_page)
    assert "Deal amount: 250,000.50 RUB" in _text(client.get(f"/cycles/{cycle_id}"))


def test_in_russian_the_amount_is_written_the_russian_way(client, login, platform, actors, profiles,
                                                          proposed) -> None:
    client_id, cycle_id = proposed
    platform.accounts.set_locale(actors["anna"], "ru")
    assert login(client, "anna").status_code == 302
    for path in ("/cycles", "/inbox", f"/clients/{client_id}", f"/cycles/{cycle_id}"):
        page = client.get(path).get_data(as_text=True)
        assert re.search(RU_AMOUNT, page), path
        assert "Сумма сделки" in page, path


def test_files_are_listed_on_the_cycle_and_the_client_and_download_as_attachments(client, login, proposed) -> None:
    client_id, cycle_id = proposed
    assert login(client, "anna").status_code == 302
    cycle_text = _text(client.get(f"/cycles/{cycle_id}"))
    assert "Offer.pdf 14 bytes Anna Smirnova 11/26/26, 9:00 AM Send commercial proposal" in cycle_text
    client_page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    link = re.search(r'href="(/files/\d+)" download>Offer.pdf</a>', client_page)
    assert link, "the client page lists the file with a download link"
    assert f'href="/cycles/{cycle_id}">#{cycle_id}</a>' in client_page, "and the cycle it was sent in"
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.data == b"%PDF-1.4 offer"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    client.get("/logout")

    # boris manages other clients: neither the pages nor the file are his to see
    assert login(client, "boris").status_code == 302
    assert client.get(f"/clients/{client_id}").status_code in (403, 404)
    assert client.get(f"/cycles/{cycle_id}").status_code in (403, 404)
    assert client.get(link.group(1)).status_code in (403, 404)
    client.get("/logout")
    assert login(client, "head").status_code == 302
    assert "Offer.pdf" in client.get(f"/clients/{client_id}").get_data(as_text=True)


def test_a_cycle_without_files_says_so(client, login, platform, actors) -> None:
    anna = actors["anna"]
    cycle_id = _id(platform.regulation.start_cycle(anna, _id(platform.clients.create_client(anna, "Bare")),
                                                   "new_client_sale"))
    assert login(client, "anna").status_code == 302
    assert "No files yet" in _text(client.get(f"/cycles/{cycle_id}"))


def test_the_cycle_history_reads_as_the_forms_labelled_it(client, login, proposed) -> None:
    _, cycle_id = proposed
    assert login(client, "anna").status_code == 302
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    history = _text_of(page[page.index('id="history"'):])
    assert "Deal amount: 250,000.50 RUB" in history and "Discount, %: 5" in history
    assert "Result: Client is interested" in history, "an option shows by its name, not its id"
    assert not re.search(r"(?<!Deal )amount:", history) and "result: interested" not in history
    assert re.search(r'<b>Proposal document</b>: <a href="/files/\d+" download>Offer.pdf</a>', page)
    # what the platform records reads the same way: who, which departments, due to the minute
    assert "Responsible: anna" in history
    assert "assignee" not in history and "candidate_groups" not in history
    assert not re.search(r"\d\d:\d\d:\d\d", history), "no seconds, microseconds or raw ISO times"


def _text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html[:html.index("</table>")])).split()).replace(" :", ":")


def test_the_api_lists_carry_the_deal_amount_and_the_files(api, proposed) -> None:
    client_id, cycle_id = proposed
    anna = api("anna")
    [row] = anna.get(f"/api/v1/cycles?client_id={client_id}").get_json()["cycles"]
    assert row["id"] == cycle_id and row["amount"] == "250000.50"
    [task] = anna.get(f"/api/v1/tasks?cycle_id={cycle_id}").get_json()
    assert task["name"] == "Negotiate terms" and task["amount"] == "250000.50"
    [sent] = anna.get(f"/api/v1/cycles/{cycle_id}/files").get_json()["files"]
    assert (sent["name"], sent["size"], sent["uploaded_by"], sent["uploaded_by_name"], sent["task"]) == (
        "Offer.pdf", 14, "anna", "Anna Smirnova", "Send commercial proposal")
    assert anna.get(f"/api/v1/clients/{client_id}/files").get_json()["files"] == [sent]
    boris = api("boris")
    assert boris.get(f"/api/v1/cycles/{cycle_id}/files").status_code in (403, 404)
    assert boris.get(f"/api/v1/clients/{client_id}/files").status_code in (403, 404)
    assert boris.get(f"/api/v1/files/{sent['id']}").status_code in (403, 404)
