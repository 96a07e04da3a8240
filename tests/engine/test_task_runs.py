"""The kept task runs (what the durations and the heat map read) and cycle paths (the variants')
agree with the history they summarise (storage.repositories.task_runs.from_history and
cycle_paths.by_definition, the definitions): after the steps of the
analytics history (a loop back, claims, won, lost, open, cancelled), after a claim released and
taken again, a hand-over, a version migration and a cycle cancelled by hand, on the demo's year,
and the backfills of migrations 0018 and 0019 rebuild the same rows."""
from __future__ import annotations

from typing import Any

import pytest
from analytics_history import QUALIFIED, build, second_version
from conftest import Clock
from sqlalchemy import delete

from engine.demo.history import load_history
from engine.platform.root import Reglament
from engine.regulation import version_migration
from engine.shared.access import Actor
from storage.models.control import CyclePath, TaskRun
from storage.repositories import cycle_paths as cycle_paths_repo
from storage.repositories import task_runs as task_runs_repo


@pytest.fixture
def history(platform: Reglament, actors: dict[str, Actor], clock: Clock) -> dict[str, int]:
    return build(platform, actors, clock)


def _agree(platform: Reglament) -> list[tuple[Any, ...]]:
    """The kept task runs and cycle paths are the history's (both checked); returns the runs."""
    with platform.query() as s:
        kept, defined = task_runs_repo.kept(s), task_runs_repo.history(s)
        assert cycle_paths_repo.kept(s) == cycle_paths_repo.by_definition(s)
    assert kept == defined
    return kept


def _open_task(platform: Reglament, actor: Actor, cycle_id: int) -> Any:
    [task] = [t for t, _ in platform.regulation.inbox(actor, cycle_id=cycle_id)]
    return task


def test_the_steps_keep_one_run_per_task_with_its_loop_and_claims(platform: Reglament, actors, history) -> None:
    runs = _agree(platform)
    won = [r for r in runs if r[1] == history["won"]]
    names = [r[3] for r in won]
    assert names.count(max(set(names), key=names.count)) >= 2, "the loop back ran a task again: two runs"
    assert any(r[8] is not None for r in runs), "claimed runs"
    assert any(r[9] is None for r in runs), "the open cycle's task is still open"


def test_a_released_claim_a_hand_over_a_migration_and_a_cancellation(platform: Reglament, actors, history,
                                                                      clock: Clock) -> None:
    head, anna, boris, pavel = actors["head"], actors["anna"], actors["boris"], actors["pavel"]
    client = platform.clients.create_client(anna, "Released Ltd", None)
    cycle_id = int(platform.regulation.start_cycle(anna, client.id, "new_client_sale").id)
    platform.regulation.complete_task(anna, _open_task(platform, anna, cycle_id).id, QUALIFIED)
    task = _open_task(platform, pavel, cycle_id)
    assert task.assignee is None, "a group queue's task"
    clock.advance(hours=1)
    platform.regulation.claim_task(pavel, task.id)
    before = {r[0]: r for r in _agree(platform)}[task.id]
    clock.advance(hours=2)
    platform.regulation.release_task(pavel, task.id)
    clock.advance(hours=1)
    platform.regulation.claim_task(pavel, task.id)
    assert {r[0]: r for r in _agree(platform)}[task.id][8] == before[8], "the first claim counts"
    platform.regulation.complete_task(pavel, task.id, {"demo_date": "2026-12-04"})
    assert {r[0]: r for r in _agree(platform)}[task.id][9] is not None
    platform.organization.hand_over(head, "anna", "boris", None, None, "vacation")
    _agree(platform)
    second_version(platform, actors, clock)
    with platform.command() as s:
        version_migration.migrate_cycle(s, platform.ctx, head, history["open"], 2)
    _agree(platform)
    task = _open_task(platform, boris, history["open"])
    if task.assignee is None:
        platform.regulation.claim_task(boris, task.id)
    clock.advance(hours=3)
    platform.regulation.complete_task(boris, task.id, {"amount": 100_000})
    runs = {r[0]: r for r in _agree(platform)}
    assert runs[task.id][9] is not None
    platform.cockpit.cancel(head, history["open"], "no longer interested")
    _agree(platform)


def test_the_demo_year_and_the_backfills_of_migrations_0018_and_0019(platform: Reglament, actors) -> None:
    load_history(platform, months=3)
    kept = _agree(platform)
    assert len(kept) > 100
    with platform.query() as s:
        paths = cycle_paths_repo.kept(s)
    assert len({path for _, path in paths}) > 1, "several variants"
    with platform.command() as s:
        s.execute(delete(TaskRun))
        s.execute(delete(CyclePath))
        task_runs_repo.rebuild(s)
        cycle_paths_repo.rebuild(s)
    with platform.query() as s:
        assert task_runs_repo.kept(s) == kept
        assert cycle_paths_repo.kept(s) == paths
