"""In a browser: the head picks a BPMN file and its DMN file in the upload form, the regulation is
deployed and runs; the form in English, in Russian and at phone width (screenshots in
test-artifacts/)."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from test_dmn_rule_tasks import DEAL_DMN, SINGLE_RESULT, regulation

from engine.demo import loader as demo

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def head_page(browser: Any, site: str, profiles) -> Iterator[Any]:
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(site + "/login")
    page.fill("input[name=login]", "head")
    page.fill("input[name=password]", demo.PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(site + "/inbox")
    yield page
    context.close()


def test_the_head_uploads_a_regulation_with_its_dmn_file(head_page: Any, site: str, platform, tmp_path) -> None:
    bpmn, dmn = regulation(SINGLE_RESULT, '${deal["approver"] == "head"}'), DEAL_DMN
    for f in (bpmn, dmn):
        (tmp_path / f.name).write_bytes(f.content)
    page = head_page
    page.goto(site + "/regulations")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dmn-upload-en.png"), full_page=True)
    page.set_input_files("#upload input[type=file]", [str(tmp_path / bpmn.name), str(tmp_path / dmn.name)])
    page.uncheck("#upload input[name=keep]")
    page.click("#upload button[type=submit]")
    page.wait_for_url(site + "/regulations/rule_task_sale")
    assert "Deployed as version 1." in page.content()
    assert platform.regulation.versions("rule_task_sale").versions[0].executable


def test_the_upload_form_in_russian_and_at_phone_width(head_page: Any, site: str) -> None:
    page = head_page
    page.goto(site + "/regulations")
    page.context.request.post(site + "/locale", form={"locale": "ru", "next": "/regulations",
                                                      "csrf_token": page.get_attribute("input[name=csrf_token]", "value")})
    page.goto(site + "/regulations")
    assert "файлы DMN его задач бизнес-правил" in page.content()
    page.screenshot(path=str(ARTIFACTS / "dmn-upload-ru.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/regulations")
    page.screenshot(path=str(ARTIFACTS / "dmn-upload-ru-390.png"), full_page=True)
    label = page.locator("#upload label").first.bounding_box()
    form = page.locator("#upload").bounding_box()
    assert label is not None and form is not None
    assert label["x"] + label["width"] <= form["x"] + form["width"] and label["height"] > 30, \
        "the long label wraps inside the upload form"
