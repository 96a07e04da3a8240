"""The JSON API contract under /api/v1: Bearer tokens, status codes, body shapes.

Every error body is {"error", "message", "details"}; the tests below pin the status
and the machine-readable ``error`` code of each failure a client can meet.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_FIXTURE = ROOT / "tests" / "fixtures" / "hostile_everything.bpmn"
DEMO_BPMN = ROOT / "bpmn" / "new_client_sale.bpmn"

QUALIFIED = {"contact_person": "Maria", "budget": 1_500_000, "need": "CRM roll-out", "result": "qualified"}
DEMO_VALUES = {"demo_date": "2026-12-03", "demo_notes": "Focus on reporting"}

NAMESPACES = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
              'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')


def regulation(task: str, key: str = "tiny_sale") -> bytes:
    """A one-process regulation: Start -> Task_Call (anna's owner) -> <task> -> End_Won."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NAMESPACES} id="Defs" targetNamespace="http://reglament.dev/test">
  <bpmn:process id="{key}" name="Tiny sale" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_Start</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="Flow_Start" sourceRef="StartEvent_1" targetRef="Task_Call" />
    <bpmn:userTask id="Task_Call" name="Call" camunda:assignee="${{owner}}">
      <bpmn:incoming>Flow_Start</bpmn:incoming><bpmn:outgoing>Flow_Call</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_Call" sourceRef="Task_Call" targetRef="Task_Next" />
    {task}
    <bpmn:sequenceFlow id="Flow_Next" sourceRef="Task_Next" targetRef="End_Won" />
    <bpmn:endEvent id="End_Won" name="Won">
      <bpmn:extensionElements><camunda:properties><camunda:property name="outcome" value="won" />
      </camunda:properties></bpmn:extensionElements>
      <bpmn:incoming>Flow_Next</bpmn:incoming>
    </bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
""".encode()


HARMLESS_TASK = ('<bpmn:userTask id="Task_Next" name="Follow up" camunda:assignee="${owner}">'
                 '<bpmn:incoming>Flow_Call</bpmn:incoming><bpmn:outgoing>Flow_Next</bpmn:outgoing></bpmn:userTask>')
SCRIPT_TASK = ('<bpmn:scriptTask id="Task_Next" name="Evil script" scriptFormat="python">'
               '<bpmn:incoming>Flow_Call</bpmn:incoming><bpmn:outgoing>Flow_Next</bpmn:outgoing>'
               '<bpmn:script>import os; os.system("id")</bpmn:script></bpmn:scriptTask>')


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is a JSON error of this status and code, in the documented shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.content_type
    body = response.get_json()
    assert set(body) - {"problems", "text"} == {"error", "message", "details"}, body
    assert all(set(p) == {"field", "code", "message", "params"} for p in body.get("problems", [])), body
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["details"], dict), body
    return body


# ---------------------------------------------------------------- fixtures

@pytest.fixture
def sale(api) -> dict[str, Any]:
    """Anna's new client "Acme" and her sale started through the API."""
    client = api("anna").post("/api/v1/clients", json={"name": "Acme"})
    assert client.status_code == 201, client.get_data(as_text=True)
    cycle = api("anna").post("/api/v1/cycles", json={"client_id": client.get_json()["id"],
                                                     "regulation": "new_client_sale"})
    assert cycle.status_code == 201, cycle.get_data(as_text=True)
    return cycle.get_json()


def tasks(api, who: str, **params: Any) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = api(who).get(f"/api/v1/tasks?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def task_of(api, who: str, cycle_id: int, element_id: str) -> dict[str, Any]:
    found = [t for t in tasks(api, who, cycle_id=cycle_id) if t["element_id"] == element_id]
    assert len(found) == 1, f"{who} sees {[t['element_id'] for t in tasks(api, who, cycle_id=cycle_id)]}"
    return found[0]


def complete(api, who: str, task_id: str, values: dict[str, Any]) -> Any:
    return api(who).post(f"/api/v1/tasks/{task_id}/complete", json={"variables": values})


@pytest.fixture
def qualified(api, sale) -> dict[str, Any]:
    """The sale after anna's qualification call: Prepare demo waits for Presales."""
    call = task_of(api, "anna", sale["id"], "Task_QualificationCall")
    response = complete(api, "anna", call["id"], QUALIFIED)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# ---------------------------------------------------------------- tokens and authentication

def test_a_token_is_issued_for_the_right_password_and_opens_the_api(app) -> None:
    client = app.test_client()
    response = client.post("/api/v1/token", json={"login": "anna", "password": "demo"})
    assert response.status_code == 200
    token = response.get_json()["token"]
    assert isinstance(token, str) and len(token) > 20
    listed = client.get("/api/v1/regulations", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200


@pytest.mark.parametrize("credentials", [
    {"login": "anna", "password": "wrong"},
    {"login": "nobody", "password": "demo"},
    {"login": "anna", "password": ""},
    {"login": "anna"},
], ids=["wrong-password", "unknown-login", "empty-password", "no-password"])
def test_wrong_credentials_get_401_in_the_error_shape(app, credentials: dict[str, str]) -> None:
    body = assert_error(app.test_client().post("/api/v1/token", json=credentials), 401, "unauthenticated")
    assert "token" not in body
    assert body["message"] == "wrong login or password", "the same words whatever was wrong"


def test_a_token_request_that_is_not_a_json_object_is_422(app) -> None:
    assert_error(app.test_client().post("/api/v1/token", data="login=anna&password=demo",
                                        content_type="application/x-www-form-urlencoded"), 422, "invalid")
    assert_error(app.test_client().post("/api/v1/token", json=["anna", "demo"]), 422, "invalid")


PROTECTED = [
    ("GET", "/api/v1/regulations"), ("POST", "/api/v1/regulations"), ("POST", "/api/v1/clients"),
    ("POST", "/api/v1/cycles"), ("GET", "/api/v1/cycles/1"), ("GET", "/api/v1/cycles/1/history"),
    ("POST", "/api/v1/cycles/1/retry"), ("GET", "/api/v1/tasks"), ("GET", "/api/v1/tasks?scope=mine"),
    ("POST", "/api/v1/tasks/x/claim"), ("POST", "/api/v1/tasks/x/release"),
    ("POST", "/api/v1/tasks/x/complete"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
def test_every_call_without_a_bearer_token_is_401(app, method: str, path: str) -> None:
    body = assert_error(app.test_client().open(path, method=method, json={}), 401, "unauthenticated")
    assert "Bearer" in body["message"]


@pytest.mark.parametrize("header", ["Basic YW5uYTpkZW1v", "Bearer", "Bearer    ", "Token abc", "bearer"],
                         ids=["basic", "bearer-no-token", "bearer-blank", "other-scheme", "lowercase-bare"])
def test_a_malformed_authorization_header_is_401(app, header: str) -> None:
    assert_error(app.test_client().get("/api/v1/regulations", headers={"Authorization": header}),
                 401, "unauthenticated")


def test_a_forged_or_tampered_token_is_401(app, api) -> None:
    good = api("anna").token
    for bad in ("garbage", good[:-2] + ("AA" if not good.endswith("AA") else "BB"), good + "x"):
        body = assert_error(app.test_client().get("/api/v1/regulations",
                                                  headers={"Authorization": f"Bearer {bad}"}),
                            401, "unauthenticated")
        assert "token" in body["message"]


def test_the_scheme_is_case_insensitive(app, api) -> None:
    response = app.test_client().get("/api/v1/regulations", headers={"Authorization": f"bearer {api('anna').token}"})
    assert response.status_code == 200


def test_a_logged_in_browser_session_does_not_open_the_api(app, login) -> None:
    """The API is CSRF-exempt, so it must never accept the session cookie instead of a token."""
    browser = app.test_client()
    assert login(browser, "anna").status_code == 302
    assert browser.get("/inbox").status_code == 200
    assert_error(browser.get("/api/v1/regulations"), 401, "unauthenticated")
    assert_error(browser.post("/api/v1/clients", json={"name": "Via cookie"}), 401, "unauthenticated")


# ---------------------------------------------------------------- regulations, clients, cycles

def test_regulations_list_the_demo_regulation_with_its_version(api) -> None:
    response = api("alex").get("/api/v1/regulations")
    assert response.status_code == 200
    assert response.get_json() == [{"key": "new_client_sale", "name": "New client sale", "version": 1,
                                   "executable": True}]


def test_creating_a_client_returns_201_with_its_id(api) -> None:
    response = api("anna").post("/api/v1/clients", json={"name": "Acme", "segment": "Retail"})
    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body["id"], int)
    assert (body["name"], body["segment"], body["owner"]) == ("Acme", "Retail", "anna")


def test_a_client_without_a_name_is_422_naming_the_field(api) -> None:
    body = assert_error(api("anna").post("/api/v1/clients", json={"name": "  "}), 422, "invalid")
    assert body["details"]["fields"] == {"name": "is required"}
    body = assert_error(api("anna").post("/api/v1/clients", json={"name": "Acme", "segment": "Moon"}), 422, "invalid")
    assert "segment" in body["details"]["fields"]
    assert_error(api("anna").post("/api/v1/clients", json=["Acme"]), 422, "invalid")


def test_an_analyst_may_not_create_clients(api) -> None:
    assert_error(api("alex").post("/api/v1/clients", json={"name": "Acme"}), 403, "forbidden")


def test_starting_a_cycle_returns_201_active_at_qualification(api) -> None:
    client_id = api("anna").post("/api/v1/clients", json={"name": "Acme"}).get_json()["id"]
    response = api("anna").post("/api/v1/cycles", json={"client_id": client_id, "regulation": "new_client_sale"})
    assert response.status_code == 201
    cycle = response.get_json()
    assert isinstance(cycle["id"], int)
    assert cycle["status"] == "active" and cycle["stage"] == "Qualification"
    assert (cycle["regulation"], cycle["version"], cycle["client_id"], cycle["client_name"]) == \
        ("new_client_sale", 1, client_id, "Acme")
    assert (cycle["started_by"], cycle["ended_at"], cycle["outcome"], cycle["loss_reason"]) == \
        ("anna", None, None, None)
    assert cycle["variables"]["owner"] == "anna"


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"client_id": "1", "regulation": "new_client_sale"}, 422, "invalid"),
    ({"client_id": True, "regulation": "new_client_sale"}, 422, "invalid"),
    ({"regulation": "new_client_sale"}, 422, "invalid"),
    ({"client_id": 999_999, "regulation": "new_client_sale"}, 404, "not_found"),
], ids=["string-id", "bool-id", "no-id", "unknown-client"])
def test_a_cycle_for_a_bad_client_id_is_refused(api, body: dict[str, Any], status: int, code: str) -> None:
    error = assert_error(api("anna").post("/api/v1/cycles", json=body), status, code)
    if status == 422:
        assert error["details"]["fields"] == {"client_id": "must be an integer"}


def test_a_cycle_of_an_unknown_regulation_is_404_and_an_analyst_may_not_start_one(api) -> None:
    client_id = api("anna").post("/api/v1/clients", json={"name": "Acme"}).get_json()["id"]
    assert_error(api("anna").post("/api/v1/cycles", json={"client_id": client_id, "regulation": "nope"}),
                 404, "not_found")
    assert_error(api("alex").post("/api/v1/cycles", json={"client_id": client_id, "regulation": "new_client_sale"}),
                 403, "forbidden")


# ---------------------------------------------------------------- tasks

def test_my_tasks_list_the_qualification_call_with_its_form(api, sale) -> None:
    mine = tasks(api, "anna", scope="mine")
    assert [(t["name"], t["cycle_id"], t["client_name"], t["assignee"]) for t in mine] == \
        [("Qualification call", sale["id"], "Acme", "anna")]
    task = mine[0]
    assert (task["element_id"], task["stage"], task["work_type"], task["lane"]) == \
        ("Task_QualificationCall", "Qualification", "call", "Sales")
    assert datetime.fromisoformat(task["created_at"]) == datetime.fromisoformat("2026-11-26T09:00:00+00:00")
    assert task["due_at"] is None
    form = [(f["id"], f["label"], f["type"], f["required"], f["options"]) for f in task["form"]]
    assert form == [
        ("contact_person", "Contact person", "string", True, []),
        ("budget", "Budget", "money", False, []),
        ("need", "Need", "string", False, []),
        ("result", "Result", "enum", True, [{"id": "qualified", "name": "Qualified"},
                                            {"id": "refused", "name": "Client refused"}]),
        ("loss_reason", "Loss reason (if refused)", "string", False, []),
    ]
    budget = task["form"][1]
    assert (budget["min"], budget["readonly"]) == (0, False)
    assert task["form"][2]["maxlength"] == 500


def test_task_filters_are_validated(api, sale) -> None:
    assert_error(api("anna").get("/api/v1/tasks?scope=everything"), 422, "invalid")
    assert_error(api("anna").get("/api/v1/tasks?cycle_id=abc"), 422, "invalid")
    assert tasks(api, "anna", cycle_id=sale["id"] + 1000) == []


def test_prepare_demo_reaches_pavels_group_queue_after_qualification(api, sale) -> None:
    assert tasks(api, "pavel", scope="group") == [], "nothing for Presales before qualification"
    call = task_of(api, "anna", sale["id"], "Task_QualificationCall")
    assert complete(api, "anna", call["id"], QUALIFIED).status_code == 200

    group = tasks(api, "pavel", scope="group")
    assert [(t["name"], t["assignee"], t["candidate_groups"], t["client_name"]) for t in group] == \
        [("Prepare demo", None, ["Presales"], "Acme")]
    assert [f["id"] for f in group[0]["form"]] == ["demo_date", "demo_notes"]
    assert group[0]["form"][0]["type"] == "date" and group[0]["form"][0]["required"] is True
    assert tasks(api, "pavel", scope="mine") == []
    assert tasks(api, "anna", scope="group") == [] and tasks(api, "anna") == [], "not Sales work"
    assert tasks(api, "lena", scope="group") == []


def test_completing_with_invalid_values_is_422_with_a_message_per_field(api, sale) -> None:
    call = task_of(api, "anna", sale["id"], "Task_QualificationCall")
    body = assert_error(complete(api, "anna", call["id"], {"budget": -5, "need": "x" * 501}), 422, "form_invalid")
    assert body["details"]["fields"] == {
        "contact_person": "is required",
        "budget": "must be at least 0",
        "need": "must be at most 500 characters",
        "result": "is required",
    }
    body = assert_error(complete(api, "anna", call["id"], {**QUALIFIED, "result": "maybe", "budget": "lots"}),
                        422, "form_invalid")
    assert set(body["details"]["fields"]) == {"result", "budget"}
    assert task_of(api, "anna", sale["id"], "Task_QualificationCall")["id"] == call["id"], "still open"
    assert api("anna").get(f"/api/v1/cycles/{sale['id']}").get_json()["stage"] == "Qualification"


def test_a_complete_body_of_the_wrong_shape_is_422(api, sale) -> None:
    call = task_of(api, "anna", sale["id"], "Task_QualificationCall")
    assert_error(api("anna").post(f"/api/v1/tasks/{call['id']}/complete", json=[1]), 422, "invalid")
    assert_error(api("anna").post(f"/api/v1/tasks/{call['id']}/complete", json={"variables": ["a"]}),
                 422, "invalid")
    assert_error(api("anna").post(f"/api/v1/tasks/{call['id']}/complete"), 422, "form_invalid")


def test_completing_returns_200_with_the_cycle_and_again_409(api, sale) -> None:
    call = task_of(api, "anna", sale["id"], "Task_QualificationCall")
    response = complete(api, "anna", call["id"], QUALIFIED)
    assert response.status_code == 200
    cycle = response.get_json()
    assert (cycle["id"], cycle["status"], cycle["stage"]) == (sale["id"], "active", "Presentation")
    assert {k: cycle["variables"][k] for k in QUALIFIED} == QUALIFIED
    assert tasks(api, "anna", scope="mine") == []

    again = assert_error(complete(api, "anna", call["id"], QUALIFIED), 409, "task_not_open")
    assert again["details"] == {"task_id": call["id"]}
    assert "already completed by anna" in again["message"]
    assert_error(api("anna").post(f"/api/v1/tasks/{call['id']}/claim"), 409, "task_not_open")


def test_boris_may_not_complete_annas_task(api, sale) -> None:
    call = task_of(api, "anna", sale["id"], "Task_QualificationCall")
    body = assert_error(complete(api, "boris", call["id"], QUALIFIED), 403, "forbidden")
    assert "assigned to anna" in body["message"]
    claim = assert_error(api("boris").post(f"/api/v1/tasks/{call['id']}/claim"), 409, "task_not_open")
    assert "already assigned to anna" in claim["message"]
    assert_error(complete(api, "head", call["id"], QUALIFIED), 403, "forbidden")
    assert task_of(api, "anna", sale["id"], "Task_QualificationCall")["id"] == call["id"], "still open"


def test_an_unknown_task_is_404(api) -> None:
    for action in ("complete", "claim", "release"):
        assert_error(api("anna").post(f"/api/v1/tasks/no-such-task/{action}", json={}), 404, "not_found")


def test_pavel_claims_and_releases_prepare_demo(api, qualified) -> None:
    demo = task_of(api, "pavel", qualified["id"], "Task_PrepareDemo")
    assert_error(api("lena").post(f"/api/v1/tasks/{demo['id']}/claim"), 403, "forbidden")
    assert_error(api("boris").post(f"/api/v1/tasks/{demo['id']}/claim"), 403, "forbidden")
    claimed = api("pavel").post(f"/api/v1/tasks/{demo['id']}/claim")
    assert claimed.status_code == 200
    assert claimed.get_json() == {"status": "claimed", "assignee": "pavel"}
    assert [(t["id"], t["assignee"]) for t in tasks(api, "pavel", scope="mine")] == [(demo["id"], "pavel")]
    assert tasks(api, "pavel", scope="group") == []

    assert_error(api("lena").post(f"/api/v1/tasks/{demo['id']}/claim"), 403, "forbidden")
    assert_error(api("boris").post(f"/api/v1/tasks/{demo['id']}/release"), 403, "forbidden")
    assert_error(complete(api, "boris", demo["id"], DEMO_VALUES), 403, "forbidden")

    released = api("pavel").post(f"/api/v1/tasks/{demo['id']}/release")
    assert released.status_code == 200 and released.get_json() == {"status": "released"}
    assert [(t["id"], t["assignee"]) for t in tasks(api, "pavel", scope="group")] == [(demo["id"], None)]
    assert tasks(api, "pavel", scope="mine") == []
    assert_error(api("pavel").post(f"/api/v1/tasks/{demo['id']}/release"), 403, "forbidden")

    assert api("pavel").post(f"/api/v1/tasks/{demo['id']}/claim").status_code == 200
    done = complete(api, "pavel", demo["id"], DEMO_VALUES)
    assert done.status_code == 200 and done.get_json()["variables"]["demo_date"] == "2026-12-03"
    assert [t["element_id"] for t in tasks(api, "anna", cycle_id=qualified["id"])] == ["Task_Presentation"]


# ---------------------------------------------------------------- cycles and history

def test_a_cycle_and_its_history_are_readable(api, qualified, clock) -> None:
    cycle_id = qualified["id"]
    clock.advance(hours=2)
    demo = task_of(api, "pavel", cycle_id, "Task_PrepareDemo")
    assert api("pavel").post(f"/api/v1/tasks/{demo['id']}/claim").status_code == 200

    response = api("anna").get(f"/api/v1/cycles/{cycle_id}")
    assert response.status_code == 200
    cycle = response.get_json()
    assert (cycle["id"], cycle["status"], cycle["stage"], cycle["client_name"]) == \
        (cycle_id, "active", "Presentation", "Acme")

    response = api("anna").get(f"/api/v1/cycles/{cycle_id}/history")
    assert response.status_code == 200
    history = response.get_json()
    assert all(set(e) == {"at", "type", "actor", "task", "data"} for e in history), history[0]
    assert history[0]["type"] == "started" and history[0]["actor"] == "anna" and history[0]["task"] is None
    assert history[0]["data"] == {"regulation": "new_client_sale", "version": 1, "client": "Acme"}

    completed = [e for e in history if e["type"] == "completed"]
    assert len(completed) == 1
    done = completed[0]
    assert done["actor"] == "anna"
    assert {k: done["task"][k] for k in ("element_id", "name")} == \
        {"element_id": "Task_QualificationCall", "name": "Qualification call"}
    assert done["data"]["variables"]["contact_person"] == "Maria"
    assert datetime.fromisoformat(done["at"]) == datetime.fromisoformat("2026-11-26T09:00:00+00:00")

    claimed = history[-1]
    assert (claimed["type"], claimed["actor"], claimed["task"]["element_id"], claimed["data"]) == \
        ("claimed", "pavel", "Task_PrepareDemo", {"assignee": "pavel"})
    assert datetime.fromisoformat(claimed["at"]) == datetime.fromisoformat("2026-11-26T11:00:00+00:00")
    assert [e["at"] for e in history] == sorted(e["at"] for e in history)

    assert api("alex").get(f"/api/v1/cycles/{cycle_id}/history").get_json() == history, "analysts read all"


def test_an_unknown_cycle_is_404_json(api) -> None:
    assert_error(api("head").get("/api/v1/cycles/999999"), 404, "not_found")
    assert_error(api("head").get("/api/v1/cycles/999999/history"), 404, "not_found")


def test_another_managers_cycle_is_403(api, sale) -> None:
    assert_error(api("boris").get(f"/api/v1/cycles/{sale['id']}"), 403, "forbidden")
    assert_error(api("boris").get(f"/api/v1/cycles/{sale['id']}/history"), 403, "forbidden")
    assert tasks(api, "boris", cycle_id=sale["id"]) == []


def test_unknown_routes_and_methods_answer_json(api) -> None:
    assert_error(api("anna").get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(api("anna").get("/api/v1/cycles/abc"), 404, "not_found")
    assert_error(api("anna").get("/api/v1/token"), 405, "method_not_allowed")


def test_a_body_over_the_size_limit_is_413_json(api) -> None:
    response = api("head").post("/api/v1/regulations", data=b"<x/>" * (2 * 1024 * 1024 + 1),
                                content_type="application/xml")
    assert_error(response, 413, "request_entity_too_large")


def test_a_sale_lost_at_qualification_ends_lost_with_the_reason(api, sale) -> None:
    call = task_of(api, "anna", sale["id"], "Task_QualificationCall")
    response = complete(api, "anna", call["id"],
                        {"contact_person": "Ivan", "result": "refused", "loss_reason": "No budget this year"})
    assert response.status_code == 200
    cycle = response.get_json()
    assert (cycle["status"], cycle["outcome"], cycle["loss_reason"]) == ("lost", "lost", "No budget this year")
    assert cycle["ended_at"] is not None

    again = api("anna").get(f"/api/v1/cycles/{sale['id']}").get_json()
    assert (again["status"], again["loss_reason"]) == ("lost", "No budget this year")
    assert tasks(api, "anna", cycle_id=sale["id"]) == [] and tasks(api, "pavel", scope="group") == []
    history = api("anna").get(f"/api/v1/cycles/{sale['id']}/history").get_json()
    assert history[-1]["type"] == "ended"
    assert history[-1]["task"]["element_id"] == "End_LostQualification"
    assert history[-1]["data"] == {"outcome": "lost", "loss_reason": "No budget this year"}


# ---------------------------------------------------------------- deploying regulations

def test_a_hostile_regulation_is_422_naming_the_element(api) -> None:
    response = api("head").post("/api/v1/regulations", data=regulation(SCRIPT_TASK), content_type="application/xml")
    body = assert_error(response, 422, "regulation_invalid")
    problems = body["details"]["problems"]
    assert problems and all(set(p) == {"element_id", "element_name", "message", "line", "code", "params", "text"}
                            for p in problems)  # "text": the message in the reader's language
    assert problems[0]["element_id"] == "Task_Next" and problems[0]["element_name"] == "Evil script"
    assert problems[0]["message"].startswith("scriptTask refused")
    assert isinstance(problems[0]["line"], int)
    assert "Task_Next" in body["message"]
    assert api("head").get("/api/v1/regulations").get_json() == \
        [{"key": "new_client_sale", "name": "New client sale", "version": 1, "executable": True}], "nothing stored"


def test_the_hostile_fixture_uploaded_as_a_file_names_every_bad_element(api) -> None:
    with HOSTILE_FIXTURE.open("rb") as handle:
        response = api("admin").post("/api/v1/regulations", data={"file": (handle, "hostile_everything.bpmn")},
                                     content_type="multipart/form-data")
    body = assert_error(response, 422, "regulation_invalid")
    named = {p["element_id"] for p in body["details"]["problems"]}
    assert named == {"Task_Script", "Task_Service", "Task_Java", "Task_Listened", "Flow_Escape",
                     "End_Maybe", "Task_Form"}


@pytest.mark.parametrize("content", [b"", b"not xml at all", b"<a><b></a>"], ids=["empty", "text", "broken"])
def test_garbage_bodies_are_422_not_500(api, content: bytes) -> None:
    body = assert_error(api("head").post("/api/v1/regulations", data=content, content_type="application/xml"),
                        422, "regulation_invalid")
    assert body["details"]["problems"]


def test_a_manager_may_not_deploy_even_a_hostile_regulation(api) -> None:
    response = api("anna").post("/api/v1/regulations", data=regulation(SCRIPT_TASK), content_type="application/xml")
    body = assert_error(response, 403, "forbidden")
    assert "deploy" in body["message"]
    response = api("anna").post("/api/v1/regulations", data=regulation(HARMLESS_TASK), content_type="application/xml")
    assert_error(response, 403, "forbidden")
    assert [r["key"] for r in api("anna").get("/api/v1/regulations").get_json()] == ["new_client_sale"]


def test_a_valid_regulation_deploys_201_and_the_same_file_again_200(api) -> None:
    content = regulation(HARMLESS_TASK)
    first = api("head").post("/api/v1/regulations", data=content, content_type="application/xml")
    assert first.status_code == 201
    assert first.get_json() == {"created": True, "key": "tiny_sale", "name": "Tiny sale", "version": 1,
                                "executable": True, "problems": []}
    second = api("head").post("/api/v1/regulations", data=content, content_type="application/xml")
    assert second.status_code == 200 and second.get_json()["created"] is False
    demo_again = api("head").post("/api/v1/regulations", data=DEMO_BPMN.read_bytes(), content_type="application/xml")
    assert demo_again.status_code == 200 and demo_again.get_json()["version"] == 1
    assert sorted(r["key"] for r in api("head").get("/api/v1/regulations").get_json()) == \
        ["new_client_sale", "tiny_sale"]


def test_deeply_nested_json_and_huge_numbers_are_refused_with_422_naming_the_limit(api) -> None:
    deep = '{"name": ' + "[" * 5000 + "]" * 5000 + "}"
    body = assert_error(api("anna").post("/api/v1/clients", data=deep, content_type="application/json"),
                        422, "invalid")
    assert "deeper than 32 levels" in body["message"]
    huge = '{"client_id": ' + "9" * 5000 + ', "regulation": "new_client_sale"}'
    body = assert_error(api("anna").post("/api/v1/cycles", data=huge, content_type="application/json"),
                        422, "invalid")
    assert "more than 40 digits" in body["message"]
    # a string that only looks nested is fine
    created = api("anna").post("/api/v1/clients", json={"name": "[[[[ Brackets ]]]] Ltd" + "[" * 40})
    assert created.status_code == 201, created.get_json()


def test_the_inbox_pages_by_cursor_without_losing_or_repeating_a_task(api, platform, actors, clock) -> None:
    anna, head = actors["anna"], actors["head"]
    platform.regulation.save_work_type(head, "call", "Call", "P1D")
    for i in range(4):  # due dates from the work type's default, all at the same moment: ties by id
        client = platform.clients.create_client(anna, f"Paged {i} Ltd")
        platform.regulation.start_cycle(anna, client.id, "new_client_sale")
    platform.regulation.save_work_type(head, "call", "Call", None)  # later calls have no due date
    clock.advance(minutes=5)
    for i in range(4, 7):
        client = platform.clients.create_client(anna, f"Paged {i} Ltd")
        platform.regulation.start_cycle(anna, client.id, "new_client_sale")
    listed = tasks(api, "anna")
    everything = [t["id"] for t in listed]
    assert len(everything) >= 7
    assert {t["due_at"] is None for t in listed} == {True, False}  # dated and undated tasks both page

    seen, url, pages = [], "/api/v1/tasks?limit=3", 0
    while url:
        response = api("anna").get(url)
        assert response.status_code == 200, response.get_json()
        page = [t["id"] for t in response.get_json()]
        assert 1 <= len(page) <= 3
        seen += page
        pages += 1
        cursor = response.headers.get("X-Next-Cursor")
        url = f"/api/v1/tasks?limit=3&after={cursor}" if cursor else ""
    assert seen == everything  # the same order, each task once
    assert pages == -(-len(everything) // 3)

    assert_error(api("anna").get("/api/v1/tasks?after=not-a-cursor"), 422, "invalid")
    assert_error(api("anna").get("/api/v1/tasks?limit=5000"), 422, "invalid")
