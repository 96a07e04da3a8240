"""Double submits and races: one change wins, the other is told clearly, history stays true."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from conftest import bpmn_file
from cycle_helpers import events, open_task, start, visible

from engine.platform.root import Reglament
from engine.shared.errors import (
    ConcurrentChange,
    Forbidden,
    ReglamentError,
    TaskNotActionable,
)

QUALIFIED = {"contact_person": "Maria", "result": "qualified"}
ROUNDS = 3


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same moment on separate threads; each result or raised error."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a racing command hung"
    return results


def _split(results: list[Any]) -> tuple[list[Any], list[BaseException]]:
    failures = [r for r in results if isinstance(r, BaseException)]
    unexpected = [r for r in failures if not isinstance(r, ReglamentError)]
    assert not unexpected, f"a racing command failed with a non-engine error: {unexpected!r}"
    return [r for r in results if not isinstance(r, BaseException)], failures


@pytest.fixture
def second_worker(database, clock) -> Reglament:
    """Another process-like facade on the same database (its own spec cache), as a second web worker."""
    return Reglament(database, "test-secret", clock=clock)


def test_submitting_a_completed_task_again_says_who_completed_it(platform: Reglament, actors) -> None:
    anna = actors["anna"]
    cycle = start(platform, anna)
    task = open_task(platform, anna, cycle.id, "Task_QualificationCall")
    platform.regulation.complete_task(anna, task.id, QUALIFIED)
    with pytest.raises(TaskNotActionable) as caught:
        platform.regulation.complete_task(anna, task.id, QUALIFIED)
    assert caught.value.code == "task_not_open"
    assert caught.value.message == ("task 'Qualification call' was already completed by anna "
                                    "at 2026-11-26 09:00 UTC")
    assert caught.value.details == {"task_id": task.id}
    history = platform.regulation.history(anna, cycle.id)
    assert len(events(history, "completed")) == 1
    assert len(events(history, "created", "Task_PrepareDemo")) == 1


def test_claiming_or_releasing_a_completed_task_is_refused_the_same_way(platform: Reglament, actors) -> None:
    anna, pavel = actors["anna"], actors["pavel"]
    cycle = start(platform, anna)
    platform.regulation.complete_task(anna, open_task(platform, anna, cycle.id, "Task_QualificationCall").id, QUALIFIED)
    demo = open_task(platform, pavel, cycle.id, "Task_PrepareDemo")
    platform.regulation.complete_task(pavel, demo.id, {"demo_date": "2026-12-01"})
    for command in (platform.regulation.claim_task, platform.regulation.release_task):
        with pytest.raises(TaskNotActionable, match="already completed by pavel"):
            command(pavel, demo.id)
    with pytest.raises(TaskNotActionable, match="already completed by pavel"):
        platform.regulation.task(pavel, demo.id)


def test_two_tabs_completing_the_same_task_at_once_complete_it_once(platform: Reglament, second_worker,
                                                                    actors) -> None:
    anna = actors["anna"]
    for round_ in range(ROUNDS):
        cycle = start(platform, anna, client_name=f"Acme {round_}")
        task = open_task(platform, anna, cycle.id, "Task_QualificationCall")
        results = race(lambda: platform.regulation.complete_task(anna, task.id, QUALIFIED),
                       lambda: second_worker.regulation.complete_task(anna, task.id, QUALIFIED))
        done, failed = _split(results)
        assert len(done) == 1 and len(failed) == 1, results
        assert isinstance(failed[0], (TaskNotActionable, ConcurrentChange)), failed
        if isinstance(failed[0], TaskNotActionable):
            assert "already completed by anna" in failed[0].message
        history = platform.regulation.history(anna, cycle.id)
        assert len(events(history, "completed", "Task_QualificationCall")) == 1
        assert len(events(history, "created", "Task_PrepareDemo")) == 1
        assert visible(platform, actors["pavel"], cycle.id) == ["Task_PrepareDemo"]
        assert platform.regulation.cycle(anna, cycle.id).stage == "Presentation"


def test_two_group_members_completing_one_group_task_at_once_complete_it_once(
        platform: Reglament, second_worker, actors) -> None:
    anna, boris = actors["anna"], actors["boris"]
    platform.regulation.deploy(actors["head"], [bpmn_file("group_task.bpmn")])
    for round_ in range(ROUNDS):
        cycle = start(platform, anna, "group_task", client_name=f"Acme {round_}")
        task = open_task(platform, boris, cycle.id, "Task_Shared")
        results = race(lambda: platform.regulation.complete_task(anna, task.id, {"note": "anna called"}),
                       lambda: second_worker.regulation.complete_task(boris, task.id, {"note": "boris called"}))
        done, failed = _split(results)
        assert len(done) == 1 and len(failed) == 1, results
        assert isinstance(failed[0], (TaskNotActionable, ConcurrentChange)), failed
        winner = "anna" if results[0] is done[0] else "boris"
        final = platform.regulation.cycle(actors["head"], cycle.id)
        assert final.status == "won" and final.variables["note"] == f"{winner} called"
        history = platform.regulation.history(actors["head"], cycle.id)
        [completed] = events(history, "completed")
        assert completed.actor == winner
        assert [e.actor for e in events(history, "claimed")] == [winner]
        assert len(events(history, "ended")) == 1


def test_two_group_members_claiming_one_task_at_once_leave_it_with_one(platform: Reglament, second_worker,
                                                                       actors) -> None:
    anna, boris = actors["anna"], actors["boris"]
    platform.regulation.deploy(actors["head"], [bpmn_file("group_task.bpmn")])
    for round_ in range(ROUNDS):
        cycle = start(platform, anna, "group_task", client_name=f"Acme {round_}")
        task = open_task(platform, boris, cycle.id, "Task_Shared")
        results = race(lambda: platform.regulation.claim_task(anna, task.id),
                       lambda: second_worker.regulation.claim_task(boris, task.id))
        done, failed = _split(results)
        assert len(done) == 1 and len(failed) == 1, results
        assert isinstance(failed[0], (TaskNotActionable, ConcurrentChange)), failed
        winner, loser = (anna, boris) if results[0] is None else (boris, anna)
        if isinstance(failed[0], TaskNotActionable):
            assert f"already assigned to {winner.login}" in failed[0].message
        assert visible(platform, winner, cycle.id, "mine") == ["Task_Shared"]
        assert visible(platform, loser, cycle.id) == []
        claims = events(platform.regulation.history(actors["head"], cycle.id), "claimed")
        assert [e.actor for e in claims] == [winner.login]
        with pytest.raises(TaskNotActionable, match=f"claimed by {winner.login}"):  # a conflict: 409
            platform.regulation.complete_task(loser, task.id, {})


def test_a_claim_racing_a_completion_leaves_one_consistent_result(platform: Reglament, second_worker,
                                                                  actors) -> None:
    anna, boris = actors["anna"], actors["boris"]
    platform.regulation.deploy(actors["head"], [bpmn_file("group_task.bpmn")])
    for round_ in range(ROUNDS):
        cycle = start(platform, anna, "group_task", client_name=f"Acme {round_}")
        task = open_task(platform, boris, cycle.id, "Task_Shared")
        results = race(lambda: platform.regulation.claim_task(anna, task.id),
                       lambda: second_worker.regulation.complete_task(boris, task.id, {"note": "done"}))
        done, failed = _split(results)
        assert len(done) == 1 and len(failed) == 1, results
        history = platform.regulation.history(actors["head"], cycle.id)
        final = platform.regulation.cycle(actors["head"], cycle.id)
        if results[0] is None:  # anna's claim won: boris may no longer complete it (a conflict: 409)
            assert isinstance(failed[0], (TaskNotActionable, ConcurrentChange)), failed
            assert final.status == "active"
            assert visible(platform, anna, cycle.id, "mine") == ["Task_Shared"]
            assert events(history, "completed") == []
        else:  # boris completed it first: there is nothing left to claim
            assert isinstance(failed[0], (TaskNotActionable, ConcurrentChange)), failed
            assert final.status == "won"
            assert [e.actor for e in events(history, "claimed")] == ["boris"]
            assert len(events(history, "completed")) == 1


def test_a_task_a_colleague_claimed_first_is_a_conflict_not_a_refusal(platform: Reglament, actors) -> None:
    """Boris had the group task open in his inbox; Anna claimed it first: his completion and his
    release are conflicts (409, naming her), while someone outside the group is still refused (403)."""
    anna, boris, pavel = actors["anna"], actors["boris"], actors["pavel"]
    platform.regulation.deploy(actors["head"], [bpmn_file("group_task.bpmn")])
    cycle = start(platform, anna, "group_task")
    task = open_task(platform, boris, cycle.id, "Task_Shared")
    platform.regulation.claim_task(anna, task.id)
    with pytest.raises(TaskNotActionable, match="claimed by anna"):
        platform.regulation.complete_task(boris, task.id, {"note": "boris called"})
    with pytest.raises(TaskNotActionable, match="claimed by anna"):
        platform.regulation.release_task(boris, task.id)
    with pytest.raises(Forbidden):
        platform.regulation.complete_task(pavel, task.id, {"note": "pavel called"})
    assert platform.regulation.cycle(anna, cycle.id).status == "active"
