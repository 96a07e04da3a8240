"""Planning pages: plan a task from its page, my plan, the head's plans view."""
from __future__ import annotations


def test_a_manager_plans_her_task_and_sees_it_in_her_plan(client, login, platform, actors) -> None:
    anna = actors["anna"]
    cycle = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "Planned Ltd").id, "new_client_sale")
    task = platform.regulation.inbox(anna, cycle_id=cycle.id)[0][0]
    login(client, "anna")
    assert 'id="plan-form"' in client.get(f"/tasks/{task.id}").get_data(as_text=True)
    response = client.post(f"/tasks/{task.id}/plan", data={"planned_at": "2026-11-26T15:30"})
    assert response.status_code == 302
    page = client.get("/plan").get_data(as_text=True)
    assert 'id="plan-today"' in page and "Planned Ltd" in page
    bad = client.post(f"/tasks/{task.id}/plan", data={"planned_at": "tomorrow"})
    assert bad.status_code == 422


def test_only_the_head_opens_everyones_plans(client, login) -> None:
    login(client, "head")
    page = client.get("/plans").get_data(as_text=True)
    assert 'id="plans"' in page and 'data-login="anna"' in page and 'data-login="boris"' in page
    other = client.application.test_client()
    login(other, "anna")
    assert other.get("/plans").status_code == 403
