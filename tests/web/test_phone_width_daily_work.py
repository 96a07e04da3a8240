"""Daily work at phone width (issue 16), in Russian, in a real browser (Chromium at 390 px):
the inbox, a task page with its client card and earlier steps, the client page and the deal
board; nothing runs off the screen (the page is never wider than the phone). Screenshots go to
test-artifacts/ (phone-*.png)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.demo import loader as demo
from engine.platform.root import Reglament

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WIDTH = 390
#: the elements of <main> that reach past the phone's edge (named in a failure)
OVERFLOWING = """(w) => [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > w + 1).slice(0, 6)
    .map(e => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`)"""


def _task(platform: Reglament, actor, cycle_id: int, element: str) -> str:
    [task] = [t for t, _ in platform.regulation.inbox(actor, cycle_id=cycle_id) if t.element_id == element]
    return task.id


@pytest.fixture
def work(platform: Reglament, actors) -> dict[str, Any]:
    """Boris's clients in Russian: one at negotiation with an amount, one at the first call."""
    boris, pavel = actors["boris"], actors["pavel"]
    first = platform.clients.create_client(boris, "ООО «Северная торговая компания и партнёры»", contact={
        "name": "Мария Ивановна Кузнецова-Соколова", "position": "Финансовый директор",
        "phone": "+7 (916) 123-45-67", "email": "maria.kuznetsova-sokolova@severnaya-torgovaya.example"})
    cycle = platform.regulation.start_cycle(boris, first.id, "new_client_sale")
    platform.regulation.complete_task(boris, _task(platform, boris, cycle.id, "Task_QualificationCall"), {
        "contact_person": "Мария Ивановна", "budget": "12 500 000,00",
        "need": "Автоматизация отдела продаж на 40 менеджеров с интеграцией в учётную систему", "result": "qualified"})
    platform.regulation.complete_task(pavel, _task(platform, pavel, cycle.id, "Task_PrepareDemo"),
                                      {"demo_date": "2026-12-10"})
    platform.regulation.complete_task(boris, _task(platform, boris, cycle.id, "Task_Presentation"),
                                      {"result": "interested"})
    platform.regulation.complete_task(boris, _task(platform, boris, cycle.id, "Task_Proposal"),
                                      {"amount": "10 250 000,50", "discount_pct": "5"})
    second = platform.clients.create_client(boris, "ИП Сидоров")
    other = platform.regulation.start_cycle(boris, second.id, "new_client_sale")
    return {"client_id": first.id, "negotiation": _task(platform, boris, cycle.id, "Task_Negotiation"),
            "call": _task(platform, boris, other.id, "Task_QualificationCall")}


def test_daily_work_fits_a_phone_in_russian(browser, site, work) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(site + "/login")
        page.fill("input[name=login]", "boris")  # boris works in Russian
        page.fill("input[name=password]", demo.PASSWORD)
        page.click("button:has-text('Log in')")
        page.wait_for_url(site + "/inbox")
        pages = {"inbox": "/inbox", "task": f"/tasks/{work['negotiation']}", "call": f"/tasks/{work['call']}",
                 "client": f"/clients/{work['client_id']}", "deals": "/deals"}
        wide = {}
        ARTIFACTS.mkdir(exist_ok=True)
        for name, path in pages.items():
            page.goto(site + path)
            assert page.locator("html").get_attribute("lang") == "ru"
            page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                wide[name] = (width, page.evaluate(OVERFLOWING, WIDTH))
        assert wide == {}, f"pages wider than the phone ({WIDTH} px): {wide}"
        page.goto(site + f"/tasks/{work['negotiation']}")
        assert page.is_visible("#client-card") and page.is_visible("#earlier-steps")
        assert "Записано на прошлых шагах" in page.inner_text("#earlier-steps")
        assert errors == []
    finally:
        context.close()
