"""The modeler for a Russian team, and unsaved changes (issue 16), in a real browser (Chromium).

The palette, context pad and properties panel of bpmn-js read in Russian when the user's
language is Russian (bpmn-js-i18n completed with Reglament's tables), English otherwise; leaving
the modeler with unsaved edits asks first. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.demo import loader as demo

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
KEY = "new_client_sale"


def _signed_in(browser: Any, site: str, who: str, width: int = 1400) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site + "/login")
    page.fill("input[name=login]", who)
    page.fill("input[name=password]", demo.PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(site + "/inbox")
    page.errors = errors
    return context, page


def _modeler(page: Any, site: str) -> None:
    page.goto(f"{site}/regulations/{KEY}/edit")
    page.wait_for_selector("body[data-modeler=ready]")
    page.evaluate("""() => {  // a task selected: the panel shows its groups, the context pad its actions
        const m = window.reglamentModeler;
        m.get('selection').select(m.get('elementRegistry').get('Task_QualificationCall'));
    }""")
    page.wait_for_selector(".bio-properties-panel-group-header")


def _panel_titles(page: Any) -> list[str]:
    return page.eval_on_selector_all(".bio-properties-panel-group-header-title",
                                     "els => els.map(e => e.textContent.trim())")


def test_the_modeler_reads_in_russian_for_a_russian_user(browser, site, platform, actors, profiles) -> None:
    platform.accounts.set_locale(actors["head"], "ru")
    context, page = _signed_in(browser, site, "head")
    try:
        _modeler(page, site)
        titles = _panel_titles(page)
        assert "Общие" in titles and "Исполнители" in titles and "Формы" in titles and "General" not in titles
        palette = page.get_attribute(".djs-palette [data-action='create.start-event']", "aria-label")
        assert palette == "Создать начальное событие"
        pad = page.eval_on_selector_all(".djs-context-pad .entry", "els => els.map(e => e.getAttribute('title'))")
        assert "Добавить конечное событие" in pad, pad
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "modeler-ru.png"))
        assert page.errors == []
    finally:
        context.close()


def test_the_modeler_stays_english_for_an_english_user(browser, site) -> None:
    context, page = _signed_in(browser, site, "head")
    try:
        _modeler(page, site)
        assert "General" in _panel_titles(page)
        assert page.get_attribute(".djs-palette [data-action='create.start-event']", "aria-label") == \
            "Create start event"
    finally:
        context.close()


def test_leaving_the_modeler_with_unsaved_edits_asks_first(browser, site) -> None:
    context, page = _signed_in(browser, site, "head")
    try:
        _modeler(page, site)
        dialogs: list[str] = []

        def answer(dialog: Any) -> None:
            dialogs.append(dialog.type)
            dialog.dismiss()  # stay on the page

        page.on("dialog", answer)
        page.goto(site + "/inbox")  # no edit yet: leaves without asking
        assert dialogs == [] and page.url == site + "/inbox"
        _modeler(page, site)
        page.evaluate("""() => {
            const m = window.reglamentModeler, el = m.get('elementRegistry').get('Task_QualificationCall');
            m.get('modeling').updateLabel(el, 'Первый звонок');
        }""")
        assert page.get_attribute("body", "data-dirty") == "true"
        page.click("a.brand")  # a link away: the browser asks, the user stays
        page.wait_for_timeout(500)
        assert dialogs == ["beforeunload"]
        assert page.url.endswith(f"/regulations/{KEY}/edit")
    finally:
        context.close()


def test_the_properties_panel_can_be_hidden_and_the_canvas_takes_the_width(browser, site) -> None:
    context, page = _signed_in(browser, site, "head")
    try:
        _modeler(page, site)
        canvas = page.locator("#canvas").bounding_box()["width"]
        page.click("#toggle-properties")
        assert page.is_hidden("#properties") and page.get_attribute("#toggle-properties", "aria-expanded") == "false"
        assert page.locator("#canvas").bounding_box()["width"] > canvas + 300
        assert page.inner_text("#toggle-properties") == "Show properties"
        page.reload()  # remembered in this browser
        page.wait_for_selector("body[data-modeler=ready]")
        assert page.is_hidden("#properties")
        page.click("#toggle-properties")
        assert page.is_visible("#properties")
        assert page.errors == []
    finally:
        context.close()


def test_the_version_compare_marks_the_changed_elements_on_the_diagram(browser, site, platform, actors) -> None:
    from engine.demo.loader import BPMN_DIR
    from engine.regulation.versions import SourceFile

    xml = (BPMN_DIR / "new_client_sale.bpmn").read_bytes().replace(b'name="Prepare demo"', b'name="Prepare product demo"')
    assert platform.regulation.deploy(actors["head"], [SourceFile("new_client_sale.bpmn", xml)]).version == 2
    context, page = _signed_in(browser, site, "head")
    try:
        page.goto(f"{site}/regulations/{KEY}?old=1&new=2")
        page.wait_for_selector("body[data-viewer=ready]")
        changed = page.eval_on_selector_all(".djs-element.rg-changed", "els => els.map(e => e.dataset.elementId)")
        assert changed == ["Task_PrepareDemo"]
        assert page.eval_on_selector_all(".djs-element.rg-added", "els => els.length") == 0
        assert "Task_PrepareDemo" in page.inner_text("#comparison")
        page.screenshot(path=str(ARTIFACTS / "compare-diagram.png"), full_page=True)
        assert page.errors == []
    finally:
        context.close()


def test_the_dmn_editor_reads_in_russian_for_a_russian_user(browser, site, platform, actors, profiles) -> None:
    from engine.demo.schemes import NAME, load_demo_scheme

    load_demo_scheme(platform, actors["head"])
    platform.accounts.set_locale(actors["head"], "ru")
    context, page = _signed_in(browser, site, "head")
    try:
        page.goto(f"{site}/motivation/schemes/{NAME}/tables/commission_rate")
        page.wait_for_selector("body[data-dmn=ready]")
        header = page.inner_text(".dmn-decision-table-container")
        assert "Когда" in header or "Вход" in header, header[:300]
        assert "When" not in header.split()
        page.screenshot(path=str(ARTIFACTS / "dmn-ru.png"))
        assert page.errors == []
    finally:
        context.close()
