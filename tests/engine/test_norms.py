"""Contact norms per stage and segment, forgotten clients, and reminders about them."""
from __future__ import annotations

from typing import Any

import pytest
from conftest import Clock
from cycle_helpers import complete
from sqlalchemy import event, select

from engine.platform.root import Reglament
from engine.shared.access import Actor
from engine.shared.errors import Forbidden, InputInvalid
from storage.models import Notification

QUALIFIED = {"contact_person": "Maria", "budget": 1_500_000, "need": "CRM roll-out", "result": "qualified"}


@pytest.fixture(autouse=True)
def catalogue(platform: Reglament, actors: dict[str, Actor]) -> None:
    platform.regulation.save_work_type(actors["head"], "call", "Call", None)


def _sale(platform: Reglament, owner: Actor, name: str, segment: str | None = None) -> dict[str, Any]:
    client = platform.clients.create_client(owner, name, segment)
    return platform.regulation.start_cycle(owner, client.id, "new_client_sale")


def _forgotten(platform: Reglament, actor: Actor) -> dict[str, int]:
    """Client name -> days without contact, as the actor sees the list."""
    return {f.client_name: f.days_since for f in platform.control.forgotten(actor)}


def _notes(platform: Reglament) -> list[tuple[str, str]]:
    with platform.query() as s:
        return [(n.login, n.data["client_name"]) for n in s.scalars(
            select(Notification).where(Notification.kind == "forgotten_client").order_by(Notification.id))]


def test_the_head_sets_norms_per_stage_and_segment_from_the_regulations_stages(platform: Reglament, actors) -> None:
    head = actors["head"]
    platform.control.save_norm(head, "Qualification", None, 3)
    platform.control.save_norm(head, "Qualification", "Public sector", "10")
    platform.control.save_norm(head, "Qualification", None, 4)  # saving again changes the days
    grid = platform.control.norms()
    assert list(grid.stages) == ["Qualification", "Presentation", "Proposal", "Negotiation", "Contract", "Payment"]
    assert grid.cells["Qualification"][None].max_days == 4
    assert grid.cells["Qualification"]["Public sector"].max_days == 10
    assert grid.cells["Qualification"]["Retail"] is None and grid.cells["Negotiation"][None] is None
    platform.control.delete_norm(head, grid.cells["Qualification"]["Public sector"].id)
    assert platform.control.norms().cells["Qualification"]["Public sector"] is None


@pytest.mark.parametrize("stage, segment, days, field", [
    ("Haggling", None, 3, "stage"),
    ("Qualification", "Aerospace", 3, "segment"),
    ("Qualification", None, 0, "max_days"),
    ("Qualification", None, "soon", "max_days"),
    ("Qualification", None, 400, "max_days"),
])
def test_a_norm_needs_a_known_stage_and_segment_and_sensible_days(platform: Reglament, actors, stage: str,
                                                                  segment: str | None, days: Any, field: str) -> None:
    with pytest.raises(InputInvalid) as caught:
        platform.control.save_norm(actors["head"], stage, segment, days)
    assert list(caught.value.details["fields"]) == [field]


def test_only_the_head_sets_norms(platform: Reglament, actors) -> None:
    with pytest.raises(Forbidden):
        platform.control.save_norm(actors["anna"], "Qualification", None, 3)
    with pytest.raises(Forbidden):
        platform.control.save_norms(actors["anna"], {("Qualification", None): "3"})


def test_the_grid_saves_and_clears_several_norms_at_once(platform: Reglament, actors) -> None:
    head = actors["head"]
    platform.control.save_norm(head, "Proposal", None, 5)
    changed = platform.control.save_norms(head, {("Qualification", None): "3", ("Negotiation", "Retail"): "7",
                                         ("Proposal", None): "", ("Contract", None): ""})
    cells = platform.control.norms().cells
    assert changed == 3
    assert (cells["Qualification"][None].max_days, cells["Negotiation"]["Retail"].max_days) == (3, 7)
    assert cells["Proposal"][None] is None
    with pytest.raises(InputInvalid) as caught:
        platform.control.save_norms(head, {("Qualification", None): "1", ("Negotiation", None): "-2"})
    assert list(caught.value.details["fields"]) == ["Negotiation|"]
    assert platform.control.norms().cells["Qualification"][None].max_days == 3, "nothing saved when a cell is wrong"


def test_a_client_is_forgotten_once_its_stage_norm_passes_with_the_segment_norm_winning(
        platform: Reglament, actors, clock: Clock) -> None:
    anna, head = actors["anna"], actors["head"]
    platform.control.save_norm(head, "Qualification", None, 3)
    platform.control.save_norm(head, "Qualification", "Public sector", 10)
    _sale(platform, anna, "Retail Ltd", "Retail")
    _sale(platform, anna, "City Hall", "Public sector")
    _sale(platform, anna, "Plain Ltd")  # no segment: the any-segment norm
    clock.advance(days=3)
    assert _forgotten(platform, anna) == {}, "exactly three days is still within the norm"
    clock.advance(minutes=1)
    assert _forgotten(platform, anna) == {"Retail Ltd": 3, "Plain Ltd": 3}
    clock.advance(days=7, minutes=-2)  # ten days less a minute
    assert _forgotten(platform, anna) == {"Retail Ltd": 9, "Plain Ltd": 9}, "Public sector allows ten days"
    clock.advance(minutes=2)
    assert _forgotten(platform, anna) == {"Retail Ltd": 10, "Plain Ltd": 10, "City Hall": 10}
    (city,) = [f for f in platform.control.forgotten(anna) if f.client_name == "City Hall"]
    assert (city.stage, city.max_days, city.owner_login) == ("Qualification", 10, "anna")


def test_a_contact_takes_the_client_off_the_list_until_the_norm_passes_again(platform: Reglament, actors,
                                                                            clock: Clock) -> None:
    anna, head = actors["anna"], actors["head"]
    platform.control.save_norm(head, "Qualification", None, 3)
    sale = _sale(platform, anna, "Quiet Ltd")
    clock.advance(days=4)
    assert "Quiet Ltd" in _forgotten(platform, anna)
    contact = platform.planning.plan_contact(anna, sale.client_id, "call", clock.now)
    platform.planning.contact_done(anna, contact.id, "Still thinking")
    assert _forgotten(platform, anna) == {}
    clock.advance(days=3, hours=1)
    assert _forgotten(platform, anna) == {"Quiet Ltd": 3}


def test_a_completed_task_of_a_work_type_counts_as_a_contact(platform: Reglament, actors, clock: Clock) -> None:
    anna, head = actors["anna"], actors["head"]
    platform.control.save_norm(head, "Presentation", None, 2)
    sale = _sale(platform, anna, "Demo Ltd")
    clock.advance(days=5)
    complete(platform, anna, sale.id, "Task_QualificationCall", QUALIFIED)  # on to Presentation
    assert _forgotten(platform, anna) == {}
    clock.advance(days=2, minutes=1)
    assert _forgotten(platform, anna) == {"Demo Ltd": 2}


def test_a_manager_sees_his_own_forgotten_clients_and_the_head_everyones(platform: Reglament, actors,
                                                                         clock: Clock) -> None:
    anna, boris, head = actors["anna"], actors["boris"], actors["head"]
    platform.control.save_norm(head, "Qualification", None, 1)
    _sale(platform, anna, "Anna's Ltd")
    _sale(platform, boris, "Boris's Ltd")
    clock.advance(days=2)
    assert list(_forgotten(platform, anna)) == ["Anna's Ltd"]
    assert list(_forgotten(platform, boris)) == ["Boris's Ltd"]
    everyone = {f.client_name: f.owner_login for f in platform.control.forgotten(head)}
    assert everyone == {"Anna's Ltd": "anna", "Boris's Ltd": "boris"}
    assert {f.client_name for f in platform.control.forgotten(actors["alex"])} == set(everyone), "the analyst reads all"


def test_finished_cycles_and_stages_without_a_norm_are_never_forgotten(platform: Reglament, actors,
                                                                       clock: Clock) -> None:
    anna, head = actors["anna"], actors["head"]
    platform.control.save_norm(head, "Negotiation", None, 1)
    _sale(platform, anna, "Early Ltd")  # at Qualification: no norm there
    refused = _sale(platform, anna, "Refused Ltd")
    complete(platform, anna, refused.id, "Task_QualificationCall",
             {"contact_person": "Ivan", "result": "refused", "loss_reason": "No budget"})
    clock.advance(days=30)
    assert _forgotten(platform, anna) == {}


def test_the_forgotten_list_takes_the_same_few_queries_however_many_cycles(platform: Reglament, actors,
                                                                           clock: Clock) -> None:
    anna, head = actors["anna"], actors["head"]
    platform.control.save_norm(head, "Qualification", None, 1)
    platform.control.save_norm(head, "Qualification", "Retail", 2)

    def queries() -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(platform.db.engine, "before_cursor_execute", listener)
        try:
            platform.control.forgotten(head)
        finally:
            event.remove(platform.db.engine, "before_cursor_execute", listener)
        return len(statements)

    _sale(platform, anna, "One Ltd", "Retail")
    clock.advance(days=3)
    few = queries()
    for i in range(8):
        _sale(platform, anna, f"More {i}", ("Retail", "Manufacturing", None)[i % 3])
    clock.advance(days=3)
    assert len(platform.control.forgotten(head)) == 9
    assert queries() == few


def test_the_owner_is_reminded_once_per_breach(platform: Reglament, actors, clock: Clock) -> None:
    anna, boris, head = actors["anna"], actors["boris"], actors["head"]
    platform.control.save_norm(head, "Qualification", None, 3)
    sale = _sale(platform, anna, "Reminded Ltd")
    clock.advance(days=1)
    _sale(platform, boris, "Later Ltd")
    clock.advance(days=1)
    assert platform.control.remind_forgotten() == 0
    clock.advance(days=1, hours=1)
    assert platform.control.remind_forgotten() == 1
    assert _notes(platform) == [("anna", "Reminded Ltd")]
    clock.advance(hours=1)
    assert platform.control.remind_forgotten() == 0, "the same breach is told once"
    clock.advance(days=1)
    assert platform.control.remind_forgotten() == 1  # boris's Later Ltd is past its norm now
    contact = platform.planning.plan_contact(anna, sale.client_id, "call", clock.now)
    platform.planning.contact_done(anna, contact.id, "Call next month")
    assert platform.control.remind_forgotten() == 0
    clock.advance(days=3, hours=1)
    assert platform.control.remind_forgotten() == 1, "a new breach after a contact is told again"
    assert _notes(platform) == [("anna", "Reminded Ltd"), ("boris", "Later Ltd"), ("anna", "Reminded Ltd")]
    with platform.query() as s:
        note = s.scalars(select(Notification).where(Notification.login == "anna")
                         .order_by(Notification.id.desc())).first()
    assert note.link == f"/clients/{sale.client_id}" and note.data["cycle_id"] == sale.id
