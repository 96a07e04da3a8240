"""A due date that would fail at run time is refused through the API and the modeler's save too
(both call the same deploy)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from test_deploy_checks import diagram  # the engine test's diagram template

NEXT_WEEK = diagram('camunda:assignee="${owner}" camunda:dueDate="next week"')


def _problems(response) -> list[dict]:
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == "regulation_invalid"
    return body["details"]["problems"]


@pytest.mark.parametrize("how", ["api", "modeler"])
def test_a_due_date_of_next_week_is_refused_naming_the_task(how: str, api, client, login, platform) -> None:
    if how == "api":
        response = api("head").post("/api/v1/regulations", data=NEXT_WEEK, content_type="application/xml")
    else:
        assert login(client, "head").status_code == 302
        response = client.post("/regulations/save", data=NEXT_WEEK, content_type="application/xml",
                               headers={"Accept": "application/json"})
    problem, = _problems(response)
    assert (problem["element_id"], problem["element_name"]) == ("Task_Call", "Call the client")
    assert problem["message"].startswith("due date: 'next week' is not a date or a duration; write an ISO-8601")
    assert [r.key for r in platform.regulation.regulations()] == ["new_client_sale"], "nothing deployed"


def test_the_same_task_with_a_duration_deploys(api) -> None:
    fixed = NEXT_WEEK.replace(b'camunda:dueDate="next week"', b'camunda:dueDate="P7D"')
    response = api("head").post("/api/v1/regulations", data=fixed, content_type="application/xml")
    assert response.status_code == 201 and response.get_json()["key"] == "checked_sale"
