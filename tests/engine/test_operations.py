"""Operations on running cycles (issue 12): cancel, suspend and resume, move a token, edit variables.

Each is refused to managers, needs a reason, leaves a history event that the client's timeline
shows, and leaves the inbox and the timer jobs as a person would expect."""
from __future__ import annotations

from typing import Any

import pytest
from conftest import Clock, bpmn_file
from cycle_helpers import complete, events, open_task, start, visible
from sqlalchemy import select

from engine.platform.root import Reglament
from engine.platform.worker import Worker
from engine.shared.errors import Forbidden, FormInvalid, InputInvalid, TaskNotActionable
from storage.models import Job


def _jobs(platform: Reglament, cycle_id: int) -> list[str]:
    with platform.query() as s:
        return sorted(j.element_id for j in s.scalars(select(Job).where(Job.cycle_id == cycle_id)))


def _timeline_types(platform: Reglament, actor, client_id: int) -> list[str]:
    return [e.type for e in platform.clients.client_timeline(actor, client_id, kinds=["cycles"]).entries]


@pytest.fixture
def cycle(platform: Reglament, actors) -> dict[str, Any]:
    """anna's new cycle, waiting at the qualification call with its two reminder timers."""
    started = start(platform, actors["anna"])
    assert visible(platform, actors["anna"], started.id) == ["Task_QualificationCall"]
    assert _jobs(platform, started.id) == ["Timer_EscalateFirstCall", "Timer_RemindFirstCall"]
    return started


def test_cancel_ends_the_cycle_removes_its_tasks_and_timers_and_says_why(platform: Reglament, actors,
                                                                          cycle, clock: Clock) -> None:
    head, anna = actors["head"], actors["anna"]
    clock.advance(hours=1)
    cancelled = platform.cockpit.cancel(head, cycle.id, "  client closed the business  ")
    assert cancelled.status == "cancelled" and cancelled.outcome is None
    assert cancelled.as_dict()["ended_at"] == "2026-11-26T10:00:00+00:00"
    assert visible(platform, anna, cycle.id) == [] and _jobs(platform, cycle.id) == []
    history = platform.regulation.history(head, cycle.id)
    [event] = events(history, "cycle_cancelled")
    assert event.actor == "head" and event.data["reason"] == "client closed the business"
    assert [e.task.element_id for e in events(history, "cancelled")] == ["Task_QualificationCall"]
    assert "cycle_cancelled" in _timeline_types(platform, anna, cycle.client_id), "the client's timeline shows it"
    clock.advance(days=5)
    assert Worker(platform).run_once() == 0, "no timer of a cancelled cycle fires"
    with pytest.raises(TaskNotActionable, match="is cancelled"):
        platform.cockpit.cancel(head, cycle.id, "again")


def test_managers_may_not_operate_cycles_and_a_reason_is_required(platform: Reglament, actors, cycle) -> None:
    anna, head = actors["anna"], actors["head"]
    for command in (platform.cockpit.cancel, platform.cockpit.suspend):
        with pytest.raises(Forbidden, match="anna may not"):
            command(anna, cycle.id, "mine")
    with pytest.raises(InputInvalid, match="give a reason") as caught:
        platform.cockpit.cancel(head, cycle.id, "   ")
    assert caught.value.details["fields"] == {"reason": "is required"}
    with pytest.raises(InputInvalid, match="longer than 1000"):
        platform.cockpit.suspend(head, cycle.id, "x" * 1001)
    assert platform.regulation.cycle(head, cycle.id).status == "active"


def test_a_suspended_cycle_holds_its_tasks_and_timers_until_resumed(platform: Reglament, actors, cycle,
                                                                    clock: Clock) -> None:
    head, anna = actors["head"], actors["anna"]
    suspended = platform.cockpit.suspend(head, cycle.id, "waiting for the client's lawyer")
    assert suspended.status == "suspended" and _jobs(platform, cycle.id) == []
    task = open_task(platform, anna, cycle.id, "Task_QualificationCall")  # still shown
    with pytest.raises(TaskNotActionable, match="is suspended"):
        platform.regulation.complete_task(anna, task.id, {"contact_person": "Ivan", "result": "qualified"})
    clock.advance(days=2)
    assert Worker(platform).run_once() == 0, "the one-day reminder is held"
    assert visible(platform, anna, cycle.id) == ["Task_QualificationCall"]
    resumed = platform.cockpit.resume(head, cycle.id)
    assert resumed.status == "active"
    # the one-day reminder fell due meanwhile: it fires on resume; the three-day one waits again
    assert sorted(visible(platform, anna, cycle.id)) == ["Task_QualificationCall", "Task_RemindFirstCall"]
    assert _jobs(platform, cycle.id) == ["Timer_EscalateFirstCall"]
    types = [e.type for e in platform.regulation.history(head, cycle.id)]
    assert types.index("suspended") < types.index("resumed")
    with pytest.raises(TaskNotActionable, match="only a cycle that is suspended"):
        platform.cockpit.resume(head, cycle.id)


def test_skip_a_step_moves_the_token_forward_and_redo_moves_it_back(platform: Reglament, actors, cycle) -> None:
    head, anna, pavel = actors["head"], actors["anna"], actors["pavel"]
    moved = platform.cockpit.move(head, cycle.id, "Task_QualificationCall", "Task_PrepareDemo",
                                  "qualified on the phone before the cycle started")
    assert moved.status == "active"
    assert visible(platform, anna, cycle.id) == [] and visible(platform, pavel, cycle.id) == ["Task_PrepareDemo"]
    assert _jobs(platform, cycle.id) == [], "the first call's reminders went with its token"
    history = platform.regulation.history(head, cycle.id)
    [event] = events(history, "moved")
    assert event.data["from"] == "Task_QualificationCall" and event.data["to"] == "Task_PrepareDemo"
    assert event.actor == "head"
    # redo: back to the call, with its reminders again
    platform.cockpit.move(head, cycle.id, "Task_PrepareDemo", "Task_QualificationCall", "call again")
    assert visible(platform, anna, cycle.id) == ["Task_QualificationCall"]
    assert _jobs(platform, cycle.id) == ["Timer_EscalateFirstCall", "Timer_RemindFirstCall"]
    done = complete(platform, anna, cycle.id, "Task_QualificationCall",
                    {"contact_person": "Ivan", "result": "qualified"})
    assert done.status == "active" and visible(platform, pavel, cycle.id) == ["Task_PrepareDemo"]


def test_a_move_names_what_is_wrong(platform: Reglament, actors, cycle) -> None:
    head = actors["head"]
    with pytest.raises(InputInvalid, match="no token at 'Task_Proposal'; it waits at Task_QualificationCall"):
        platform.cockpit.move(head, cycle.id, "Task_Proposal", "Task_PrepareDemo", "why")
    with pytest.raises(InputInvalid, match="'Nowhere' is not an element"):
        platform.cockpit.move(head, cycle.id, "Task_QualificationCall", "Nowhere", "why")
    with pytest.raises(InputInvalid, match="cannot be started at 'Timer_RemindFirstCall'"):
        platform.cockpit.move(head, cycle.id, "Task_QualificationCall", "Timer_RemindFirstCall", "why")


def test_variables_are_edited_typed_by_the_forms_that_use_them(platform: Reglament, actors, cycle) -> None:
    head = actors["head"]
    edited = platform.cockpit.edit_variables(head, cycle.id, {"budget": "150000", "memo": "VIP"},
                                             "budget confirmed by e-mail")
    assert edited.variables["budget"] == 150000 and edited.variables["memo"] == "VIP"
    [event] = events(platform.regulation.history(head, cycle.id), "variables_edited")
    assert event.data["changes"] == {"budget": {"from": None, "to": 150000}, "memo": {"from": None, "to": "VIP"}}
    with pytest.raises(FormInvalid) as caught:
        platform.cockpit.edit_variables(head, cycle.id, {"budget": "-5", "result": "maybe", "owner": "boris",
                                                            "bad name": 1}, "typo")
    assert set(caught.value.field_errors) == {"budget", "result", "owner", "bad name"}
    assert "at least 0" in caught.value.field_errors["budget"]
    assert "is set by the platform" in caught.value.field_errors["owner"]
    assert platform.regulation.cycle(head, cycle.id).variables["budget"] == 150000


def test_an_incident_is_fixed_by_editing_variables_and_retrying(platform: Reglament, actors) -> None:
    head, anna = actors["head"], actors["anna"]
    platform.regulation.deploy(head, [bpmn_file("incident_missing_variable.bpmn")])
    failed = start(platform, anna, "incident_missing_variable")
    failed = complete(platform, anna, failed.id, "Task_First", {"note": "called"})
    assert failed.status == "incident"
    platform.cockpit.edit_variables(head, failed.id, {"missing": 1}, "the diagram reads it")
    assert platform.regulation.cycle(head, failed.id).status == "incident"
    resumed = platform.regulation.retry(head, failed.id)
    assert resumed.status == "active" and visible(platform, anna, failed.id, "mine") == ["Task_Next"]


def test_a_cycle_in_incident_is_moved_past_the_failing_element(platform: Reglament, actors) -> None:
    head, anna = actors["head"], actors["anna"]
    platform.regulation.deploy(head, [bpmn_file("incident_missing_variable.bpmn")])
    failed = complete(platform, anna, start(platform, anna, "incident_missing_variable").id, "Task_First", {})
    moved = platform.cockpit.move(head, failed.id, "Gateway_Check", "Task_Next", "skip the broken check")
    assert moved.status == "active" and moved.incident is None
    assert visible(platform, anna, failed.id, "mine") == ["Task_Next"]


def test_cancelling_a_cycle_in_incident_and_retrying_with_typed_variables(platform: Reglament, actors) -> None:
    head, anna = actors["head"], actors["anna"]
    platform.regulation.deploy(head, [bpmn_file("incident_missing_variable.bpmn")])
    failed = complete(platform, anna, start(platform, anna, "incident_missing_variable").id, "Task_First", {})
    with pytest.raises(FormInvalid):
        platform.cockpit.retry(head, failed.id, {"missing": {"nested": 1}})
    resumed = platform.cockpit.retry(head, failed.id, {"missing": 1})
    assert resumed.status == "active"
    cancelled = platform.cockpit.cancel(head, failed.id, "duplicate")
    assert cancelled.status == "cancelled" and visible(platform, anna, failed.id) == []
