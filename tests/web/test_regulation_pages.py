"""Regulation pages and API: versions, viewer, modeler save, upload, download, compare."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import MIWG_DIR

ROOT = Path(__file__).resolve().parents[2]
DEMO = (ROOT / "bpmn" / "new_client_sale.bpmn").read_text()
MIWG = MIWG_DIR


@pytest.fixture
def head(client, login):
    assert login(client, "head").status_code == 302
    return client


@pytest.fixture
def anna(app, login):
    c = app.test_client()
    assert login(c, "anna").status_code == 302
    return c


def _save(client, xml: str, **headers):
    return client.post("/regulations/save", data=xml.encode(), content_type="application/xml",
                       headers={"Accept": "application/json", **headers})


def test_the_regulation_page_lists_versions_with_author_and_links(head) -> None:
    page = head.get("/regulations/new_client_sale").get_data(as_text=True)
    assert "New client sale" in page and "v1" in page and "head" in page
    assert "/regulations/new_client_sale/versions/1.bpmn?download=1" in page
    assert 'id="edit"' in page


def test_a_manager_may_view_but_not_edit(anna) -> None:
    assert anna.get("/regulations/new_client_sale/versions/1").status_code == 200
    assert anna.get("/regulations/new_client_sale/edit").status_code == 403
    response = _save(anna, DEMO.replace("Prepare demo", "Demo"))
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


def test_the_modeler_page_carries_its_config_and_the_bundle(head) -> None:
    page = head.get("/regulations/new_client_sale/edit").get_data(as_text=True)
    assert re.search(r'<script src="/static/dist/modeler\.js\?v=[0-9a-f]{16}"></script>', page)
    assert '"xmlUrl": "/regulations/new_client_sale/versions/1.bpmn"' in page
    assert '"saveUrl": "/regulations/save"' in page


def test_saving_a_valid_diagram_deploys_the_next_version(head, platform) -> None:
    response = _save(head, DEMO.replace('name="Prepare demo"', 'name="Prepare product demo"'))
    assert response.status_code == 201
    assert response.get_json()["version"] == 2
    assert platform.regulation.versions("new_client_sale").version == 2


def test_saving_an_invalid_diagram_lists_problems_by_element_and_deploys_nothing(head, platform) -> None:
    hostile = DEMO.replace("${result == 'refused'}", "${__import__('os').system('id')}", 1)
    response = _save(head, hostile)
    assert response.status_code == 422
    problems = response.get_json()["details"]["problems"]
    assert problems[0]["element_id"] == "Flow_Qualified_Refused" and problems[0]["element_name"] == "Refused"
    assert "__import__" in problems[0]["message"]
    assert platform.regulation.versions("new_client_sale").version == 1


def test_the_modeler_save_needs_the_csrf_header(csrf_client, login, csrf_token, platform) -> None:
    login(csrf_client, "head")
    response = _save(csrf_client, DEMO.replace("Prepare demo", "Demo"))
    assert response.status_code == 400 and response.get_json()["error"] == "csrf"
    page = csrf_client.get("/regulations/new_client_sale/edit").get_data(as_text=True)
    token = re.search(r'"csrf": "([^"]+)"', page).group(1)
    assert _save(csrf_client, DEMO.replace("Prepare demo", "Demo"), **{"X-CSRFToken": token}).status_code == 201
    assert platform.regulation.versions("new_client_sale").version == 2


def test_uploading_a_diagram_made_elsewhere_keeps_it_for_viewing(head, platform) -> None:
    data = {"file": ((MIWG / "C.1.0.bpmn").open("rb"), "C.1.0.bpmn"), "keep": "on"}
    response = head.post("/regulations/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    key = response.headers["Location"].rsplit("/", 1)[1]
    page = head.get(f"/regulations/{key}/versions/1").get_data(as_text=True)
    assert "cannot run here" in page and "archiveInvoice" in page and "serviceTask refused" in page
    listing = head.get("/regulations").get_data(as_text=True)
    assert "diagram only" in listing


def test_uploading_without_keep_refuses_and_lists_the_problems(head, platform) -> None:
    data = {"file": ((MIWG / "C.1.0.bpmn").open("rb"), "C.1.0.bpmn")}
    response = head.post("/regulations/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "archiveInvoice" in response.get_data(as_text=True)
    assert [r.key for r in platform.regulation.regulations()] == ["new_client_sale"]


def test_an_unsafe_upload_is_refused_even_with_keep(head, platform) -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    data = {"file": (__import__("io").BytesIO(bomb.encode()), "bomb.bpmn"), "keep": "on"}
    response = head.post("/regulations/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "DTD" in response.get_data(as_text=True)
    assert [r.key for r in platform.regulation.regulations()] == ["new_client_sale"]


def test_download_returns_the_stored_xml_as_an_attachment(head) -> None:
    response = head.get("/regulations/new_client_sale/versions/1.bpmn?download=1")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="new_client_sale-v1.bpmn"'
    assert 'id="Task_QualificationCall"' in response.get_data(as_text=True)


def test_compare_shows_what_changed_between_versions(head) -> None:
    _save(head, DEMO.replace('name="Review contract"', 'name="Legal review"'))
    page = head.get("/regulations/new_client_sale?old=1&new=2").get_data(as_text=True)
    assert 'id="comparison"' in page and "Task_ContractReview" in page
    assert "name &#39;Review contract&#39; -&gt; &#39;Legal review&#39;" in page


def test_the_api_lists_versions_serves_xml_and_compares(api) -> None:
    head = api("head")
    changed = DEMO.replace('name="Review contract"', 'name="Legal review"')
    assert head.post("/api/v1/regulations", data=changed, content_type="application/xml").status_code == 201
    versions = head.get("/api/v1/regulations/new_client_sale/versions").get_json()
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["created_by"] == "head"
    xml = head.get("/api/v1/regulations/new_client_sale/versions/2/xml")
    assert xml.mimetype == "application/xml" and 'name="Legal review"' in xml.get_data(as_text=True)
    diff = head.get("/api/v1/regulations/new_client_sale/compare?old=1&new=2").get_json()
    assert [c["element_id"] for c in diff["changes"]] == ["Task_ContractReview"]
    assert head.get("/api/v1/regulations/nope/versions").status_code == 404


def test_the_api_keeps_a_foreign_diagram_only_when_asked(api) -> None:
    head = api("head")
    content = (MIWG / "A.1.0.bpmn").read_bytes()
    refused = head.post("/api/v1/regulations", data=content, content_type="application/xml")
    assert refused.status_code == 422 and refused.get_json()["details"]["problems"]
    kept = head.post("/api/v1/regulations?keep_if_not_executable=1", data=content, content_type="application/xml")
    assert kept.status_code == 201 and kept.get_json()["executable"] is False


def test_the_cycle_page_carries_the_path_taken(client, login, platform, actors) -> None:
    sale = platform.clients.create_client(actors["anna"], "Path Ltd")
    cycle = platform.regulation.start_cycle(actors["anna"], sale.id, "new_client_sale")
    task = platform.regulation.inbox(actors["anna"], cycle_id=cycle.id)[0][0]
    platform.regulation.complete_task(actors["anna"], task.id, {"contact_person": "Ivan", "result": "qualified"})
    login(client, "head")
    page = client.get(f"/cycles/{cycle.id}").get_data(as_text=True)
    assert '"xmlUrl": "/regulations/new_client_sale/versions/1.bpmn"' in page
    assert '"Task_QualificationCall": 1' in page and '"active": ["Task_PrepareDemo"]' in page
