"""A regulation's version history reads as a record (issue 16): each version says who deployed
it (by name), when (in the reader's zone, to the minute) and the comment the deploy gave, from
the modeler, the upload form or the API."""
from __future__ import annotations

import re
from html import unescape
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
DEMO = (ROOT / "bpmn" / "new_client_sale.bpmn").read_text()


def _row(page: str, version: int) -> str:
    found = re.search(rf'<tr data-version="{version}">(.*?)</tr>', page, re.S)
    assert found, f"v{version} is listed"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_each_version_shows_who_when_and_the_deploys_comment(client, login, platform, actors, profiles) -> None:
    platform.accounts.update_profile(actors["head"], None, "Europe/Moscow", "ru")
    assert login(client, "head").status_code == 302
    saved = client.post("/regulations/save?comment=" + "Demo%20is%20now%20a%20product%20demo",
                        data=DEMO.replace('name="Prepare demo"', 'name="Prepare product demo"').encode(),
                        content_type="application/xml", headers={"Accept": "application/json"})
    assert saved.status_code == 201 and saved.get_json()["version"] == 2
    uploaded = client.post("/regulations/upload", content_type="multipart/form-data", data={
        "file": (BytesIO(DEMO.replace('name="Prepare demo"', 'name="Demo"').encode()), "sale.bpmn"),
        "comment": "  Shorter   name  "})
    assert uploaded.status_code == 302
    page = client.get("/regulations/new_client_sale").get_data(as_text=True)
    deployed = next(v.created_at for v in platform.regulation.versions("new_client_sale").versions if v.version == 2)
    moscow = deployed.astimezone(ZoneInfo("Europe/Moscow"))
    assert _row(page, 2).startswith(f"v2 {moscow:%d.%m.%Y, %H:%M} Nikolai Head (head) Demo is now a product demo"), \
        "when in the reader's zone to the minute, who by name, the comment"
    assert "Shorter name" in _row(page, 3), "a comment is kept on one line, trimmed"
    assert "Комментарий" in page
    assert _row(page, 1).count("(head)") == 1


def test_the_api_deploys_with_a_comment_and_lists_it(api) -> None:
    head = api("head")
    xml = DEMO.replace('name="Prepare demo"', 'name="Demo for the API"').encode()
    deployed = head.post("/api/v1/regulations?comment=From%20CI", data=xml, content_type="application/xml")
    assert deployed.status_code == 201
    versions = head.get("/api/v1/regulations/new_client_sale/versions").get_json()
    newest = max(versions, key=lambda v: v["version"])
    assert (newest["comment"], newest["created_by"], newest["created_by_name"]) == ("From CI", "head", "Nikolai Head")
    too_long = head.post("/api/v1/regulations?comment=" + "x" * 501, data=DEMO.replace("Prepare demo", "D").encode(),
                         content_type="application/xml")
    assert too_long.status_code == 422 and "comment" in too_long.get_json()["details"]["fields"]


def test_the_modeler_offers_the_comment_field(client, login) -> None:
    assert login(client, "head").status_code == 302
    page = client.get("/regulations/new_client_sale/edit").get_data(as_text=True)
    assert 'id="deploy-comment"' in page and 'maxlength="500"' in page
