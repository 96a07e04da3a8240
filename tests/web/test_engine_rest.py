"""/engine-rest: the Camunda 7 REST subset, driven by a real Camunda client and by plain requests."""
from __future__ import annotations

import base64
import time
import warnings

import pytest
from conftest import bpmn_file

from engine.demo import loader as demo


def _worker_class():  # type: ignore[no-untyped-def]
    """The PyPI client's worker (its import of pydantic's v1-style validators warns; the client is not ours)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from camunda.external_task.external_task_worker import ExternalTaskWorker
    return ExternalTaskWorker


def _basic(login: str, password: str = demo.PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


@pytest.fixture
def invoice(platform, actors) -> dict:
    platform.regulation.deploy(actors["head"], [bpmn_file("external_invoice.bpmn")])
    client = platform.clients.create_client(actors["anna"], "Invoice Ltd")
    return platform.regulation.start_cycle(actors["anna"], client.id, "external_invoice")


def test_the_camunda_python_client_completes_an_external_task(site, platform, actors, invoice) -> None:
    seen = {}

    def issue_invoice(task):  # type: ignore[no-untyped-def]
        seen["client"] = task.get_variable("client_name")
        seen["activity"] = task.get_activity_id()
        return task.complete({"invoice_number": "INV-2026-001", "amount": 1500})

    worker = _worker_class()("accounting-1c", base_url=f"{site}/engine-rest",
                             config={"auth_basic": {"username": "admin", "password": demo.PASSWORD},
                                     "maxTasks": 1, "lockDuration": 10_000, "asyncResponseTimeout": 1000})
    worker.fetch_and_execute("issue-invoice", issue_invoice)
    assert seen == {"client": "Invoice Ltd", "activity": "Task_IssueInvoice"}
    cycle = platform.regulation.cycle(actors["anna"], invoice.id)
    assert cycle.variables["invoice_number"] == "INV-2026-001" and cycle.variables["amount"] == 1500
    assert [t.element_id for t, _ in platform.regulation.inbox(actors["anna"], cycle_id=invoice.id)] \
        == ["Task_SendInvoice"]


def test_the_camunda_client_reports_a_bpmn_error_with_a_bearer_token(site, platform, actors, api, invoice) -> None:
    token = api("admin").token
    worker = _worker_class()("w", base_url=f"{site}/engine-rest",
                             config={"auth_bearer": {"access_token": token}, "asyncResponseTimeout": 500})
    worker.fetch_and_execute("issue-invoice", lambda task: task.bpmn_error("no_tax_id", "no tax id", {}))
    assert [t.element_id for t, _ in platform.regulation.inbox(actors["anna"], cycle_id=invoice.id)] \
        == ["Task_FixClient"]


def test_fetch_and_lock_speaks_camundas_format_and_long_polls_within_bounds(client, invoice) -> None:
    headers = _basic("admin")
    body = {"workerId": "w1", "maxTasks": 2,
            "topics": [{"topicName": "issue-invoice", "lockDuration": 60000, "variables": ["client_name"]}]}
    response = client.post("/engine-rest/external-task/fetchAndLock", json=body, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    [task] = response.get_json()
    assert task["topicName"] == "issue-invoice" and task["workerId"] == "w1"
    assert task["processInstanceId"] == str(invoice.id) and task["processDefinitionKey"] == "external_invoice"
    assert task["variables"] == {"client_name": {"type": "String", "value": "Invoice Ltd", "valueInfo": {}}}
    assert task["lockExpirationTime"].endswith("+0000")
    started = time.monotonic()
    empty = client.post("/engine-rest/external-task/fetchAndLock", headers=headers,
                        json={**body, "workerId": "w2", "asyncResponseTimeout": 400})
    assert empty.get_json() == [] and time.monotonic() - started >= 0.35, "it waited for work, then answered"
    too_long = client.post("/engine-rest/external-task/fetchAndLock", headers=headers,
                           json={**body, "asyncResponseTimeout": 600_000})
    assert too_long.status_code == 400 and "asyncResponseTimeout" in too_long.get_json()["message"]


def test_errors_come_in_camundas_shape(client, invoice) -> None:
    headers = _basic("admin")
    missing = client.post("/engine-rest/external-task/nope/complete", json={"workerId": "w"}, headers=headers)
    assert missing.status_code == 404
    assert set(missing.get_json()) >= {"type", "message"} and "does not exist" in missing.get_json()["message"]
    client.post("/engine-rest/external-task/fetchAndLock", headers=headers, json={
        "workerId": "w1", "maxTasks": 1, "topics": [{"topicName": "issue-invoice", "lockDuration": 60000}]})
    task_id = client.post("/engine-rest/external-task/fetchAndLock", headers=headers, json={
        "workerId": "w1", "maxTasks": 1, "topics": [{"topicName": "issue-invoice", "lockDuration": 1}]}).get_json()
    assert task_id == [], "locked by w1"
    bad = client.post("/engine-rest/external-task/fetchAndLock", headers=headers, json={"workerId": "w1"})
    assert bad.status_code == 400 and bad.get_json()["type"] == "InvalidRequestException"
    anonymous = client.post("/engine-rest/message", json={"messageName": "x"})
    assert anonymous.status_code == 401 and "Basic" in anonymous.headers["WWW-Authenticate"]
    wrong = client.post("/engine-rest/message", json={"messageName": "x"}, headers=_basic("admin", "wrong-pass"))
    assert wrong.status_code == 401 and wrong.get_json()["type"] == "AuthenticationException"
    manager = client.post("/engine-rest/external-task/fetchAndLock", headers=_basic("anna"), json={
        "workerId": "w", "maxTasks": 1, "topics": [{"topicName": "issue-invoice", "lockDuration": 1000}]})
    assert manager.status_code == 403 and manager.get_json()["type"] == "AuthorizationException"


def test_a_camunda_style_message_request_moves_a_cycle(client, platform, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("order_receive.bpmn")])
    customer = platform.clients.create_client(actors["anna"], "Message Ltd")
    cycle = platform.outside.start_cycle(actors["anna"], customer.id, "order_receive", "ORDER-9")
    response = client.post("/engine-rest/message", headers=_basic("admin"), json={
        "messageName": "order-placed", "businessKey": "ORDER-9", "resultEnabled": True,
        "processVariables": {"order_total": {"value": 2500, "type": "Long"},
                             "paid": {"value": True, "type": "Boolean"}}})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()[0]["execution"]["processInstanceId"] == str(cycle.id)
    after = platform.regulation.cycle(actors["anna"], cycle.id)
    assert after.status == "won" and after.variables["order_total"] == 2500
    nothing = client.post("/engine-rest/message", headers=_basic("admin"),
                          json={"messageName": "order-placed", "businessKey": "ORDER-9"})
    assert nothing.status_code == 400 and "Cannot correlate message 'order-placed'" in nothing.get_json()["message"]


def test_start_a_process_then_list_and_complete_its_task(client, platform, actors) -> None:
    customer = platform.clients.create_client(actors["anna"], "Started Ltd")
    started = client.post("/engine-rest/process-definition/key/new_client_sale/start", headers=_basic("anna"), json={
        "businessKey": "LEAD-1", "variables": {"client_id": {"value": customer.id, "type": "Long"},
                                               "channel": {"value": "web", "type": "String"}}})
    assert started.status_code == 200, started.get_data(as_text=True)
    instance = started.get_json()
    assert instance["businessKey"] == "LEAD-1" and instance["ended"] is False
    assert platform.regulation.cycle(actors["anna"], int(instance["id"])).variables["channel"] == "web"
    listed = client.get(f"/engine-rest/task?processInstanceId={instance['id']}", headers=_basic("anna"))
    assert listed.status_code == 200, listed.get_data(as_text=True)
    tasks = listed.get_json()
    assert [t["taskDefinitionKey"] for t in tasks] == ["Task_QualificationCall"]
    done = client.post(f"/engine-rest/task/{tasks[0]['id']}/complete", headers=_basic("anna"), json={
        "variables": {"contact_person": {"value": "Maria"}, "result": {"value": "refused"},
                      "loss_reason": {"value": "No budget", "type": "String"}}})
    assert done.status_code == 204, done.get_data(as_text=True)
    assert platform.regulation.cycle(actors["anna"], int(instance["id"])).status == "lost"
    no_client = client.post("/engine-rest/process-definition/key/new_client_sale/start", headers=_basic("anna"),
                            json={"variables": {}})
    assert no_client.status_code == 400 and "client_id" in no_client.get_json()["message"]


def test_the_example_worker_and_a_camunda_message_take_the_demo_sale_to_won(site, client, platform, actors) -> None:
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "invoice_worker", Path(__file__).resolve().parents[2] / "examples" / "invoice_worker.py")
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    anna, lena = actors["anna"], actors["lena"]
    customer = platform.clients.create_client(anna, "Demo Buyer")
    cycle_id = platform.outside.start_cycle(anna, customer.id, "new_client_sale", "DEAL-1").id
    steps = [(anna, "Task_QualificationCall", {"contact_person": "Maria", "result": "qualified"}),
             (actors["pavel"], "Task_PrepareDemo", {"demo_date": "2026-11-30"}),
             (anna, "Task_Presentation", {"result": "interested"}), (anna, "Task_Proposal", {"amount": 900000}),
             (anna, "Task_Negotiation", {"result": "agreed"}),
             (lena, "Task_ContractReview", {"contract_number": "C-9", "approved": "true"}),
             (anna, "Task_SignContract", {"result": "signed", "invoicing": "system"})]
    for who, element_id, values in steps:
        [task] = [t for t, _ in platform.regulation.inbox(who, cycle_id=cycle_id) if t.element_id == element_id]
        if task.assignee is None:
            platform.regulation.claim_task(who, task.id)
        platform.regulation.complete_task(who, task.id, values)
    assert [t for t, _ in platform.regulation.inbox(actors["olga"], cycle_id=cycle_id)] == [], "no person issues it"
    example.worker(site, "admin", demo.PASSWORD).fetch_and_execute(example.TOPIC, example.issue_invoice)
    invoice = platform.regulation.cycle(anna, cycle_id).variables["invoice_number"]
    assert invoice.endswith(f"-{cycle_id}")
    paid = client.post("/engine-rest/message", headers=_basic("admin"), json={
        "messageName": "payment-received",
        "correlationKeys": {"invoice_number": {"value": invoice, "type": "String"}},
        "processVariables": {"paid_amount": {"value": 900000, "type": "Long"},
                             "payment_date": {"value": "2026-12-01T10:00:00.000+0300", "type": "Date"}}})
    assert paid.status_code == 204, paid.get_data(as_text=True)
    won = platform.regulation.cycle(anna, cycle_id)
    assert won.status == "won" and won.variables["paid_amount"] == 900000
