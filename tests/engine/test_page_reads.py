"""A heavy page is read in one transaction: its parts agree with each other (one snapshot) and
the database sees one BEGIN instead of one per part."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import event

from engine.platform.root import Reglament
from engine.regulation.reading import CycleView, TaskView
from engine.shared.access import Actor


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


def test_the_client_page_is_one_read_transaction(platform: Reglament, actors: dict[str, Actor]) -> None:
    head = actors["head"]
    client = platform.clients.create_client(head, "Alfa Retail", "Retail", "anna")
    platform.regulation.start_cycle(head, client.id, "new_client_sale")
    with counting_transactions(platform) as begun:
        page = platform.clients.client_page(head, client.id)
    assert len(begun) == 1, f"the client page opened {len(begun)} transactions"
    assert page.client.name == "Alfa Retail" and page.card.data.name == "Alfa Retail"
    assert len(page.cycles) == 1 and page.timeline.entries, "the started cycle is on the page and its timeline"
    assert "new_client_sale" in [r.key for r in page.regulations]
    assert isinstance(page.cycles[0], CycleView) and page.cycles[0].regulation_name, "read models, not rows"
    assert page.files == [], "the client's files come with the page (none yet)"


def test_the_inbox_is_one_read_with_the_deal_amounts(platform: Reglament, actors: dict[str, Actor]) -> None:
    anna = actors["anna"]
    client = platform.clients.create_client(anna, "Amount Ltd")
    cycle = platform.outside.start_cycle(anna, client.id, "new_client_sale", None, {"amount": "1250.50"})
    with counting_transactions(platform) as begun:
        page = platform.regulation.inbox_page(anna, cycle_id=cycle.id, with_forms=True)
    assert len(begun) == 1, f"the inbox opened {len(begun)} transactions"
    [row] = page.rows
    assert isinstance(row.task, TaskView) and row.task.client_name == "Amount Ltd" and row.form
    assert row.amount == Decimal("1250.50") and row.as_dict()["amount"] == "1250.50" and page.next is None


def test_an_invalid_timeline_cursor_falls_back_to_the_newest_page(platform: Reglament,
                                                                  actors: dict[str, Actor]) -> None:
    head = actors["head"]
    client = platform.clients.create_client(head, "Beta", "Retail", "anna")
    page = platform.clients.client_page(head, client.id, after="not-a-cursor")
    assert page.after is None and page.timeline == platform.clients.client_timeline(head, client.id)


def test_reads_outside_a_page_still_open_their_own_transaction(platform: Reglament) -> None:
    with counting_transactions(platform) as begun:
        platform.regulation.regulations()
        platform.regulation.work_types()
    assert len(begun) == 2
