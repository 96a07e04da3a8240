"""The stage entries' copies of their cycle's manager and segment (the funnel's filters read them
without joining the cycles and the clients) stay what the definition says: a cycle's manager is
whom it was credited to when it was decided, else its client's owner now; its segment is its
client's segment now. Checked after the steps that write the entries, after a hand-over, a head
giving a client to another manager, putting one back in the queue, a segment change, a merge, a
free client taken by the manager who starts a cycle with it, and a version migration; and the
funnel of one manager or segment is the one counted by that definition."""
from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from analytics_history import build, second_version
from conftest import Clock
from sqlalchemy import select, update

from engine.control.filters import Filters
from engine.platform.root import Reglament
from engine.regulation import version_migration
from engine.shared.access import Actor
from storage.models import Client, Cycle, Segment, User
from storage.models.control import StageEntry
from storage.repositories import stage_entries as stage_entries_repo

PARTS = ("advanced", "lost", "moved_back", "cancelled", "still_there")


@pytest.fixture
def history(platform: Reglament, actors: dict[str, Actor], clock: Clock) -> dict[str, int]:
    return build(platform, actors, clock)


def _rows(platform: Reglament) -> list[Any]:
    """Each entry with its kept copies and what the definition gives from its cycle and client now."""
    with platform.query() as s:
        return list(s.execute(
            select(StageEntry.id, StageEntry.cycle_id, StageEntry.stage, StageEntry.outcome, StageEntry.manager_id,
                   StageEntry.segment_id, Cycle.credited_to_id, Client.owner_id, Client.segment_id.label("segment_now"))
            .join(Cycle, Cycle.id == StageEntry.cycle_id).join(Client, Client.id == Cycle.client_id)).all())


def _assert_placed(platform: Reglament) -> list[Any]:
    rows = _rows(platform)
    assert rows, "the history has stage entries"
    wrong = [r for r in rows if (r.manager_id, r.segment_id) != (
        r.credited_to_id if r.credited_to_id is not None else r.owner_id, r.segment_now)]
    assert not wrong, f"entries whose manager or segment is not their cycle's: {wrong}"
    return rows


def _funnel(platform: Reglament, head: Actor, filters: Filters) -> dict[str, tuple[int, ...]]:
    return {r.stage: (r.entered, *(r.part(p) for p in PARTS)) for r in platform.control.funnel(head, filters).stages}


def _funnel_by_definition(rows: list[Any], keep: Any) -> dict[str, tuple[int, ...]]:
    """The funnel of the entries whose cycle ``keep`` accepts, counted in Python."""
    counted: Counter[tuple[str, str]] = Counter((r.stage, r.outcome or "still_there") for r in rows if keep(r))
    stages = {stage for stage, _ in counted}
    return {stage: (sum(counted[stage, p] for p in PARTS), *(counted[stage, p] for p in PARTS)) for stage in stages}


def _ids(platform: Reglament) -> dict[str, int]:
    with platform.query() as s:
        users = {str(login): int(i) for login, i in s.execute(select(User.login, User.id))}
        segments = {str(name): int(i) for name, i in s.execute(select(Segment.name, Segment.id))}
    return {**users, **{f"segment:{k}": v for k, v in segments.items()}}


def _check_funnels(platform: Reglament, head: Actor) -> None:
    """One manager's and one segment's funnel is the definition's, for every manager and segment."""
    rows = _assert_placed(platform)
    ids = _ids(platform)

    def manager(r: Any) -> Any:
        return r.credited_to_id if r.credited_to_id is not None else r.owner_id

    for login in ("anna", "boris"):
        assert _funnel(platform, head, Filters(manager=login)) == _funnel_by_definition(
            rows, lambda r, login=login: manager(r) == ids[login]), login
    for name in ("Retail", "Manufacturing"):
        assert _funnel(platform, head, Filters(segment=name)) == _funnel_by_definition(
            rows, lambda r, name=name: r.segment_now == ids[f"segment:{name}"]), name


def _client_of(platform: Reglament, head: Actor, cycle_id: int) -> int:
    return int(platform.regulation.cycle(head, cycle_id).client_id)


def _managers_of(platform: Reglament, cycle_id: int) -> set[int | None]:
    return {r.manager_id for r in _rows(platform) if r.cycle_id == cycle_id}


def test_the_steps_write_each_entry_with_its_cycles_manager_and_segment(platform: Reglament, actors,
                                                                         history) -> None:
    ids = _ids(platform)
    rows = _assert_placed(platform)
    assert {r.manager_id for r in rows if r.cycle_id in (history["won"], history["open"])} == {ids["anna"]}
    assert {r.segment_id for r in rows if r.cycle_id == history["won"]} == {ids["segment:Retail"]}
    _check_funnels(platform, actors["head"])


def test_a_hand_over_moves_the_open_cycles_entries_and_leaves_the_credited_ones(platform: Reglament, actors,
                                                                                 history) -> None:
    head, ids = actors["head"], _ids(platform)
    platform.organization.hand_over(head, "anna", "boris", None, None, "vacation")
    assert _managers_of(platform, history["open"]) == {ids["boris"]}, "open: its client's owner now"
    assert _managers_of(platform, history["won"]) == {ids["anna"]}, "won: credited to anna when decided"
    assert _managers_of(platform, history["lost"]) == {ids["anna"]}
    _check_funnels(platform, head)
    assert _funnel(platform, head, Filters(manager="boris"))["Proposal"] == (1, 0, 0, 0, 0, 1)


def test_owner_and_segment_changes_by_hand_move_the_entries(platform: Reglament, actors, history) -> None:
    head, ids = actors["head"], _ids(platform)
    client_id = _client_of(platform, head, history["open"])
    platform.clients.update_client(head, client_id, {"owner": "boris"})  # a head's change: a hand-over
    assert _managers_of(platform, history["open"]) == {ids["boris"]}
    _check_funnels(platform, head)
    platform.clients.update_client(head, client_id, {"owner": "", "segment": "Manufacturing"})  # back in the queue
    assert _managers_of(platform, history["open"]) == {None}
    assert {r.segment_id for r in _rows(platform) if r.cycle_id == history["open"]} == {ids["segment:Manufacturing"]}
    _check_funnels(platform, head)
    # a manager who starts a cycle with the free client takes it: the client's other cycles follow
    platform.regulation.start_cycle(actors["anna"], client_id, "follow_up")
    assert _managers_of(platform, history["open"]) == {ids["anna"]}
    _check_funnels(platform, head)


def test_a_merge_gives_the_moved_cycles_the_survivors_owner_and_segment(platform: Reglament, actors,
                                                                         history) -> None:
    head, ids = actors["head"], _ids(platform)
    survivor = platform.clients.create_client(head, "Survivor Ltd", "Manufacturing", "boris").client.id
    platform.clients.merge_clients(head, survivor, _client_of(platform, head, history["open"]))
    assert _managers_of(platform, history["open"]) == {ids["boris"]}
    assert {r.segment_id for r in _rows(platform) if r.cycle_id == history["open"]} == {ids["segment:Manufacturing"]}
    _check_funnels(platform, head)


def test_a_version_migration_keeps_the_copies_and_later_entries_get_them(platform: Reglament, actors, history,
                                                                          clock: Clock) -> None:
    head = actors["head"]
    second_version(platform, actors, clock)
    with platform.command() as s:
        version_migration.migrate_cycle(s, platform.ctx, head, history["open"], 2)
    assert platform.regulation.cycle(head, history["open"]).version == 2
    _check_funnels(platform, head)
    platform.organization.hand_over(head, "anna", "boris", None, None, "after the change")
    [task] = [t for t, _ in platform.regulation.inbox(actors["boris"], cycle_id=history["open"])]
    platform.regulation.complete_task(actors["boris"], task.id, {"amount": 100_000})
    assert len({r.id for r in _rows(platform) if r.cycle_id == history["open"]}) == 4, "Negotiation entered"
    assert _managers_of(platform, history["open"]) == {_ids(platform)["boris"]}
    _check_funnels(platform, head)


def test_migration_0017s_backfill_places_every_entry_as_the_steps_did(platform: Reglament, actors, history) -> None:
    kept = sorted((r.id, r.manager_id, r.segment_id) for r in _assert_placed(platform))
    with platform.command() as s:
        s.execute(update(StageEntry).values(manager_id=None, segment_id=None))
        stage_entries_repo.place(s)
    assert sorted((r.id, r.manager_id, r.segment_id) for r in _rows(platform)) == kept
