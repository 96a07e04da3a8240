"""The head's control pages: the work-type catalogue and the incident list."""
from __future__ import annotations

from conftest import bpmn_file


def test_the_head_edits_the_work_type_catalogue(client, login, platform) -> None:
    login(client, "head")
    response = client.post("/work-types", data={"name": "site_visit", "label": "Site visit", "default_due": "P3D"})
    assert response.status_code == 302
    page = client.get("/work-types").get_data(as_text=True)
    assert "site_visit" in page and "P3D" in page
    bad = client.post("/work-types", data={"name": "x", "label": "X", "default_due": "soon"})
    assert bad.status_code == 422 and "ISO-8601" in bad.get_data(as_text=True)


def test_a_manager_sees_the_catalogue_but_cannot_change_it(client, login) -> None:
    login(client, "anna")
    page = client.get("/work-types").get_data(as_text=True)
    assert 'id="work-type-form"' not in page
    assert client.post("/work-types", data={"name": "call", "label": "Call", "default_due": "P1D"}).status_code == 403


def test_the_incident_list_shows_stuck_cycles_with_retry(client, login, platform, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("incident_missing_variable.bpmn")])
    sale = platform.clients.create_client(actors["anna"], "Stuck Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], sale.id, "incident_missing_variable")
    open_tasks = {task.element_id: task for task, _ in platform.regulation.inbox(actors["anna"], cycle_id=cycle.id)}
    for element_id in ("Task_Side", "Task_First"):  # the first task's gateway reads an undefined variable
        platform.regulation.complete_task(actors["anna"], open_tasks[element_id].id, {})
    assert platform.regulation.cycle(actors["head"], cycle.id).status == "incident"
    login(client, "head")
    page = client.get("/incidents").get_data(as_text=True)
    assert f"/cycles/{cycle.id}/retry" in page and "Stuck Ltd" in page
    anna = client.application.test_client()
    login(anna, "anna")
    assert anna.get("/incidents").status_code == 403
