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
        client_id = platform.clients.create_client(anna, f"Acme {round_}").id
        results = race(lambda: platform.regulation.start_cycle(anna, client_id, "new_client_sale", False),
                       lambda: second_worker.regulation.start_cycle(anna, client_id, "new_client_sale", False))
        failed = [r for r in results if isinstance(r, BaseException)]
        assert all(isinstance(f, ReglamentError) for f in failed), failed
        assert len(failed) == 1 and isinstance(failed[0], ParallelCycle), results
        assert len(platform.cockpit.explore(head, {"client_id": str(client_id)}).rows) == 1
    client_id = platform.clients.create_client(anna, "Both").id
    results = race(lambda: platform.regulation.start_cycle(anna, client_id, "new_client_sale", True),
                   lambda: second_worker.regulation.start_cycle(anna, client_id, "new_client_sale", True))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len(platform.cockpit.explore(head, {"client_id": str(client_id)}).rows) == 2


def _cancel_batch(platform: Reglament, actors: dict[str, Any], n: int = 3,
                  by: Any = None) -> tuple[int, list[int]]:
    from cycle_helpers import start

    ids = [start(platform, actors["anna"], client_name=f"Batch {i}").id for i in range(n)]
    return platform.cockpit.start_batch(by or actors["head"], "cancel", {"owner": "anna"}, {"reason": "closed"}), ids


def test_a_worker_whose_lease_ran_out_does_not_run_the_items_again(platform: Reglament, actors, clock) -> None:
    from engine.regulation import batches

    batch_id, ids = _cancel_batch(platform, actors)
    calls = {"n": 0}

    def units():  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:  # worker a claimed and read its items, then stalled past its lease
            clock.advance(seconds=batches.LEASE.total_seconds() + 60)
            assert batches.run_some(platform.command, platform.ctx, "worker-b") == 3
        return platform.command()

    assert batches.run_some(units, platform.ctx, "worker-a") == 0
    report = platform.cockpit.batch(actors["head"], batch_id)
    assert (report.status, report.processed, report.succeeded, report.failed) == ("done", 3, 3, 0)
    assert report.failures == ()


def test_a_worker_whose_lease_was_taken_stops_and_leaves_the_holder_its_lease(platform: Reglament,
                                                                              actors) -> None:
    from sqlalchemy import update

    from engine.regulation import batches
    from storage.models import CycleBatch

    batch_id, ids = _cancel_batch(platform, actors)
    cancel = batches.OPERATIONS["cancel"]

    def taken_meanwhile(session, ctx, actor, cycle_id, params) -> None:  # type: ignore[no-untyped-def]
        cancel(session, ctx, actor, cycle_id, params)
        session.execute(update(CycleBatch).where(CycleBatch.id == batch_id).values(lease_owner="worker-b"))

    batches.OPERATIONS["cancel"] = taken_meanwhile
    try:
        assert batches.run_some(platform.command, platform.ctx, "worker-a") == 1
    finally:
        batches.OPERATIONS["cancel"] = cancel
    with platform.query() as s:
        batch = s.get(CycleBatch, batch_id)
        assert batch is not None and batch.lease_owner == "worker-b" and batch.status == "running"
        assert batch.processed == 1
    assert [platform.regulation.cycle(actors["head"], i).status for i in ids] == ["cancelled", "active", "active"]


def test_an_item_is_counted_once(platform: Reglament, actors) -> None:
    from storage.models import CycleBatchItem
    from storage.repositories import cockpit as cockpit_repo

    batch_id, _ = _cancel_batch(platform, actors, 1)
    with platform.command() as s:
        item = s.query(CycleBatchItem).filter_by(batch_id=batch_id).one()
        assert cockpit_repo.finish_item(s, item.id, batch_id, True, None)
        assert not cockpit_repo.finish_item(s, item.id, batch_id, False, "again")
    report = platform.cockpit.batch(actors["head"], batch_id)
    assert (report.processed, report.succeeded, report.failed) == (1, 1, 0)


def test_a_batch_of_a_deactivated_user_is_refused_with_the_reason(platform: Reglament, actors,
                                                                   throwaway_user) -> None:
    admin = next(a for a in actors.values() if "admin" in a.roles)
    head = actors["head"]
    deputy = throwaway_user("deputy", ["head", "owner"])
    batch_id, ids = _cancel_batch(platform, actors, 2, by=deputy)
    platform.accounts.set_user_active(admin, deputy.id, False)
    assert platform.cockpit.run_batches("worker-a") == 0
    report = platform.cockpit.batch(head, batch_id)
    assert (report.status, report.processed, report.succeeded, report.failed) == ("done", 2, 0, 2)
    assert {f.reason for f in report.failures} == {
        "not run: the user deputy who started the batch is no longer active"}
    assert {platform.regulation.cycle(head, i).status for i in ids} == {"active"}


def test_a_process_owner_migrates_a_cycle_in_incident_and_it_runs_again(platform: Reglament, actors) -> None:
    from dataclasses import replace

    from conftest import bpmn_file
    from cycle_helpers import complete, start, visible

    from engine.regulation import version_migration
    from engine.regulation.versions import SourceFile

    head, anna = actors["head"], actors["anna"]
    owner = replace(head, roles=frozenset({"owner"}))  # a process owner, not a head
    platform.regulation.deploy(head, [bpmn_file("incident_missing_variable.bpmn")])
    cycle_id = complete(platform, anna, start(platform, anna, "incident_missing_variable", "C").id,
                        "Task_First", {}).id
    assert platform.regulation.cycle(head, cycle_id).status == "incident"
    fixed = bpmn_file("incident_missing_variable.bpmn")
    platform.regulation.deploy(head, [SourceFile(fixed.name, fixed.content.replace(
        b"${missing == 1}", b"${client_name != ''}"))])
    with platform.command() as s:
        version_migration.migrate_cycle(s, platform.ctx, owner, cycle_id, 2)
    cycle = platform.regulation.cycle(head, cycle_id)
    assert (cycle.version, cycle.status) == (2, "active")
    assert "Task_Next" in visible(platform, anna, cycle_id)


def test_a_hand_over_moves_a_suspended_cycles_owner_and_tasks(platform: Reglament, actors) -> None:
    from cycle_helpers import start

    head = actors["head"]
    cycle = start(platform, actors["anna"], client_name="Paused Ltd")
    platform.cockpit.suspend(head, cycle.id, "on hold")
    platform.organization.hand_over(head, "anna", "lena", [cycle.client_id], None, "anna leaves")
    handed = platform.regulation.cycle(head, cycle.id)
    assert handed.status == "suspended" and handed.variables["owner"] == "lena"
    history = platform.regulation.history(head, cycle.id)
    assert [e.data["to"] for e in history if e.type == "handover"] == ["lena"]
    platform.cockpit.resume(head, cycle.id, "back")
    assert platform.regulation.cycle(head, cycle.id).variables["owner"] == "lena"
