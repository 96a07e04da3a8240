"""The work-type catalogue: who edits it, and the due dates it gives tasks."""
from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import Clock

from engine.platform.root import Reglament
from engine.shared.errors import Forbidden, InputInvalid


def test_the_head_sets_a_default_due_and_new_tasks_of_that_type_get_it(platform: Reglament, actors,
                                                                     clock: Clock) -> None:
    platform.regulation.save_work_type(actors["head"], "call", "Call", "P2D")
    anna = actors["anna"]
    cycle = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "Due Ltd").id, "new_client_sale")
    (task, _), = platform.regulation.inbox(anna, cycle_id=cycle.id)
    assert task.work_type == "call" and task.due_at == clock.now + timedelta(days=2)


def test_a_due_set_on_another_host_holds_here_at_once(platform: Reglament, actors, clock: Clock) -> None:
    anna = actors["anna"]
    first = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "Before Ltd").id,
                                            "new_client_sale")
    other_host = Reglament(platform.db, "test-secret", clock=platform.ctx.now)
    other_host.regulation.save_work_type(actors["head"], "call", "Call", "P3D")
    second = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "After Ltd").id,
                                             "new_client_sale")
    (before, _), = platform.regulation.inbox(anna, cycle_id=first.id)
    (after, _), = platform.regulation.inbox(anna, cycle_id=second.id)
    assert before.due_at is None and after.due_at == clock.now + timedelta(days=3)


def test_without_a_default_a_task_has_no_due_date(platform: Reglament, actors) -> None:
    anna = actors["anna"]
    cycle = platform.regulation.start_cycle(anna, platform.clients.create_client(anna, "No Due Ltd").id, "new_client_sale")
    (task, _), = platform.regulation.inbox(anna, cycle_id=cycle.id)
    assert task.due_at is None


def test_changing_a_work_type_keeps_one_row(platform: Reglament, actors) -> None:
    platform.regulation.save_work_type(actors["head"], "site_visit", "Site visit", "P3D")
    platform.regulation.save_work_type(actors["head"], "site_visit", "Visit on site", "pt4h")
    assert [w.as_dict() for w in platform.regulation.work_types() if w.name == "site_visit"] == [
        {"name": "site_visit", "label": "Visit on site", "default_due": "PT4H"}]


@pytest.mark.parametrize(("name", "label", "due", "field"), [
    ("Call!", "Call", "P1D", "name"), ("call", "", "P1D", "label"), ("call", "Call", "1 day", "default_due"),
    ("call", "Call", "P1M", "default_due"),
])
def test_bad_work_types_are_refused_per_field(platform: Reglament, actors, name, label, due, field) -> None:
    with pytest.raises(InputInvalid) as refused:
        platform.regulation.save_work_type(actors["head"], name, label, due)
    assert field in refused.value.details["fields"]


def test_a_manager_cannot_edit_the_catalogue(platform: Reglament, actors) -> None:
    with pytest.raises(Forbidden):
        platform.regulation.save_work_type(actors["anna"], "call", "Call", "P1D")
