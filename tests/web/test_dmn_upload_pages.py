"""Uploading a regulation with its DMN files on the regulations page: the BPMN file and the DMN
files of its business rule tasks go up together; a task naming a decision in none of them is
refused on the page naming the task and the decision."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from test_dmn_rule_tasks import DEAL_DMN, SINGLE_RESULT, regulation


@pytest.fixture
def head(client, login):
    assert login(client, "head").status_code == 302
    return client


def _upload(client, *files):
    data = {"file": [(io.BytesIO(f.content), f.name) for f in files]}
    return client.post("/regulations/upload", data=data, content_type="multipart/form-data")


def test_a_regulation_and_its_dmn_file_are_uploaded_together(head, platform, actors) -> None:
    response = _upload(head, regulation(SINGLE_RESULT, '${deal["approver"] == "head"}'), DEAL_DMN)
    assert response.status_code == 302 and response.headers["Location"].endswith("/regulations/rule_task_sale")
    [version] = platform.regulation.versions("rule_task_sale").versions
    assert version.executable and version.problems == ()
    page = head.get("/regulations").get_data(as_text=True)
    assert 'accept=".bpmn,.dmn,.xml" multiple' in page
    assert "with the DMN files of its business rule tasks" in page


def test_a_missing_dmn_file_is_named_on_the_page(head, platform) -> None:
    """Deployed as Camunda deploys it, with a warning naming the task: a cycle would stop there."""
    response = _upload(head, regulation(SINGLE_RESULT))
    assert response.status_code == 302
    page = head.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rule_Approval" in page and "decision &#39;deal_approval&#39; is in no DMN file of this deploy" in page
    assert "rule_task_sale" in [r.key for r in platform.regulation.regulations()]


def test_the_upload_form_speaks_russian(head, profiles) -> None:
    head.post("/locale", data={"locale": "ru", "next": "/regulations"})
    page = head.get("/regulations").get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "Файл BPMN (Camunda Modeler или любой редактор BPMN 2.0) и файлы DMN его задач бизнес-правил" in page
