"""Pages and API of planned contacts, the work log, plan fulfilment, contact norms, forgotten clients."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from storage.models import User

QUALIFIED = {"contact_person": "Maria", "budget": 1_500_000, "need": "CRM roll-out", "result": "qualified"}


@pytest.fixture(autouse=True)
def catalogue(platform, actors) -> None:
    for name, label in (("call", "Call"), ("meeting", "Meeting")):
        platform.regulation.save_work_type(actors["head"], name, label, None)


@pytest.fixture
def anna_in_vladivostok(platform) -> Iterator[None]:
    def set_zone(zone: str) -> None:
        with platform.command() as s:
            s.query(User).filter_by(login="anna").one().timezone = zone

    set_zone("Asia/Vladivostok")  # UTC+10
    yield
    set_zone("UTC")  # users outlive a test


def _section(page: str, element_id: str) -> str:
    found = re.search(rf'<(section|table)[^>]*id="{element_id}".*?</\1>', page, re.S)
    assert found, f"no #{element_id} on the page"
    return found.group(0)


def test_the_owner_plans_a_contact_on_the_client_page_and_marks_it_done(client, login, platform, actors,
                                                                       anna_in_vladivostok) -> None:
    anna = actors["anna"]
    sale = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "Pages Ltd").id, "new_client_sale")
    login(client, "anna")
    page = client.get(f"/clients/{sale.client_id}").get_data(as_text=True)
    assert 'id="plan-contact"' in page and "No contacts planned with this client." in page
    response = client.post(f"/clients/{sale.client_id}/activities",
                           data={"work_type": "call", "planned_at": "2026-11-27T10:30", "note": "Ask for the budget"})
    assert response.status_code == 302
    (planned,) = platform.planning.client_work(anna, sale.client_id).planned
    assert planned.activity.planned_at == datetime(2026, 11, 27, 0, 30, tzinfo=UTC), \
        "10:30 typed in Vladivostok"
    page = client.get(f"/clients/{sale.client_id}").get_data(as_text=True)
    table = _section(page, "planned-contacts")
    assert "Ask for the budget" in table and 'value="2026-11-27T10:30"' in table, "rescheduling starts from her time"

    activity_id = planned.activity.id
    response = client.post(f"/activities/{activity_id}/done",
                           data={"result": "Budget in January", "next": f"/clients/{sale.client_id}#contacts"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/clients/{sale.client_id}#contacts")
    page = client.get(f"/clients/{sale.client_id}").get_data(as_text=True)
    log = _section(page, "work-log")
    assert "Budget in January" in log and "Ask for the budget" in log and "on time" in log
    history = client.get(f"/cycles/{sale.id}").get_data(as_text=True)
    assert 'class="ev-contact"' in history and "Budget in January" in history


def test_planning_a_contact_badly_shows_the_form_again_with_the_problem(client, login, platform, actors) -> None:
    anna = actors["anna"]
    client_id = platform.clients.create_client(anna, "Bad Ltd").id
    login(client, "anna")
    response = client.post(f"/clients/{client_id}/activities", data={"work_type": "telepathy", "planned_at": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "unknown work type" in page and "is required" in page
    assert client.post(f"/clients/{client_id}/activities",
                       data={"work_type": "call", "planned_at": "next tuesday"}).status_code == 422


def test_another_managers_client_has_no_contact_forms_and_refuses_them(client, login, platform, actors,
                                                                     clock) -> None:
    anna = actors["anna"]
    client_id = platform.clients.create_client(anna, "Anna's Ltd").id
    planned = platform.planning.plan_contact(anna, client_id, "call", clock.now)
    login(client, "boris")
    assert client.get(f"/clients/{client_id}").status_code == 403
    assert client.post(f"/clients/{client_id}/activities",
                       data={"work_type": "call", "planned_at": "2026-11-27T10:30"}).status_code == 403
    assert client.post(f"/activities/{planned.id}/done", data={"result": "Hijacked"}).status_code == 403
    assert client.post(f"/activities/{planned.id}/cancel").status_code == 403


def test_a_contact_done_twice_is_a_conflict_and_done_needs_a_result(client, login, platform, actors, clock) -> None:
    anna = actors["anna"]
    planned = platform.planning.plan_contact(anna, platform.clients.create_client(anna, "Twice Ltd").id, "call", clock.now)
    login(client, "anna")
    assert client.post(f"/activities/{planned.id}/done", data={"result": " "}).status_code == 422
    assert client.post(f"/activities/{planned.id}/done", data={"result": "Reached"}).status_code == 302
    assert client.post(f"/activities/{planned.id}/done", data={"result": "Again"}).status_code == 409


def test_my_plan_shows_contacts_with_their_forms_in_the_users_days(client, login, platform, actors, clock,
                                                                  anna_in_vladivostok) -> None:
    anna = platform.accounts.actor(actors["anna"].id)  # 09:00 UTC on Thursday is 19:00 in Vladivostok
    client_id = platform.clients.create_client(anna, "Midnight Ltd").id
    late_tonight = platform.planning.plan_contact(anna, client_id, "call", datetime(2026, 11, 26, 13, 30, tzinfo=UTC),
                                         "Tonight at 23:30")
    after_midnight = platform.planning.plan_contact(anna, client_id, "call", datetime(2026, 11, 26, 14, 30, tzinfo=UTC),
                                           "Friday at 00:30")
    login(client, "anna")
    page = client.get("/plan").get_data(as_text=True)
    today, week = _section(page, "plan-today"), _section(page, "plan-week")
    assert "Tonight at 23:30" in today and f'action="/activities/{late_tonight.id}/done"' in today
    assert "Friday at 00:30" in week and f'action="/activities/{after_midnight.id}/reschedule"' in week
    response = client.post(f"/activities/{late_tonight.id}/reschedule",
                           data={"planned_at": "2026-11-28T09:00", "next": "/plan"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/plan")
    page = client.get("/plan").get_data(as_text=True)
    assert "Tonight at 23:30" in _section(page, "plan-week")
    client.post(f"/activities/{after_midnight.id}/cancel", data={"next": "/plan"})
    assert "Friday at 00:30" not in client.get("/plan").get_data(as_text=True)


def test_my_plan_shows_my_fulfilment_and_the_head_sees_everyones_with_a_period_picker(client, login, platform,
                                                                                    actors, clock) -> None:
    anna = actors["anna"]
    planned = platform.planning.plan_contact(anna, platform.clients.create_client(anna, "Kept Ltd").id, "call", clock.now)
    platform.planning.contact_done(anna, planned.id, "Done on time")
    platform.planning.plan_contact(anna, platform.clients.create_client(anna, "Open Ltd").id, "call", clock.now + timedelta(days=1))
    login(client, "anna")
    mine = client.get("/plan").get_data(as_text=True)
    assert 'id="my-fulfilment"' in mine and "50%" in mine and "1 of 2 due done on time" in mine
    head = client.application.test_client()
    login(head, "head")
    page = head.get("/plans").get_data(as_text=True)
    table = _section(page, "fulfilment-table")
    anna_row = re.search(r'<tr data-login="anna">.*?</tr>', table, re.S).group(0)
    assert "50%" in anna_row and 'id="period-picker"' in page
    month = head.get("/plans?period=month").get_data(as_text=True)
    assert "2026-11-01 – 2026-11-30" in month
    custom = head.get("/plans?period=custom&from=2026-12-01&to=2026-12-07").get_data(as_text=True)
    assert "2026-12-01 – 2026-12-07" in custom and "50%" not in _section(custom, "fulfilment-table")
    wrong = head.get("/plans?period=custom&from=2026-12-07&to=2026-12-01")
    assert wrong.status_code == 200 and "Choose a valid period" in wrong.get_data(as_text=True)


def test_the_heads_week_counts_contacts_in_the_daily_load(client, login, platform, actors, clock) -> None:
    anna = actors["anna"]
    platform.planning.plan_contact(anna, platform.clients.create_client(anna, "Friday Ltd").id, "call", clock.now + timedelta(days=1))
    login(client, "head")
    page = client.get("/plans").get_data(as_text=True)
    row = re.search(r'<tr data-login="anna">.*?</tr>', _section(page, "plans"), re.S).group(0)
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)
    assert cells[:7] == ["", "", "", "", "1", "", ""], "Friday 27 Nov holds the contact"


def test_the_head_edits_norms_in_a_grid_and_managers_cannot(client, login, platform, actors) -> None:
    login(client, "head")
    page = client.get("/norms").get_data(as_text=True)
    assert 'id="norms-form"' in page and 'name="Qualification|"' in page and 'name="Negotiation|Public sector"' in page
    response = client.post("/norms", data={"Qualification|": "3", "Negotiation|": "7", "Negotiation|Public sector": "14"})
    assert response.status_code == 302
    cells = platform.control.norms().cells
    assert (cells["Qualification"][None].max_days, cells["Negotiation"]["Public sector"].max_days) == (3, 14)
    bad = client.post("/norms", data={"Qualification|": "3", "Proposal|Retail": "-1"})
    assert bad.status_code == 422 and "between 1 and 365" in bad.get_data(as_text=True)
    norm_id = cells["Negotiation"]["Public sector"].id
    assert client.post(f"/norms/{norm_id}/delete").status_code == 302
    assert platform.control.norms().cells["Negotiation"]["Public sector"] is None
    manager = client.application.test_client()
    login(manager, "anna")
    assert 'id="norms-form"' in manager.get("/norms").get_data(as_text=True)
    assert 'name="Qualification|"' not in manager.get("/norms").get_data(as_text=True), "read-only for managers"
    assert manager.post("/norms", data={"Qualification|": "1"}).status_code == 403
    assert manager.post(f"/norms/{cells['Qualification'][None].id}/delete").status_code == 403


def test_forgotten_clients_page_for_the_manager_and_for_the_head(client, login, platform, actors, clock) -> None:
    anna, boris, head = actors["anna"], actors["boris"], actors["head"]
    platform.control.save_norm(head, "Qualification", None, 2)
    for who, name in ((anna, "Silent Ltd"), (boris, "Boris Silent Ltd")):
        platform.regulation.start_cycle(who, platform.clients.create_client(who, name).id, "new_client_sale")
    clock.advance(days=3)
    login(client, "anna")
    page = client.get("/forgotten").get_data(as_text=True)
    assert "Silent Ltd" in _section(page, "forgotten") and "Boris Silent Ltd" not in page
    assert 'href="/forgotten"' in page, "linked from the navigation"
    other = client.application.test_client()
    login(other, "head")
    page = other.get("/forgotten").get_data(as_text=True)
    table = _section(page, "forgotten")
    assert "Silent Ltd" in table and "Boris Silent Ltd" in table and "Boris Ivanov" in table and "Anna Smirnova" in table


# ---------------------------------------------------------------- API

def test_the_api_plans_a_contact_marks_it_done_and_lists_forgotten_clients(api, platform, actors, clock) -> None:
    anna = actors["anna"]
    platform.control.save_norm(actors["head"], "Qualification", None, 1)
    sale = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "Api Ltd").id, "new_client_sale")
    clock.advance(days=2)
    forgotten = api("anna").get("/api/v1/forgotten")
    assert forgotten.status_code == 200
    assert [(f["client_name"], f["days_since"], f["max_days"], f["stage"]) for f in forgotten.get_json()] == [
        ("Api Ltd", 2, 1, "Qualification")]
    created = api("anna").post(f"/api/v1/clients/{sale.client_id}/activities",
                               json={"work_type": "call", "planned_at": "2026-11-28T12:00:00+03:00", "note": "Call"})
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert (body["planned_at"], body["assignee"], body["status"]) == ("2026-11-28T09:00:00+00:00", "anna", "planned")
    done = api("anna").post(f"/api/v1/activities/{body['id']}/done", json={"result": "Agreed on a demo"})
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    assert api("anna").get("/api/v1/forgotten").get_json() == []
    again = api("anna").post(f"/api/v1/activities/{body['id']}/done", json={"result": "Again"})
    assert again.status_code == 409 and again.get_json()["error"] == "task_not_open"


def test_api_errors_for_contacts_name_the_fields(api, platform, actors) -> None:
    anna = actors["anna"]
    client_id = platform.clients.create_client(anna, "Api Errors Ltd").id
    missing = api("anna").post(f"/api/v1/clients/{client_id}/activities", json={"work_type": "fax"})
    assert missing.status_code == 422
    assert set(missing.get_json()["details"]["fields"]) == {"work_type", "planned_at"}
    garbled = api("anna").post(f"/api/v1/clients/{client_id}/activities",
                               json={"work_type": "call", "planned_at": "soon"})
    assert garbled.status_code == 422 and garbled.get_json()["details"]["fields"] == {
        "planned_at": "is not an ISO-8601 date and time"}
    other = api("boris").post(f"/api/v1/clients/{client_id}/activities",
                              json={"work_type": "call", "planned_at": "2026-11-28T12:00:00"})
    assert other.status_code == 403 and other.get_json()["error"] == "forbidden"
    assert api("anna").post("/api/v1/activities/99999/done", json={"result": "x"}).status_code == 404


def test_the_heads_my_plan_shows_only_his_own_fulfilment(client, login) -> None:
    login(client, "head")
    page = client.get("/plan").get_data(as_text=True)
    assert page.count('id="my-fulfilment"') == 1
