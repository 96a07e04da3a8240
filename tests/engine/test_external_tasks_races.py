"""External tasks under races: two workers on one task, two workers fetching at once."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from conftest import bpmn_file
from cycle_helpers import events

from engine.platform.root import Reglament
from engine.regulation.external_tasks import TopicRequest
from engine.shared.errors import ConcurrentChange, NotFound, ReglamentError

TOPIC = [TopicRequest("issue-invoice", 60_000)]
ROUNDS = 3


def race(*calls: Callable[[], Any]) -> list[Any]:
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


@pytest.fixture
def second_worker(database, clock) -> Reglament:
    """Another facade on the same database (its own spec cache), as a second web worker process."""
    return Reglament(database, "test-secret", clock=clock)


def _cycle(platform: Reglament, actors, name: str) -> int:
    client = platform.clients.create_client(actors["anna"], name)
    return int(platform.regulation.start_cycle(actors["anna"], client.id, "external_invoice").id)


def test_two_completions_of_one_task_at_once_take_effect_once(platform, second_worker, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("external_invoice.bpmn")])
    admin = actors["admin"]
    for round_ in range(ROUNDS):
        cycle_id = _cycle(platform, actors, f"Race {round_}")
        [task] = platform.outside.fetch_and_lock(admin, "w", 1, TOPIC)
        results = race(lambda: platform.outside.complete_external(admin, task.id, "w", {"invoice_number": "A"}),
                       lambda: second_worker.outside.complete_external(admin, task.id, "w", {"invoice_number": "B"}))
        failures = [r for r in results if isinstance(r, BaseException)]
        assert all(isinstance(f, ReglamentError) for f in failures), failures
        assert len(failures) == 1 and isinstance(failures[0], (NotFound, ConcurrentChange)), results
        history = platform.regulation.history(actors["head"], cycle_id)
        assert len(events(history, "completed", "Task_IssueInvoice")) == 1
        assert len(events(history, "created", "Task_SendInvoice")) == 1
        winner = "A" if results[0] is None else "B"
        assert platform.regulation.cycle(actors["anna"], cycle_id).variables["invoice_number"] == winner


def test_two_workers_fetching_at_once_never_lock_the_same_task(platform, second_worker, actors) -> None:
    platform.regulation.deploy(actors["head"], [bpmn_file("external_invoice.bpmn")])
    admin = actors["admin"]
    for i in range(6):
        _cycle(platform, actors, f"Fetch {i}")
    results = race(lambda: platform.outside.fetch_and_lock(admin, "w1", 4, TOPIC),
                   lambda: second_worker.outside.fetch_and_lock(admin, "w2", 4, TOPIC))
    got = [t.id for r in results if not isinstance(r, BaseException) for t in r]
    assert len(got) >= 4 and len(got) == len(set(got)), "a task was locked by two workers, or none fetched"
    assert all(isinstance(r, (list, ConcurrentChange)) for r in results), results
