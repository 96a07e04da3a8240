"""The cycles explorer (issue 12): filters, keyset pages, counts, the export and where the
cycles of a version wait."""
from __future__ import annotations

import pytest
from conftest import Clock
from cycle_helpers import complete, start

from engine.platform.root import Reglament
from engine.shared.errors import InputInvalid

QUALIFIED = {"contact_person": "Ivan", "result": "qualified", "budget": 900}


@pytest.fixture
def five(platform: Reglament, actors, clock: Clock) -> list[int]:
    """Five cycles an hour apart: anna's 1-3 (2 moved on to the demo), boris's 4, 5 (5 cancelled)."""
    ids = []
    for who, name in (("anna", "Alfa"), ("anna", "Beta"), ("anna", "Gamma"), ("boris", "Delta"), ("boris", "Epsilon")):
        ids.append(start(platform, actors[who], client_name=name).id)
        clock.advance(hours=1)
    complete(platform, actors["anna"], ids[1], "Task_QualificationCall", QUALIFIED)
    platform.cockpit.cancel(actors["head"], ids[4], "duplicate")
    return ids


def _ids(platform: Reglament, actor, **args: str) -> list[int]:
    page = platform.cockpit.explore(actor, args, limit=args.pop("limit", None))
    return [r.id for r in page.rows]


def test_filters_narrow_the_list_and_the_counts_follow(platform: Reglament, actors, five) -> None:
    head = actors["head"]
    assert _ids(platform, head) == list(reversed(five)), "newest first"
    assert _ids(platform, head, status="cancelled") == [five[4]]
    assert _ids(platform, head, owner="anna") == [five[2], five[1], five[0]]
    assert _ids(platform, head, element="Task_PrepareDemo") == [five[1]]
    assert _ids(platform, head, element="Timer_RemindFirstCall", owner="boris") == [five[3]]
    assert _ids(platform, head, variable="budget", value="900") == [five[1]]
    assert _ids(platform, head, client="gam") == [five[2]]
    assert _ids(platform, head, regulation="new_client_sale", version="1", sort="started") == five
    assert _ids(platform, head, started_from="2026-11-26", started_to="2026-11-26", stage="Qualification",
                status="active") == [five[3], five[2], five[0]]
    assert _ids(platform, head, ended_from="2026-11-26") == [five[4]]
    assert _ids(platform, head, incident="yes") == []
    counts = platform.cockpit.explore(head, {"owner": "boris"}).counts
    assert counts.total == 2 and counts.by_status["active"] == 1 and counts.by_status["cancelled"] == 1


def test_a_manager_sees_only_the_cycles_of_their_clients(platform: Reglament, actors, five) -> None:
    assert _ids(platform, actors["boris"]) == [five[4], five[3]]


def test_pages_follow_the_cursor_without_gaps_or_repeats(platform: Reglament, actors, five) -> None:
    head, seen, after = actors["head"], [], None
    while True:
        page = platform.cockpit.explore(head, {}, limit="2", after=after)
        seen += [r.id for r in page.rows]
        after = page.next
        if after is None:
            break
    assert seen == list(reversed(five))


def test_each_row_says_where_the_cycle_waits(platform: Reglament, actors, five) -> None:
    rows = platform.cockpit.explore(actors["head"], {"client": "Beta"}).rows
    assert [(w.element_id, w.kind) for w in rows[0].waiting_at] == [("Task_PrepareDemo", "task")]
    rows = platform.cockpit.explore(actors["head"], {"client": "Alfa"}).rows
    assert {w.element_id for w in rows[0].waiting_at} == {
        "Task_QualificationCall", "Timer_RemindFirstCall", "Timer_EscalateFirstCall"}


def test_bad_filters_are_named(platform: Reglament, actors) -> None:
    with pytest.raises(InputInvalid) as caught:
        platform.cockpit.explore(actors["head"], {"status": "sleeping", "started_from": "yesterday",
                                                  "owner": "nobody", "sort": "name", "version": "x"},
                                 limit="5000", after="garbage")
    assert set(caught.value.details["fields"]) == {"status", "started_from", "owner", "sort", "version", "limit",
                                                   "after"}


def test_the_export_holds_the_filtered_list_with_chosen_variables_and_no_formulas(platform: Reglament, actors,
                                                                                 five) -> None:
    head = actors["head"]
    platform.cockpit.edit_variables(head, five[0], {"memo": "=HYPERLINK(\"x\")", "amount": "250000.50"}, "test")
    header, rows = platform.cockpit.export(head, {"owner": "anna"}, "budget,memo")
    rows = list(rows)
    assert header[-2:] == ["budget", "memo"] and len(rows) == 3
    alfa = next(r for r in rows if r[2] == "Alfa")
    assert alfa[1] == f"new_client_sale-{five[0]}" and alfa[-1] == '=HYPERLINK("x")'
    assert "Task_QualificationCall" in alfa[10]
    assert header[13] == "amount" and alfa[13] == "250000.50", "the deal amount is a column of its own"
    assert {r[13] for r in rows if r[2] != "Alfa"} == {""}, "no amount yet: an empty cell"
    from engine.regulation.explorer_export import csv_lines
    text = "".join(csv_lines(header, rows))
    assert "'=HYPERLINK" in text, "a formula is quote-prefixed in CSV"
    with pytest.raises(InputInvalid, match="at most 20 variables"):
        platform.cockpit.export(head, {}, ",".join(f"v{i}" for i in range(21)))


def test_the_diagram_counts_cycles_waiting_and_in_incident_by_element(platform: Reglament, actors, five) -> None:
    counts = platform.cockpit.waiting_by_element(actors["head"], "new_client_sale", 1)
    assert counts["Task_QualificationCall"].as_dict() == {"waiting": 3, "incidents": 0}
    assert counts["Task_PrepareDemo"].as_dict() == {"waiting": 1, "incidents": 0}
