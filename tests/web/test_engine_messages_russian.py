"""What the engine writes for people (an incident, a deploy refusal) reaches each reader in their
own language: a Russian head reads Russian, an English one English, the API gives the code, the
parameters and the English text beside the reader's."""
from __future__ import annotations

import io
import sys
from pathlib import Path

from conftest import bpmn_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from test_deploy_checks import diagram  # the engine test's diagram template

NEXT_WEEK = diagram('camunda:assignee="${owner}" camunda:dueDate="next week"')


def _stuck_cycle(platform, actors) -> int:  # type: ignore[no-untyped-def]
    """A cycle whose gateway reads a variable nobody set: in incident."""
    platform.regulation.deploy(actors["head"], [bpmn_file("incident_missing_variable.bpmn")])
    sale = platform.clients.create_client(actors["anna"], "Stuck Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], sale.id, "incident_missing_variable")
    for element_id in ("Task_Side", "Task_First"):
        [task] = [t for t in platform.regulation.inbox(actors["anna"], cycle_id=cycle.id)
                  if (t[0] if isinstance(t, tuple) else t).element_id == element_id]
        task = task[0] if isinstance(task, tuple) else task
        platform.regulation.complete_task(actors["anna"], task.id, {})
    assert platform.regulation.cycle(actors["head"], cycle.id).status == "incident"
    return int(cycle.id)


def test_an_incident_reads_in_the_readers_language(client, login, platform, actors, profiles) -> None:
    cycle_id = _stuck_cycle(platform, actors)
    incident = platform.regulation.cycle(actors["head"], cycle_id).incident
    assert incident["code"] == "cannot_evaluate" and incident["params"]["reason"]["code"] == "name_not_defined"
    english = "'missing' is not defined for expression 'missing == 1'"
    assert english in incident["message"]

    platform.accounts.set_locale(actors["head"], "ru")
    login(client, "head")
    for url in (f"/cycles/{cycle_id}", "/incidents"):
        page = client.get(url).get_data(as_text=True)
        assert "Не удалось вычислить" in page and "переменная «missing» не определена" in page, url
        assert english not in page, url
    retried = client.post(f"/cycles/{cycle_id}/retry", follow_redirects=True).get_data(as_text=True)
    assert "переменная «missing» не определена" in retried  # the step failed again, said in Russian

    platform.accounts.set_locale(actors["head"], "en")
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert "Cannot evaluate" in page and english.replace("'", "&#39;") in page


def test_a_refused_diagram_is_explained_in_russian_and_english(api, client, login, csrf_token, platform, actors,
                                                                profiles) -> None:
    platform.accounts.set_locale(actors["head"], "ru")
    response = api("head").post("/api/v1/regulations", data=NEXT_WEEK, content_type="application/xml")
    assert response.status_code == 422
    [problem] = response.get_json()["details"]["problems"]
    assert problem["message"].startswith("due date: 'next week' is not a date or a duration")  # English kept
    assert problem["code"] and problem["params"]
    assert "next week" in problem["text"] and "срок" in problem["text"].lower(), problem["text"]

    login(client, "head")
    saved = client.post("/regulations/save", data=NEXT_WEEK, content_type="application/xml",
                        headers={"Accept": "application/json"})
    assert saved.get_json()["details"]["problems"][0]["text"] == problem["text"]
    token = csrf_token(client.get("/regulations").get_data(as_text=True))
    page = client.post("/regulations/upload", data={"csrf_token": token, "file": (io.BytesIO(NEXT_WEEK), "sale.bpmn")},
                       content_type="multipart/form-data")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "срок: " in html and "is not a date or a duration" not in html


def test_an_incident_e_mail_reads_in_the_recipients_language(platform, actors) -> None:
    """The worker composes the alert with the recipient's catalogue (set by the web and the CLI)."""
    from engine.notify import mail
    from storage.models import Notification
    from web.i18n import catalogue

    cycle_id = _stuck_cycle(platform, actors)
    incident = platform.regulation.cycle(actors["head"], cycle_id).incident
    note = Notification(kind="incident", title="Incident", link=f"/cycles/{cycle_id}",
                        data={"cycle_id": cycle_id, "client": "Stuck Ltd", "element": "Check",
                              "note": incident["message"], "code": incident["code"], "params": incident["params"]})
    _, russian = mail.compose(note, "ru", "Europe/Moscow", "https://crm.example", catalogue("ru"))
    assert "переменная «missing» не определена" in russian and "is not defined" not in russian
    _, english = mail.compose(note, "en", "UTC", "https://crm.example", catalogue("en"))
    assert "'missing' is not defined for expression" in english


def test_a_refused_hand_over_names_each_field_in_russian(client, login, platform, actors, profiles) -> None:
    platform.accounts.set_locale(actors["head"], "ru")
    login(client, "head")
    response = client.post("/handover?from=anna", data={"from": "anna", "to": "", "scope": "selected",
                                                        "period": "good"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "обязательное поле" in page and "is required" not in page
    assert "choose at least one client" not in page
