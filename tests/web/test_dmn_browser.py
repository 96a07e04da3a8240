"""The decision-table editor in a real browser: Playwright for Python driving Debian's Chromium
(launched as tests/web/test_modeler_browser.py does; ``playwright install`` is never used).

A head opens the commission table of the demo scheme in dmn-js, types a rate with a decimal
comma (refused: the problem is shown and its cell marked, nothing is saved), then the rate
with a point: saved as draft version 2. On the scheme page he activates the draft; the table
in force now gives the new rate, and the manager's recomputed draft statement pays it.
Every request of every page stays on 127.0.0.1. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from engine.demo import loader as demo
from engine.demo.schemes import NAME, load_demo_scheme
from engine.platform.root import Reglament

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 10_000
PERIOD = "2026-11"  # the test clock's month


class Session:
    """One user's browser context, logged in through the form; records every request."""

    def __init__(self, browser: Any, base: str, who: str) -> None:
        self.base, self.urls, self.errors = base, [], []
        self.context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.urls.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(base + "/login")
        self.page.fill("input[name=login]", who)
        self.page.fill("input[name=password]", demo.PASSWORD)
        self.page.click("button:has-text('Log in')")
        self.page.wait_for_url(base + "/inbox")

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"dmn-{name}.png"), full_page=True)

    def assert_stayed_local(self) -> None:
        off_site = [url for url in self.urls
                    if not (url.startswith(self.base + "/") or url.startswith(("data:", "blob:")))]
        assert self.urls and off_site == [], f"requests left {self.base}: {off_site}"
        assert self.errors == [], f"uncaught errors in the page: {self.errors}"


@pytest.fixture
def browse(browser: Any, site: str) -> Iterator[Any]:
    sessions: list[Session] = []

    def _open(who: str) -> Session:
        sessions.append(Session(browser, site, who))
        return sessions[-1]

    yield _open
    for session in sessions:
        session.context.close()


def rate_cell(page: Any, test: str) -> Any:
    """The output cell of the rule whose input entry is ``test``, as dmn-js draws it."""
    row = page.locator(".dmn-decision-table-container tbody tr",
                       has=page.locator("td.input-cell", has_text=test))
    return row.locator("td.output-cell").first


def type_into(page: Any, cell: Any, text: str) -> None:
    """Click a cell (dmn-js opens its FEEL editor), replace what it holds with ``text``."""
    cell.click()
    page.wait_for_selector(".dmn-decision-table-container .cm-content:focus, "
                           ".dmn-decision-table-container [contenteditable]:focus")
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_a_head_edits_a_rate_in_dmn_js_saves_and_activates_it(browse: Any, platform: Reglament, actors,
                                                               won_sale: Any) -> None:
    from playwright.sync_api import expect

    head_actor, anna_actor = actors["head"], actors["anna"]
    load_demo_scheme(platform, head_actor)
    won_sale(platform, actors, "anna", "Acme", 1_000_000)
    platform.motivation.save_plans(head_actor, PERIOD, "actual", {"user:anna|revenue": "1000000"})
    platform.motivation.compute_statements(head_actor, PERIOD)
    [statement_id] = [r.statement.id for r in platform.motivation.statements(head_actor, PERIOD).rows
                      if r.login == "anna" and r.statement is not None]

    head = browse("head")
    page = head.page
    page.goto(head.base + "/motivation/schemes")
    page.locator("#schemes a", has_text=NAME).click()
    page.locator("#edit-commission_rate").click()
    page.wait_for_url(re.compile(rf"/motivation/schemes/{NAME}/tables/commission_rate$"))
    page.wait_for_selector("body[data-dmn=ready]")
    # the table is drawn whole: five rules, styled by dmn-js's own (bundled) CSS
    expect(page.locator(".dmn-decision-table-container tbody tr td.input-cell")).to_have_count(5)
    assert page.locator(".dmn-decision-table-container .decision-table-name").inner_text().strip() == "Commission rate"
    styled = page.evaluate("""async () => {
        await document.fonts.ready;
        const box = document.querySelector('.dmn-decision-table-container .tjs-table-container');
        const table = document.querySelector('.dmn-decision-table-container .tjs-table').getBoundingClientRect();
        return {border: getComputedStyle(box).borderLeftStyle, icons: document.fonts.check('16px dmn'),
                right: table.right, width: window.innerWidth};
    }""")
    assert styled["border"] == "solid" and styled["icons"], styled  # dmn-js's CSS and icon font are served
    assert styled["right"] <= styled["width"], styled  # the whole table is in view
    cell = rate_cell(page, "[1..1.2)")
    expect(cell).to_have_text("0.07")
    head.shot("01-editor")

    # a decimal comma: refused by the server, the cell is marked, nothing is saved
    type_into(page, cell, "0,08")
    page.click("#dmn-save")
    problem = page.locator("#dmn-problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("table commission_rate: rule 4, output rate: '0,08': write decimals with a point (0.08)")
    expect(page.locator("#dmn-status")).to_have_text("Not saved: fix the problem below.")
    expect(page.locator(".dmn-decision-table-container td.rg-problem")).to_have_count(1)
    assert [v.version for v in platform.motivation.scheme_versions(head_actor, NAME)] == [1]
    head.shot("02-refused")

    type_into(page, rate_cell(page, "[1..1.2)"), "0.08")
    page.click("#dmn-save")
    page.wait_for_selector("body[data-saved='2']")
    expect(page.locator("#dmn-status")).to_contain_text("Saved in draft version 2.")
    expect(problem).to_be_hidden()
    expect(page.locator(".dmn-decision-table-container td.rg-problem")).to_have_count(0)
    assert [(v.version, v.status) for v in platform.motivation.scheme_versions(head_actor, NAME)] == [
        (1, "active"), (2, "draft")]
    head.shot("03-saved")

    page.locator("#dmn-scheme-link").click()
    page.wait_for_url(re.compile(rf"/motivation/schemes/{NAME}\?version=2$"))
    expect(page.locator("#table-commission_rate tr[data-rule='4'] td.dt-out")).to_have_text("0.08")
    page.locator("#activate input[name=sure]").check()
    page.locator("#activate button").click()
    expect(page.locator(".flash.success")).to_contain_text("Version 2 is active")
    head.shot("04-activated")
    assert [(v.version, v.status) for v in platform.motivation.scheme_versions(head_actor, NAME)] == [
        (1, "retired"), (2, "active")]
    in_force = platform.motivation.scheme_in_force(anna_actor, "anna", platform.ctx.now().date())
    assert (in_force.name, in_force.version) == (NAME, 2)
    result = platform.motivation.evaluate_scheme_table(anna_actor, NAME, "commission_rate", {"attainment": Decimal("1.1")})
    assert result.value == Decimal("0.08") and result.rules == (4,)
    assert platform.motivation.evaluate_scheme_table(anna_actor, NAME, "commission_rate", {"attainment": Decimal("1.1")},
                                          version=1).value == Decimal("0.07")

    # the head recomputes the drafts; the manager's statement pays the new rate
    page.goto(f"{head.base}/motivation/statements?period={PERIOD}")
    page.locator("button", has_text="Compute drafts").click()
    expect(page.locator(".flash.success")).to_contain_text("Drafts computed")
    head.assert_stayed_local()

    anna = browse("anna")
    anna.page.goto(f"{anna.base}/motivation/statements/{statement_id}")
    commission = anna.page.locator("tr.line.kind-commission")
    expect(commission).to_contain_text("8 % of 1,000,000.00 RUB")
    expect(commission).to_contain_text("80,000.00")
    expect(anna.page.locator("main")).to_contain_text("Table commission_rate, rule 4")
    anna.shot("05-statement")
    anna.assert_stayed_local()
