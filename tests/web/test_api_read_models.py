"""The API answers the same JSON now that the services return frozen read models: every field a
client program reads is there with its JSON type, and the client timeline pages like every other
list (``after``, ``X-Next-Cursor``, ``Link: rel=next``)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from engine.platform.root import Reglament

CLIENT = {"id", "name", "kind", "tax_id", "industry", "region", "size", "segment", "source", "status", "owner",
          "merged_into_id", "created_at", "updated_at", "last_contact_at"}
CONTACT = {"id", "client_id", "name", "position", "phone", "email"}
ACTIVITY = {"id", "client_id", "client_name", "cycle_id", "assignee", "work_type", "note", "planned_at", "status",
            "done_at", "result", "created_by"}
HANDOVER = {"id", "from", "from_name", "to", "to_name", "client_ids", "count", "clients", "returns_at", "status",
            "reason", "created_by", "created_at"}
MESSAGE = {"id", "message_id", "name", "state", "cycle_id", "business_key", "correlation", "variables", "client_id",
           "sender", "received_at", "expires_at", "delivered_at", "note"}
NOTIFICATION = {"id", "kind", "title", "data", "link", "created_at", "read_at"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_a_client_its_contacts_notes_and_edits_answer_their_fields(api, actors) -> None:
    anna = api("anna")
    created = _ok(anna.post("/api/v1/clients", json={"name": "Shape Ltd", "region": "Moscow",
                                                      "contact": {"name": "Olga", "phone": "+7 900 123 45 67"}}), 201)
    assert set(created) == CLIENT | {"distribution"} and created["distribution"] is None
    assert created["owner"] == "anna" and created["created_at"].startswith("2026-")
    shown = _ok(anna.get(f"/api/v1/clients/{created['id']}"))
    assert set(shown) == CLIENT | {"contacts", "may_change"} and shown["may_change"] is True
    assert [set(c) for c in shown["contacts"]] == [CONTACT] and shown["contacts"][0]["name"] == "Olga"
    assert _ok(anna.get(f"/api/v1/clients/{created['id']}/contacts")) == shown["contacts"]
    edited = _ok(anna.open("PATCH", f"/api/v1/clients/{created['id']}", json={"region": "Tver"}))
    assert set(edited) == CLIENT and edited["region"] == "Tver" and isinstance(edited["updated_at"], str)
    added = _ok(anna.post(f"/api/v1/clients/{created['id']}/contacts", json={"name": "Ivan"}), 201)
    assert set(added) == CONTACT and added["client_id"] == created["id"]
    note = _ok(anna.post(f"/api/v1/clients/{created['id']}/notes", json={"text": "Calls on Mondays"}), 201)
    assert set(note) == {"id", "client_id", "at", "actor", "text"} and note["text"] == "Calls on Mondays"
    listed = _ok(anna.get("/api/v1/clients?q=Shape"))["clients"]
    assert [set(c) for c in listed] == [CLIENT] and listed[0]["region"] == "Tver"


def test_a_head_s_client_is_distributed_and_the_decision_answered(api, platform: Reglament, actors) -> None:
    created = _ok(api("head").post("/api/v1/clients", json={"name": "Queue Ltd"}), 201)
    assert created["owner"] is None
    assert set(created["distribution"]) == {"client_id", "client", "owner", "reason", "data"}
    assert created["distribution"]["client"] == "Queue Ltd" and created["distribution"]["owner"] is None
    decided = _ok(api("head").post("/api/v1/clients/distribute", json={"client_ids": [created["id"]]}))
    assert [set(d) for d in decided["decisions"]] == [{"client_id", "client", "owner", "reason", "data"}]


def test_contacts_hand_overs_messages_and_notifications_answer_their_fields(api, platform: Reglament, actors,
                                                                             clock) -> None:
    platform.regulation.save_work_type(actors["head"], "call", "Call", None)
    alfa = platform.clients.create_client(actors["anna"], "Alfa").id
    planned = _ok(api("anna").post(f"/api/v1/clients/{alfa}/activities",
                                   json={"work_type": "call", "planned_at": (clock.now + timedelta(hours=1)).isoformat(),
                                         "note": "Budget"}), 201)
    assert set(planned) == ACTIVITY and planned["status"] == "planned" and planned["done_at"] is None
    assert planned["client_name"] == "Alfa" and planned["planned_at"].startswith("2026-")
    done = _ok(api("anna").post(f"/api/v1/activities/{planned['id']}/done", json={"result": "Agreed"}))
    assert set(done) == ACTIVITY and done["status"] == "done" and done["result"] == "Agreed"
    moved = _ok(api("head").post("/api/v1/handover", json={"from": "anna", "to": "boris", "reason": "Holiday"}), 201)
    assert set(moved) == HANDOVER and (moved["from"], moved["to"], moved["count"]) == ("anna", "boris", 1)
    assert moved["client_ids"] == [alfa] and moved["returns_at"] is None
    message = _ok(api("admin").post("/api/v1/messages", json={"name": "nobody-waits", "message_id": "shape-1"}), 202)
    assert set(message) == MESSAGE and message["state"] == "triage" and message["correlation"] == {}
    assert [m["message_id"] for m in _ok(api("head").get("/api/v1/messages/triage"))] == ["shape-1"]
    notes = _ok(api("boris").get("/api/v1/notifications"))
    assert notes and all(set(n) == NOTIFICATION for n in notes)
    assert any(n["kind"] == "client_assigned" and isinstance(n["data"], dict) for n in notes)


def test_the_client_timeline_is_read_whole_by_cursor(api, platform: Reglament, actors) -> None:
    anna = actors["anna"]
    client = platform.clients.create_client(anna, "Chatty Ltd").id
    for i in range(7):
        platform.clients.add_client_note(anna, client, f"Note {i}")  # all at one moment
    url, texts, pages = f"/api/v1/clients/{client}/timeline?kinds=notes&limit=3", [], 0
    while url:
        response = api("anna").get(url)
        body = _ok(response)
        texts += [e["data"]["text"] for e in body["entries"]]
        pages += 1
        link = response.headers.get("Link")
        if link is None:
            assert body["next"] is None and "X-Next-Cursor" not in response.headers
            break
        assert response.headers["X-Next-Cursor"] == body["next"]
        url = link[1:link.index(">")]
        assert parse_qs(urlsplit(url).query)["after"] == [body["next"]]
    assert pages == 3 and texts == [f"Note {i}" for i in range(6, -1, -1)]
    refused = api("anna").get(f"/api/v1/clients/{client}/timeline?after=bm9wZQ")
    assert refused.status_code == 422 and "after" in refused.get_json()["details"]["fields"]
