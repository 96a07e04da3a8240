"""Who may do what: checked by the engine, whatever door the request came through."""
from __future__ import annotations

from typing import Any

import pytest
from conftest import DEMO_BPMN
from cycle_helpers import complete, events, open_task, start, visible

from engine.platform.root import Reglament
from engine.regulation.versions import SourceFile
from engine.shared.access import Actor
from engine.shared.errors import Forbidden, TaskNotActionable

QUALIFIED = {"contact_person": "Maria", "result": "qualified"}


@pytest.fixture
def cycle(platform: Reglament, actors: dict[str, Actor]) -> dict[str, Any]:
    return start(platform, actors["anna"])


def _at_demo(platform: Reglament, actors: dict[str, Actor], cycle: dict[str, Any]):
    complete(platform, actors["anna"], cycle.id, "Task_QualificationCall", QUALIFIED)
    return open_task(platform, actors["pavel"], cycle.id, "Task_PrepareDemo")


def test_another_manager_cannot_complete_annas_task(platform: Reglament, actors, cycle) -> None:
    task = open_task(platform, actors["anna"], cycle.id, "Task_QualificationCall")
    with pytest.raises(Forbidden, match="assigned to anna"):
        platform.regulation.complete_task(actors["boris"], task.id, QUALIFIED)
    assert open_task(platform, actors["anna"], cycle.id, "Task_QualificationCall").id == task.id
    assert events(platform.regulation.history(actors["anna"], cycle.id), "completed") == []


def test_a_sales_colleague_cannot_take_annas_task_over_by_claiming_it(platform: Reglament, actors,
                                                                      cycle) -> None:
    # boris is in the Sales lane of the task, so this is a conflict rather than a missing right
    task = open_task(platform, actors["anna"], cycle.id, "Task_QualificationCall")
    with pytest.raises(TaskNotActionable, match="already assigned to anna"):
        platform.regulation.claim_task(actors["boris"], task.id)
    assert visible(platform, actors["boris"], cycle.id) == []
    assert visible(platform, actors["anna"], cycle.id, "mine") == ["Task_QualificationCall"]
    assert events(platform.regulation.history(actors["anna"], cycle.id), "claimed") == []


def test_a_user_outside_the_tasks_groups_is_forbidden_to_claim_an_assigned_task(
        platform: Reglament, actors, cycle) -> None:
    task = open_task(platform, actors["anna"], cycle.id, "Task_QualificationCall")
    with pytest.raises(Forbidden):
        platform.regulation.claim_task(actors["olga"], task.id)


def test_a_user_outside_the_group_cannot_claim_or_complete_group_work(platform: Reglament, actors,
                                                                      cycle) -> None:
    demo = _at_demo(platform, actors, cycle)
    for login in ("anna", "boris", "lena"):
        with pytest.raises(Forbidden, match="Presales"):
            platform.regulation.claim_task(actors[login], demo.id)
        with pytest.raises(Forbidden, match="Presales"):
            platform.regulation.complete_task(actors[login], demo.id, {"demo_date": "2026-12-01"})
    assert open_task(platform, actors["pavel"], cycle.id, "Task_PrepareDemo").assignee is None


def test_pavel_claims_and_releases_presales_group_work(platform: Reglament, actors, cycle, clock) -> None:
    pavel = actors["pavel"]
    demo = _at_demo(platform, actors, cycle)
    assert visible(platform, pavel, cycle.id, "group") == ["Task_PrepareDemo"]
    clock.advance(minutes=5)
    platform.regulation.claim_task(pavel, demo.id)
    assert visible(platform, pavel, cycle.id, "mine") == ["Task_PrepareDemo"]
    assert visible(platform, pavel, cycle.id, "group") == []
    platform.regulation.claim_task(pavel, demo.id)  # claiming one's own task again changes nothing
    clock.advance(minutes=5)
    platform.regulation.release_task(pavel, demo.id)
    assert visible(platform, pavel, cycle.id, "mine") == []
    assert visible(platform, pavel, cycle.id, "group") == ["Task_PrepareDemo"]
    assert open_task(platform, pavel, cycle.id, "Task_PrepareDemo").assignee is None
    history = platform.regulation.history(actors["head"], cycle.id)
    trail = [(e.type, e.actor) for e in history if (e.task.id if e.task else None) == demo.id]
    assert trail == [("created", None), ("claimed", "pavel"), ("released", "pavel")]


def test_only_the_holder_may_release_a_claimed_task(platform: Reglament, actors, cycle) -> None:
    demo = _at_demo(platform, actors, cycle)
    platform.regulation.claim_task(actors["pavel"], demo.id)
    with pytest.raises(Forbidden):
        platform.regulation.release_task(actors["anna"], demo.id)
    assert open_task(platform, actors["pavel"], cycle.id, "Task_PrepareDemo").assignee == "pavel"


def test_anna_does_not_see_presales_group_work(platform: Reglament, actors, cycle) -> None:
    _at_demo(platform, actors, cycle)
    anna = actors["anna"]
    assert visible(platform, anna, cycle.id) == []
    assert [t.element_id for t, _ in platform.regulation.inbox(anna, scope="group")] == []
    assert [t.element_id for t, _ in platform.regulation.inbox(actors["pavel"], scope="group")] == ["Task_PrepareDemo"]
    # she still follows her own client's cycle
    assert platform.regulation.cycle(anna, cycle.id).stage == "Presentation"


def test_a_regulation_assigned_task_cannot_be_released(platform: Reglament, actors, cycle) -> None:
    task = open_task(platform, actors["anna"], cycle.id, "Task_QualificationCall")
    with pytest.raises(TaskNotActionable, match="assigned by the regulation"):
        platform.regulation.release_task(actors["anna"], task.id)
    assert visible(platform, actors["anna"], cycle.id, "mine") == ["Task_QualificationCall"]


def test_an_analyst_cannot_start_cycles_or_create_clients(platform: Reglament, actors, cycle) -> None:
    alex = actors["alex"]
    with pytest.raises(Forbidden, match="create clients"):
        platform.clients.create_client(alex, "Analyst Corp")
    with pytest.raises(Forbidden, match="start cycles"):
        platform.regulation.start_cycle(alex, cycle.client_id, "new_client_sale")
    assert [c.name for c in platform.clients.clients(alex)] == ["Acme"]


def test_an_analyst_reads_any_cycle_and_its_history(platform: Reglament, actors, cycle) -> None:
    boris_cycle = start(platform, actors["boris"], client_name="Boris Corp")
    for c in (cycle, boris_cycle):
        history = platform.regulation.history(actors["alex"], c.id)
        assert history[0].type == "started"
        assert platform.regulation.cycle(actors["alex"], c.id).id == c.id


def test_a_manager_cannot_read_another_managers_cycle_she_never_took_part_in(
        platform: Reglament, actors, cycle) -> None:
    for login in ("boris", "lena"):
        with pytest.raises(Forbidden):
            platform.regulation.history(actors[login], cycle.id)
        with pytest.raises(Forbidden):
            platform.regulation.cycle(actors[login], cycle.id)


def test_a_group_member_reads_the_cycle_once_her_group_has_work_in_it_and_after(
        platform: Reglament, actors, cycle) -> None:
    pavel = actors["pavel"]
    with pytest.raises(Forbidden):
        platform.regulation.history(pavel, cycle.id)
    _at_demo(platform, actors, cycle)
    assert platform.regulation.history(pavel, cycle.id)[0].type == "started"
    complete(platform, pavel, cycle.id, "Task_PrepareDemo", {"demo_date": "2026-12-01"})
    assert visible(platform, pavel, cycle.id) == []
    assert events(platform.regulation.history(pavel, cycle.id), "completed", "Task_PrepareDemo")[0].actor == "pavel"


@pytest.mark.parametrize("login", ["anna", "alex", "lena"])
def test_only_process_owners_may_deploy(platform: Reglament, actors, login: str) -> None:
    changed = DEMO_BPMN.read_bytes().replace(b'name="Prepare demo"', b'name="Prepare a demo"')
    with pytest.raises(Forbidden, match="deploy"):
        platform.regulation.deploy(actors[login], [SourceFile("new_client_sale.bpmn", changed)])
    assert [r.as_dict() for r in platform.regulation.regulations()] == [
        {"key": "new_client_sale", "name": "New client sale", "version": 1, "executable": True}]


def test_admin_and_head_as_process_owners_may_deploy(platform: Reglament, actors) -> None:
    changed = DEMO_BPMN.read_bytes().replace(b'name="Prepare demo"', b'name="Prepare a demo"')
    assert platform.regulation.deploy(actors["admin"], [SourceFile("new_client_sale.bpmn", changed)]).version == 2
    again = DEMO_BPMN.read_bytes()
    assert platform.regulation.deploy(actors["head"], [SourceFile("new_client_sale.bpmn", again)]).version == 3


def test_a_manager_cannot_start_a_cycle_for_another_managers_client(platform: Reglament, actors) -> None:
    client = platform.clients.create_client(actors["boris"], "Boris Corp")
    with pytest.raises(Forbidden):
        platform.regulation.start_cycle(actors["anna"], client.id, "new_client_sale")


def test_retry_is_refused_to_a_manager_even_for_a_cycle_not_in_incident(platform: Reglament, actors,
                                                                        cycle) -> None:
    with pytest.raises(Forbidden, match="retry"):
        platform.regulation.retry(actors["anna"], cycle.id)
    with pytest.raises(TaskNotActionable, match="not in incident"):
        platform.regulation.retry(actors["head"], cycle.id)
