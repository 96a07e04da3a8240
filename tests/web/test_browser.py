"""A real browser on the running app: Playwright for Python driving Debian's Chromium.

The app is served by Werkzeug in a background thread on 127.0.0.1 (one server per
module; each test plugs in an app on its own fresh platform), with CSRF protection
on as in production. Screenshots go to test-artifacts/. Every request the pages
make is recorded: nothing may leave 127.0.0.1.

Chromium comes from Debian (``make browser``); ``playwright install`` is never used.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from engine.demo import loader as demo
from engine.platform.root import Reglament

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 10_000


class Session:
    """One user's browser context, recording every request its pages make."""

    def __init__(self, browser: Any, base: str, requests: list[str]) -> None:
        self.base = base
        self.context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.on("request", lambda request: requests.append(request.url))
        self.page = self.context.new_page()

    def login(self, who: str) -> Any:
        page = self.page
        page.goto(self.base + "/login")
        page.fill("input[name=login]", who)
        page.fill("input[name=password]", demo.PASSWORD)
        page.click("button:has-text('Log in')")
        page.wait_for_url(self.base + "/inbox")
        return page

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"browser-{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


def test_debian_chromium_is_installed(chromium: Any) -> None:
    assert chromium.path.exists(), chromium.missing


def test_anna_and_pavel_work_a_sale_and_head_reads_its_history(chromium: Any, site: str,
                                                               platform: Reglament, actors) -> None:
    from playwright.sync_api import expect

    browser = chromium.get()
    client = platform.clients.create_client(actors["anna"], "Acme", "Retail")
    cycle = platform.regulation.start_cycle(actors["anna"], client.id, "new_client_sale")
    requests: list[str] = []

    # -- anna: the qualification call, first empty, then filled in
    anna = Session(browser, site, requests)
    page = anna.login("anna")
    inbox = page.locator("#inbox")
    expect(inbox).to_contain_text("Qualification call")
    expect(inbox).to_contain_text("Acme")
    anna.shot("01-anna-inbox")

    page.click("#inbox >> text=Qualification call")
    expect(page.locator("h1")).to_have_text("Qualification call")
    expect(page.locator("label[for=f-contact_person]")).to_contain_text("Contact person")
    page.click("button:has-text('Complete task')")
    expect(page.locator("#task-form .flash.error")).to_have_text("Please correct the marked fields.")
    contact = page.locator(".field", has=page.locator("#f-contact_person"))
    expect(contact.locator(".error-text")).to_have_text("is required")
    expect(page.locator(".field", has=page.locator("#f-result")).locator(".error-text")).to_have_text("is required")
    expect(page.locator(".field", has=page.locator("#f-budget")).locator(".error-text")).to_have_count(0)
    anna.shot("02-anna-form-errors")

    page.fill("#f-contact_person", "Maria Petrova")
    page.fill("#f-budget", "1500000")
    page.select_option("#f-result", label="Qualified")
    page.click("button:has-text('Complete task')")
    page.wait_for_url(site + "/inbox")
    expect(page.locator(".flash.success")).to_have_text("Task “Qualification call” completed.")
    expect(page.locator("#inbox")).to_have_count(0)
    expect(page.locator("main .empty")).to_contain_text("Nothing to do here.")
    anna.shot("03-anna-done")
    anna.close()

    # -- pavel: Prepare demo arrives in his group queue; he claims and completes it
    pavel = Session(browser, site, requests)
    page = pavel.login("pavel")
    page.click("nav.tabs >> text=My groups")
    page.wait_for_url(site + "/inbox?scope=group")
    row = page.locator("#inbox tr", has_text="Prepare demo")
    expect(row).to_contain_text("Acme")
    expect(row).to_contain_text("Presales")
    pavel.shot("04-pavel-group-queue")
    row.locator("button:has-text('Claim')").click()
    expect(page.locator(".flash.success")).to_have_text("The task is yours now.")
    expect(page.locator("#inbox tr", has_text="Prepare demo")).to_have_count(0)

    page.click("nav.tabs >> text=Assigned to me")
    row = page.locator("#inbox tr", has_text="Prepare demo")
    expect(row).to_contain_text("pavel")
    row.locator("a", has_text="Prepare demo").click()
    expect(page.locator("h1")).to_have_text("Prepare demo")
    expect(page.locator("button:has-text('Release to group')")).to_be_visible()
    page.fill("#f-demo_date", "2026-12-03")
    page.fill("#f-demo_notes", "Focus on reporting")
    pavel.shot("05-pavel-prepare-demo")
    page.click("button:has-text('Complete task')")
    page.wait_for_url(site + "/inbox")
    expect(page.locator(".flash.success")).to_have_text("Task “Prepare demo” completed.")
    expect(page.locator("#inbox")).to_have_count(0)
    pavel.close()

    # -- head: the cycle page shows who did what
    head = Session(browser, site, requests)
    page = head.login("head")
    page.goto(f"{site}/cycles/{cycle.id}")
    expect(page.locator("h1")).to_contain_text(f"Cycle #{cycle.id}")
    expect(page.locator("#cycle-status")).to_have_text("Active")
    history = page.locator("#history")
    completed = history.locator("tr.ev-completed")
    expect(completed).to_have_count(2)
    expect(completed.nth(0)).to_contain_text("Prepare demo")  # newest first
    expect(completed.nth(0)).to_contain_text("pavel")
    expect(completed.nth(0)).to_contain_text("2026-12-03")
    expect(completed.nth(1)).to_contain_text("Qualification call")
    expect(completed.nth(1)).to_contain_text("anna")
    expect(completed.nth(1)).to_contain_text("Maria Petrova")
    expect(history.locator("tr.ev-claimed")).to_contain_text("pavel")
    expect(history.locator("tr.ev-started")).to_contain_text("anna")
    expect(page.locator("main")).to_contain_text("Hold presentation")  # the next open task
    head.shot("06-head-cycle-history")
    head.close()

    assert requests, "the recorder saw no requests"
    off_site = [url for url in requests if urlsplit(url).hostname != "127.0.0.1"]
    assert off_site == [], f"requests left 127.0.0.1: {off_site}"
    assert any(re.search(r"/static/css/app\.css\?v=[0-9a-f]{16}$", url) for url in requests), "the stylesheet was loaded"
    assert platform.regulation.cycle(actors["head"], cycle.id).stage == "Presentation"


def test_logging_in_never_sends_the_browser_off_site(chromium: Any, site: str) -> None:
    browser = chromium.isolated()  # resolves no name but 127.0.0.1: an off-site hop goes nowhere
    requests: list[str] = []
    session = Session(browser, site, requests)
    page = session.page
    try:
        page.goto(site + "/login?next=/%09/evil.example")
        page.fill("input[name=login]", "anna")
        page.fill("input[name=password]", demo.PASSWORD)
        with page.expect_request(lambda r: r.is_navigation_request() and r.method == "GET") as landing:
            page.click("button:has-text('Log in')")
        assert urlsplit(landing.value.url).hostname == "127.0.0.1", f"the browser was sent to {landing.value.url}"
        off_site = [url for url in requests if urlsplit(url).hostname != "127.0.0.1"]
        assert off_site == [], f"requests left 127.0.0.1: {off_site}"
    finally:
        session.close()
        browser.close()
