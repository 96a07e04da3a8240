"""A heavy page renders from its one page-shaped read: its template calls no service (each call
would open a transaction of its own). Every page also reads the session's user and counts the
unread notifications for the bell in the header, so a page is three transactions in all."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from engine.platform.root import Reglament

#: the session's user, the bell's count, the page's one read
PER_PAGE = 3


@contextmanager
def counting_transactions(platform: Reglament) -> Iterator[list[object]]:
    begun: list[object] = []

    def on_begin(conn: object) -> None:
        begun.append(conn)

    event.listen(platform.db.engine, "begin", on_begin)
    try:
        yield begun
    finally:
        event.remove(platform.db.engine, "begin", on_begin)


@pytest.fixture
def sale(platform: Reglament, actors: dict[str, Any], won_sale: Any) -> dict[str, int]:
    """A won sale with a refund and a running one of the same client (anna's)."""
    won = won_sale(platform, actors, "anna", "Counted Ltd", 250000)
    client_id = platform.regulation.cycle(actors["head"], won).client_id
    platform.motivation.record_reversal(actors["head"], won, "refunded", "1000", "Part returned")
    running = platform.regulation.start_cycle(actors["anna"], client_id, "new_client_sale").id
    return {"won": won, "running": running, "client": client_id}


@pytest.mark.parametrize("who, page", [
    ("head", "/cycles/{won}"), ("anna", "/cycles/{running}"), ("anna", "/clients/{client}"),
    ("anna", "/inbox"), ("anna", "/plan"), ("head", "/deals"), ("anna", "/deals"), ("anna", "/profile"),
])
def test_a_daily_work_page_is_one_read_besides_the_user_and_the_bell(client: Any, login: Any, platform: Reglament,
                                                                     sale: dict[str, int], who: str, page: str) -> None:
    assert login(client, who).status_code == 302
    url = page.format(**sale)
    with counting_transactions(platform) as begun:
        response = client.get(url)
    assert response.status_code == 200
    assert len(begun) == PER_PAGE, f"{url} opened {len(begun)} transactions"


def test_the_pages_still_show_what_their_helpers_used_to_read(client: Any, login: Any, platform: Reglament,
                                                             sale: dict[str, int]) -> None:
    assert login(client, "head").status_code == 302
    won = client.get(f"/cycles/{sale['won']}").get_data(as_text=True)
    assert 'id="reversals"' in won and "Part returned" in won, "a won cycle's refunds"
    assert 'id="files"' in won and "Contact person" in won, "the files section and the history's labels"
    assert login(client, "anna").status_code == 302
    inbox = client.get("/inbox").get_data(as_text=True)
    assert 'id="inbox"' in inbox and "Counted Ltd" in inbox
    assert 'id="files"' in client.get(f"/clients/{sale['client']}").get_data(as_text=True)


@pytest.mark.parametrize("page", [
    "/control", "/control/funnel", "/control/losses", "/control/durations", "/control/managers", "/control/heatmap",
])
def test_a_control_page_reads_its_figures_and_its_filter_choices_in_one_read(
        client: Any, login: Any, platform: Reglament, sale: dict[str, int], page: str) -> None:
    assert login(client, "head").status_code == 302
    with counting_transactions(platform) as begun:
        response = client.get(page)
    assert response.status_code == 200, page
    assert 'name="regulation"' in response.get_data(as_text=True), "the filter form is there"
    assert len(begun) == PER_PAGE, f"{page} opened {len(begun)} transactions"
