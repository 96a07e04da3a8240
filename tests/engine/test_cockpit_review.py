"""Review of the cockpit (issue 12): parallel starts, batches and their leases, migrations by an
owner, hand-overs of suspended cycles."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from engine.platform.root import Reglament
from engine.regulation.parallel import ParallelCycle
from engine.shared.errors import ReglamentError


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
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racing command hung"
    return results


@pytest.fixture
def second_worker(database, clock) -> Reglament:
    return Reglament(database, "test-secret", clock=clock)


def test_two_starts_at_once_make_one_cycle_unless_parallel_is_allowed(platform: Reglament, second_worker,
                                                                      actors) -> None:
    anna, head = actors["anna"], actors["head"]
    for round_ in range(3):
        client_id = platform.clients.create_client(anna, f"Acme {round_}")["id"]
        results = race(lambda: platform.regulation.start_cycle(anna, client_id, "new_client_sale", False),
                       lambda: second_worker.regulation.start_cycle(anna, client_id, "new_client_sale", False))
        failed = [r for r in results if isinstance(r, BaseException)]
        assert all(isinstance(f, ReglamentError) for f in failed), failed
        assert len(failed) == 1 and isinstance(failed[0], ParallelCycle), results
        assert len(platform.cockpit.explore(head, {"client_id": str(client_id)})[0]) == 1
    client_id = platform.clients.create_client(anna, "Both")["id"]
    results = race(lambda: platform.regulation.start_cycle(anna, client_id, "new_client_sale", True),
                   lambda: second_worker.regulation.start_cycle(anna, client_id, "new_client_sale", True))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len(platform.cockpit.explore(head, {"client_id": str(client_id)})[0]) == 2
