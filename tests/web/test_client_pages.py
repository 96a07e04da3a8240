"""Client pages and the client API: the list with search, filters and pages, a new client with
its first contact, the duplicate warning and "Create anyway", the client page with its
timeline, editing with field errors, contact persons, notes, merging; the API's CRUD."""
from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine.organization.views import NewClient
from engine.platform.root import Reglament

ALFA_TAX = "7707083893"


def main_text(response: Any) -> str:
    page = response.get_data(as_text=True)
    page = page[page.index("<main>"):page.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


def section(response: Any, element_id: str) -> str:
    page = response.get_data(as_text=True)
    found = re.search(r'<(\w+)[^>]*id="' + element_id + r'"[^>]*>.*?</\1>', page, re.S)
    assert found, f"no #{element_id}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


@pytest.fixture
def anna(client: FlaskClient, login) -> FlaskClient:
    login(client, "anna")
    return client


@pytest.fixture
def head(app, login) -> FlaskClient:
    browser = app.test_client()
    login(browser, "head")
    return browser


def alfa(platform: Reglament, actors, owner: str = "anna") -> NewClient:
    return platform.clients.create_client(actors["head"], "Alfa Retail", "Retail", owner, fields={
        "tax_id": ALFA_TAX, "industry": "retail", "region": "Moscow"}, contact={
        "name": "Maria Kuznetsova", "position": "Buyer", "phone": "+7 (916) 123-45-67", "email": "maria@alfa.example"})


# ---------------------------------------------------------------- the list

def test_the_list_searches_by_phone_as_written_and_filters(anna, platform, actors) -> None:
    alfa(platform, actors)
    platform.clients.create_client(actors["anna"], "Beta Foods", "Manufacturing", fields={"status": "customer"})
    page = anna.get("/clients?q=89161234567")
    assert page.status_code == 200
    assert "Alfa Retail" in section(page, "clients") and "Beta Foods" not in section(page, "clients")
    assert 'value="89161234567"' in page.get_data(as_text=True), "the search stays in the box"
    by_status = section(anna.get("/clients?status=customer"), "clients")
    assert "Beta Foods" in by_status and "Alfa Retail" not in by_status
    by_segment = section(anna.get("/clients?segment=Retail"), "clients")
    assert "Alfa Retail" in by_segment and "Beta Foods" not in by_segment
    assert "No clients found." in main_text(anna.get("/clients?q=nobody"))


def test_the_list_pages_by_fifty(anna, platform, actors) -> None:
    for i in range(1, 52):
        platform.clients.create_client(actors["anna"], f"Client {i:03d}")
    first = anna.get("/clients")
    assert "Client 050" in section(first, "clients") and "Client 051" not in section(first, "clients")
    assert 'href="/clients?page=2"' in first.get_data(as_text=True)
    second = anna.get("/clients?page=2")
    assert "Client 051" in section(second, "clients") and 'rel="prev"' in second.get_data(as_text=True)


def test_a_new_client_with_every_field_and_a_first_contact(anna, platform, actors) -> None:
    response = anna.post("/clients", data={
        "name": "Gamma Steel", "kind": "company", "tax_id": "7736050003", "industry": "steel", "region": "Ural",
        "size": "large", "segment": "Manufacturing", "source": "exhibition", "status": "lead",
        "contact_name": "Ivan Petrov", "contact_position": "CEO", "contact_phone": "+7 343 000 11 22",
        "contact_email": "ivan@gamma.example"})
    assert response.status_code == 302
    page = anna.get(response.headers["Location"])
    text = main_text(page)
    assert "Client “Gamma Steel” created." in text
    assert "7736050003" in section(page, "client-fields") and "Ural" in section(page, "client-fields")
    assert "Ivan Petrov" in section(page, "contact-persons") and "ivan@gamma.example" in section(page, "contact-persons")
    assert "Client created" in section(page, "client-timeline")


def test_bad_values_come_back_with_a_message_under_each_field(anna, platform, actors) -> None:
    response = anna.post("/clients", data={"name": "Gamma Steel", "tax_id": "7736050004",
                                           "contact_email": "ivan-at-gamma"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "its check digit does not match" in unescape(page) and "is not an e-mail address" in page
    assert 'value="Gamma Steel"' in page, "what was typed stays"
    assert platform.clients.clients(actors["head"]) == []


def test_a_possible_duplicate_is_shown_with_a_link_and_created_only_when_confirmed(anna, platform, actors) -> None:
    existing = alfa(platform, actors)
    data = {"name": "Alfa-Retail", "contact_phone": "8 916 123 45 67"}
    warned = anna.post("/clients", data=data)
    assert warned.status_code == 409
    box = section(warned, "duplicates")
    assert "This client may already exist" in box and "Alfa Retail" in box and "the same phone +7 (916) 123-45-67" in box
    assert f'href="/clients/{existing.id}"' in warned.get_data(as_text=True)
    assert 'name="create_anyway" value="1"' in warned.get_data(as_text=True)
    assert len(platform.clients.clients(actors["head"])) == 1
    created = anna.post("/clients", data=data | {"create_anyway": "1"})
    assert created.status_code == 302 and len(platform.clients.clients(actors["head"])) == 2


def test_a_duplicate_of_another_managers_client_is_shown_without_its_name_or_link(client, login, platform,
                                                                                 actors) -> None:
    existing = alfa(platform, actors)
    assert login(client, "boris").status_code == 302  # boris reads Russian
    warned = client.post("/clients", data={"name": "Alfa-Retail", "contact_phone": "8 916 123 45 67"})
    assert warned.status_code == 409
    box = section(warned, "duplicates")
    assert "клиент другого менеджера" in box and "8 916 123 45 67" in box and "Alfa" not in box
    assert f'href="/clients/{existing.id}"' not in warned.get_data(as_text=True)


def test_the_head_leaves_the_owner_empty_and_the_client_waits_for_distribution(head, platform, actors) -> None:
    response = head.post("/clients", data={"name": "Queue Ltd", "owner": ""})
    assert response.status_code == 302
    page = head.get(response.headers["Location"])
    assert "waits for the head of sales" in main_text(page)
    assert "Distributed" in section(page, "client-timeline")


# ---------------------------------------------------------------- a client

def test_the_client_page_edits_with_field_errors_and_shows_the_change(anna, platform, actors) -> None:
    client_id = alfa(platform, actors).id
    form = anna.get(f"/clients/{client_id}/edit")
    assert form.status_code == 200 and f'value="{ALFA_TAX}"' in form.get_data(as_text=True)
    bad = anna.post(f"/clients/{client_id}/edit", data={"name": "Alfa Retail", "kind": "person", "tax_id": ALFA_TAX,
                                                        "status": "lead", "region": "Tver"})
    assert bad.status_code == 422 and "a person’s tax id (INN) has 12 digits, not 10" in main_text(bad)
    good = anna.post(f"/clients/{client_id}/edit", data={"name": "Alfa Retail", "kind": "company",
                                                         "tax_id": ALFA_TAX, "status": "customer", "region": "Tver"})
    assert good.status_code == 302
    timeline = section(anna.get(f"/clients/{client_id}"), "client-timeline")
    assert "Client edited" in timeline and "Region : Moscow → Tver" in timeline
    assert "Status : Lead → Customer" in timeline


def test_contact_persons_and_notes_from_the_client_page(anna, platform, actors) -> None:
    client_id = alfa(platform, actors).id
    assert anna.post(f"/clients/{client_id}/contacts", data={"contact_position": "Driver"}).status_code == 422
    added = anna.post(f"/clients/{client_id}/contacts", data={"contact_name": "Oleg", "contact_phone": "+7 903 000 11 22"})
    assert added.status_code == 302 and added.headers["Location"].endswith("#people")
    person_id = platform.clients.client_card(actors["anna"], client_id).data.contacts[1].id
    anna.post(f"/contacts/{person_id}/edit", data={"name": "Oleg Ivanov", "position": "", "phone": "+7 903 000 11 22",
                                                   "email": ""})
    anna.post(f"/clients/{client_id}/notes", data={"text": "Decides in January"})
    page = anna.get(f"/clients/{client_id}")
    assert "Oleg Ivanov" in section(page, "contact-persons")
    assert "Decides in January" in section(page, "client-timeline")
    anna.post(f"/contacts/{person_id}/delete")
    assert "Oleg" not in section(anna.get(f"/clients/{client_id}"), "contact-persons")
    notes_only = anna.get(f"/clients/{client_id}?kinds=notes")
    assert "Decides in January" in section(notes_only, "client-timeline")
    assert "Contact person added" not in section(notes_only, "client-timeline")


def test_the_analyst_sees_no_edit_forms_and_is_refused_changes(client, login, platform, actors) -> None:
    client_id = alfa(platform, actors).id
    login(client, "alex")
    page = client.get(f"/clients/{client_id}")
    assert page.status_code == 200 and "Maria Kuznetsova" in section(page, "contact-persons")
    assert 'id="edit-client"' not in page.get_data(as_text=True) and 'id="add-note"' not in page.get_data(as_text=True)
    assert client.post(f"/clients/{client_id}/edit", data={"name": "Mine"}).status_code == 403
    assert client.post(f"/clients/{client_id}/notes", data={"text": "Hi"}).status_code == 403


def test_merging_from_the_compare_page_and_the_merged_client_redirects(head, platform, actors) -> None:
    a = alfa(platform, actors).id
    b = platform.clients.create_client(actors["head"], "Alfa Retail LLC", owner="anna",
                               fields={"industry": "retail", "size": "large"}).id
    page = head.get(f"/clients/{a}")
    assert "Possible duplicates" in main_text(page) and f"/clients/{a}/merge/{b}" in page.get_data(as_text=True)
    compare = head.get(f"/clients/{a}/merge/{b}")
    assert compare.status_code == 200
    table = section(compare, "merge-compare")
    assert "Alfa Retail LLC" in table and "Large" in table
    merged = head.post(f"/clients/{a}/merge/{b}", data={"keep": str(a)})
    assert merged.status_code == 302 and merged.headers["Location"].endswith(f"/clients/{a}")
    after = head.get(merged.headers["Location"])
    assert "Merged with another client" in section(after, "client-timeline")
    assert "Large" in section(after, "client-fields"), "the empty size was filled from the other"
    gone = head.get(f"/clients/{b}")
    assert gone.status_code == 302 and gone.headers["Location"].endswith(f"/clients/{a}")
    assert "Alfa Retail LLC" not in section(head.get("/clients"), "clients")


def test_a_manager_may_not_merge_another_managers_client(anna, platform, actors) -> None:
    mine = platform.clients.create_client(actors["anna"], "Mine").id
    theirs = platform.clients.create_client(actors["boris"], "Theirs").id
    assert anna.get(f"/clients/{mine}/merge/{theirs}").status_code == 403
    assert anna.post(f"/clients/{mine}/merge/{theirs}", data={"keep": str(mine)}).status_code == 403


# ---------------------------------------------------------------- the API

def test_api_client_crud(api, platform, actors) -> None:
    created = api("anna").post("/api/v1/clients", json={
        "name": "Api Ltd", "tax_id": ALFA_TAX, "industry": "retail", "size": "small",
        "contact": {"name": "Maria", "phone": "+7 916 123 45 67"}})
    assert created.status_code == 201
    body = created.get_json()
    assert (body["owner"], body["tax_id"], body["size"], body["status"]) == ("anna", ALFA_TAX, "small", "lead")
    client_id = body["id"]

    listed = api("anna").get("/api/v1/clients?q=916 123").get_json()
    assert [c["name"] for c in listed["clients"]] == ["Api Ltd"] and listed["has_next"] is False
    one = api("anna").get(f"/api/v1/clients/{client_id}").get_json()
    assert one["contacts"][0]["name"] == "Maria" and one["may_change"] is True

    patched = api("anna").open("PATCH", f"/api/v1/clients/{client_id}", json={"status": "inactive", "region": "Tver"})
    assert patched.status_code == 200 and patched.get_json()["status"] == "inactive"
    bad = api("anna").open("PATCH", f"/api/v1/clients/{client_id}", json={"tax_id": "123", "colour": "red"})
    assert bad.status_code == 422 and set(bad.get_json()["details"]["fields"]) == {"tax_id", "colour"}
    assert api("anna").open("DELETE", f"/api/v1/clients/{client_id}").status_code == 405

    person = api("anna").post(f"/api/v1/clients/{client_id}/contacts", json={"name": "Oleg", "email": "OLEG@api.example"})
    assert person.status_code == 201
    person_id = person.get_json()["id"]
    assert api("anna").open("PATCH", f"/api/v1/contacts/{person_id}", json={"position": "CFO"}).get_json()["position"] == "CFO"
    assert len(api("anna").get(f"/api/v1/clients/{client_id}/contacts").get_json()) == 2
    assert api("anna").open("DELETE", f"/api/v1/contacts/{person_id}").get_json() == {"status": "deleted", "client_id": client_id}

    note = api("anna").post(f"/api/v1/clients/{client_id}/notes", json={"text": "Budget in January"})
    assert note.status_code == 201 and note.get_json()["text"] == "Budget in January"
    timeline = api("anna").get(f"/api/v1/clients/{client_id}/timeline?kinds=notes,edits").get_json()
    assert [e["type"] for e in timeline["entries"]][:2] == ["note", "edited"] and timeline["next"] is None
    assert {e["kind"] for e in timeline["entries"]} == {"notes", "edits"}
    assert api("anna").get(f"/api/v1/clients/{client_id}/timeline?kinds=rumours").status_code == 422


def test_api_duplicates_are_409_until_create_anyway(api, platform, actors) -> None:
    existing = alfa(platform, actors)
    refused = api("boris").post("/api/v1/clients", json={"name": "Other", "tax_id": ALFA_TAX})
    assert refused.status_code == 409
    body = refused.get_json()
    (hidden,) = body["details"]["duplicates"]  # anna's client: boris learns it exists, not whose or which
    assert body["error"] == "duplicate_client" and (hidden["id"], hidden["name"], hidden["owner"]) == (
        None, "a client of another manager", None)
    assert "Alfa" not in refused.get_data(as_text=True)
    seen = api("head").post("/api/v1/clients", json={"name": "Other", "tax_id": ALFA_TAX}).get_json()
    assert seen["details"]["duplicates"][0]["id"] == existing.id
    assert api("boris").post("/api/v1/clients", json={"name": "Other", "tax_id": ALFA_TAX,
                                                      "create_anyway": "yes"}).status_code == 422
    assert api("boris").post("/api/v1/clients", json={"name": "Other", "tax_id": ALFA_TAX,
                                                      "create_anyway": True}).status_code == 201


def test_api_merge_and_permissions(api, platform, actors) -> None:
    a = alfa(platform, actors).id
    b = platform.clients.create_client(actors["head"], "Alfa 2", owner="anna").id
    assert api("alex").open("PATCH", f"/api/v1/clients/{a}", json={"region": "Tver"}).status_code == 403
    assert api("alex").post(f"/api/v1/clients/{a}/merge", json={"other_id": b}).status_code == 403
    assert api("boris").get(f"/api/v1/clients/{a}").status_code == 403
    merged = api("head").post(f"/api/v1/clients/{a}/merge", json={"other_id": b})
    assert merged.status_code == 200 and merged.get_json()["merged_id"] == b
    gone = api("head").get(f"/api/v1/clients/{b}")
    assert gone.status_code == 404 and gone.get_json()["error"] == "client_merged"
    assert gone.get_json()["details"]["merged_into_id"] == a
    assert api("head").post(f"/api/v1/clients/{a}/merge", json={"other_id": "b"}).status_code == 422


def test_a_manager_takes_a_client_from_the_queue_on_its_edit_page(anna, platform, actors) -> None:
    queued = platform.clients.create_client(actors["head"], "Queue Ltd").id
    form = anna.get(f"/clients/{queued}/edit").get_data(as_text=True)
    assert 'name="take"' in form and 'name="owner"' not in form, "a manager takes; he does not choose"
    response = anna.post(f"/clients/{queued}/edit", data={"name": "Queue Ltd", "kind": "company", "status": "lead",
                                                          "take": "1"})
    assert response.status_code == 302
    page = anna.get(f"/clients/{queued}")
    assert "Owner: Anna Smirnova" in main_text(page)
    assert "Owner changed anna nobody → anna · taken from the queue" in section(page, "client-timeline")
