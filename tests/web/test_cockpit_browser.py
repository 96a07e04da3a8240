"""The cockpit in Debian's Chromium (issue 12): the explorer's filters and pages, the migration's
dry run, a batch's progress bar following the worker; in English, in Russian and at 390 px.
Screenshots go to test-artifacts/."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from engine.demo import loader as demo
from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO = Path(__file__).resolve().parents[2] / "bpmn" / "new_client_sale.bpmn"
TIMEOUT_MS = 10_000


def _page(browser: Any, base: str, who: str, width: int = 1280) -> tuple[Any, Any]:
    context = browser.new_context(locale="en-US", viewport={"width": width, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=login]", who)
    page.fill("input[name=password]", demo.PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(base + "/inbox")
    return context, page


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"cockpit-{name}.png"), full_page=True)


@pytest.fixture
def sales(platform: Reglament, actors) -> list[int]:
    """Five of anna's cycles and two of boris's on version 1; version 2 renames the demo task."""
    ids = []
    for who, name in [("anna", f"Anna client {i}") for i in range(5)] + [("boris", f"Boris client {i}") for i in range(2)]:
        client = platform.clients.create_client(actors[who], name)
        ids.append(platform.regulation.start_cycle(actors[who], client.id, "new_client_sale").id)
    xml = DEMO.read_text().replace("Task_PrepareDemo", "Task_Demo")
    platform.regulation.deploy(actors["head"], [SourceFile("v2.bpmn", xml.encode())])
    return ids


def test_the_explorer_filters_pages_and_exports(browser: Any, site: str, sales) -> None:
    context, page = _page(browser, site, "head")
    try:
        page.goto(site + "/cycles?limit=3")
        assert page.locator("#cycles tbody tr").count() == 3
        assert "7 cycles" in page.locator("#cycle-counts").inner_text()
        page.click("a[rel=next]")
        assert page.locator("#cycles tbody tr").count() == 3
        page.goto(site + "/cycles")
        page.fill("input[name=owner]", "boris")
        page.click("#cycle-filters button[type=submit]")
        page.wait_for_url("**owner=boris**")
        assert page.locator("#cycles tbody tr").count() == 2
        assert "Boris client" in page.locator("#cycles").inner_text()
        assert "owner=boris" in page.locator("#cycle-export a.button").get_attribute("href")
        _shot(page, "explorer-en")
        page.set_viewport_size({"width": 390, "height": 844})
        _shot(page, "explorer-390")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"the page scrolls sideways at 390 px ({width} px wide)"
    finally:
        context.close()


def test_the_migration_dry_run_and_the_batch_progress(browser: Any, site: str, platform: Reglament, actors, sales,
                                                      profiles) -> None:
    context, page = _page(browser, site, "head")
    try:
        page.goto(site + "/cycles?regulation=new_client_sale&version=1")
        page.click("#batch-form-box summary")
        page.click("#migrate-link")
        page.select_option("select[name='map.Task_PrepareDemo']", "Task_Demo")
        page.click("#dry-run")
        summary = page.locator("#dry-run-summary").inner_text()
        assert "7 of 7 cycles checked would migrate" in summary
        assert page.locator("#dry-run-cycles tr.ok").count() == 7
        assert "Timer Timer_RemindFirstCall: kept" in page.locator("#dry-run-cycles").inner_text()
        _shot(page, "dry-run-en")
        page.click("#apply")
        page.wait_for_url("**/cycles/batches/**")
        assert page.locator("#batch-progress h2").inner_text().startswith("Running")

        def work() -> None:  # the worker, a cycle at a time, so the bar moves
            time.sleep(1.0)
            while platform.cockpit.run_batches("browser-test", limit=1):
                time.sleep(0.2)

        worker = threading.Thread(target=work)
        worker.start()
        try:
            page.wait_for_selector("#batch-clean", timeout=30_000)  # the page reloads itself when done
        finally:
            worker.join()
        assert "7 of 7 cycles" in page.locator("#batch-progress").inner_text()
        _shot(page, "batch-done-en")
        assert {platform.regulation.cycle(actors["head"], i).version for i in sales} == {2}

        platform.accounts.set_locale(actors["head"], "ru")  # the same pages in Russian
        page.goto(site + "/cycles?regulation=new_client_sale&version=2")
        assert "Циклов: 7" in page.locator("#cycle-counts").inner_text()
        _shot(page, "explorer-ru")
        page.goto(page.url.replace("/cycles?", "/cycles/migrate?") + "&to_version=1&dry_run=1")
        assert "Пробный прогон" in page.content()
        _shot(page, "dry-run-ru")
        page.goto(site + f"/cycles/{sales[0]}")
        page.click("#operations summary")
        assert page.locator("#op-cancel h3").inner_text() == "Отменить цикл"
        _shot(page, "cycle-ru")
        page.set_viewport_size({"width": 390, "height": 844})
        _shot(page, "cycle-390-ru")
    finally:
        context.close()
