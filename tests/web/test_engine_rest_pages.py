"""Pages of issue 11: the head's list of messages from outside, the business key at the start of a sale."""
from __future__ import annotations

from conftest import bpmn_file


def test_the_head_sees_messages_no_sale_took_in_english_and_russian(client, login, platform, actors,
                                                                   profiles) -> None:
    stray = platform.clients.create_client(actors["anna"], "Stray Payments")
    platform.outside.receive_message(actors["admin"], "payment-received", "1c-777",
                                     correlation={"client_id": stray.id}, variables={"amount": 500})
    login(client, "head")
    page = client.get("/messages").get_data(as_text=True)
    assert "payment-received" in page and "1c-777" in page and "amount = 500" in page
    assert "No running sale matches it" in page
    platform.accounts.set_locale(actors["head"], "ru")
    russian = client.get("/messages").get_data(as_text=True)
    assert "Сообщения извне" in russian and "Ему не соответствует ни одна идущая продажа" in russian


def test_a_manager_may_not_open_the_message_list(client, login) -> None:
    login(client, "anna")
    assert client.get("/messages").status_code == 403


def test_a_sale_started_with_a_business_key_shows_it(client, login, platform, actors) -> None:
    customer = platform.clients.create_client(actors["anna"], "Keyed Page Ltd")
    login(client, "anna")
    form = client.get(f"/clients/{customer.id}").get_data(as_text=True)
    assert 'name="business_key"' in form
    response = client.post(f"/clients/{customer.id}/cycles",
                           data={"regulation": "new_client_sale", "business_key": "ORDER-501"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="business-key">ORDER-501<' in page


def test_a_message_in_triage_for_a_client_is_on_its_timeline(client, login, platform, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("order_receive.bpmn")])
    customer = platform.clients.create_client(actors["anna"], "Timeline Ltd")
    platform.outside.receive_message(actors["admin"], "order-placed", "t-1", correlation={"client_id": customer.id})
    login(client, "head")
    page = client.get(f"/clients/{customer.id}").get_data(as_text=True)
    assert "order-placed" in page


def test_a_sale_is_found_by_its_business_key(client, login, platform, actors) -> None:
    customer = platform.clients.create_client(actors["anna"], "Found Ltd")
    cycle = platform.outside.start_cycle(actors["anna"], customer.id, "new_client_sale", "INV-9001")
    login(client, "anna")
    assert 'id="find-by-key"' in client.get("/cycles").get_data(as_text=True)
    found = client.get("/cycles/by-key?business_key=INV-9001")
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/cycles/{cycle.id}")
    missing = client.get("/cycles/by-key?business_key=NOPE", follow_redirects=True).get_data(as_text=True)
    assert "No sale you can see has the business key NOPE." in missing
    login(client, "boris")
    assert client.get("/cycles/by-key?business_key=INV-9001").headers["Location"].endswith("/cycles"), \
        "boris may not see anna's sale"


def test_a_regulation_with_a_start_form_asks_for_its_fields_when_a_sale_starts(client, login, platform, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("start_form.bpmn")])
    customer = platform.clients.create_client(actors["anna"], "Form Start Ltd")
    login(client, "anna")
    asked = client.post(f"/clients/{customer.id}/cycles", data={"regulation": "inbound_lead", "business_key": "L-1"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'name="channel"' in page and 'name="expected_amount"' in page
    wrong = client.post(f"/clients/{customer.id}/cycles", data={
        "regulation": "inbound_lead", "start_form": "1", "business_key": "L-1", "expected_amount": "-5"})
    assert wrong.status_code == 422
    assert 'id="e-channel"' in wrong.get_data(as_text=True) and 'id="e-expected_amount"' in wrong.get_data(as_text=True)
    started = client.post(f"/clients/{customer.id}/cycles", data={
        "regulation": "inbound_lead", "start_form": "1", "business_key": "L-1", "channel": "web",
        "expected_amount": "120000"})
    assert started.status_code == 302
    cycle_id = int(started.headers["Location"].rsplit("/", 1)[1])
    cycle = platform.regulation.cycle(actors["anna"], cycle_id)
    assert cycle.variables["channel"] == "web" and cycle.variables["expected_amount"] == 120000
    assert cycle.business_key == "L-1"
