"""POST /api/v1/messages: stored first, then delivered, kept or triaged; idempotent; bounded."""
from __future__ import annotations

from conftest import bpmn_file


def test_a_message_is_delivered_kept_or_triaged_and_never_an_error_once_stored(api, platform, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("order_receive.bpmn")])
    customer = platform.clients.create_client(actors["anna"], "API Orders")
    started = api("anna").post("/api/v1/cycles", json={"client_id": customer.id, "regulation": "order_receive",
                                                       "business_key": "SO-42", "variables": {"channel": "shop"}})
    assert started.status_code == 201 and started.get_json()["business_key"] == "SO-42"
    admin = api("admin")
    sent = admin.post("/api/v1/messages", json={"name": "order-placed", "message_id": "1c-42",
                                                "business_key": "SO-42", "variables": {"total": 900}})
    assert sent.status_code == 202 and sent.get_json()["state"] == "delivered"
    assert platform.regulation.cycle(actors["anna"], started.get_json()["id"]).status == "won"
    again = admin.post("/api/v1/messages", json={"name": "order-placed", "message_id": "1c-42",
                                                 "business_key": "SO-42"})
    assert again.status_code == 202 and again.get_json()["id"] == sent.get_json()["id"]
    orphan = admin.post("/api/v1/messages", json={"name": "order-placed", "message_id": "1c-43",
                                                  "business_key": "SO-UNKNOWN"})
    assert orphan.status_code == 202 and orphan.get_json()["state"] == "triage"
    assert [m["message_id"] for m in api("head").get("/api/v1/messages/triage").get_json()] == ["1c-43"]


def test_bad_or_oversized_messages_are_refused_naming_the_limit(api) -> None:
    admin = api("admin")
    assert admin.post("/api/v1/messages", json={"message_id": "x"}).status_code == 422
    many = {f"v{i}": i for i in range(101)}
    response = admin.post("/api/v1/messages", json={"name": "n", "variables": many})
    assert response.status_code == 422 and "limit is 100" in response.get_json()["message"]
    deep = admin.post("/api/v1/messages", json={"name": "n", "variables": {"a": [[[[[[[[[1]]]]]]]]]}})
    assert deep.status_code == 422 and "deeper than 8" in deep.get_json()["message"]
    assert api("anna").post("/api/v1/messages", json={"name": "n"}).status_code == 403
