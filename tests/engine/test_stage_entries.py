"""The funnel's kept stage entries agree with the history they summarise: on the demo's year of
history the entries the engine wrote step by step are those the history's window functions give
(the definition), the funnel counted from them is the one counted by the definition by hand, and
migration 0014's backfill rebuilds the same table."""
from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from engine.control.filters import Filters
from engine.demo.history import load_history
from engine.platform.root import Reglament
from storage.models import Cycle, RegulationVersion
from storage.repositories import stage_entries as stage_entries_repo

PARTS = ("advanced", "lost", "moved_back", "cancelled", "still_there")


def _from_history(platform: Reglament) -> list[tuple[Any, ...]]:
    with platform.query() as s:
        rows = s.execute(stage_entries_repo.from_history()).all()
    return sorted((int(r.cycle_id), str(r.stage), r.entered_at, r.left_at, r.next_stage) for r in rows)


def _funnel_by_definition(platform: Reglament, entries: list[tuple[Any, ...]]) -> dict[str, tuple[int, ...]]:
    """Each entry's part as the funnel defines it, counted in Python: left for a later stage of the
    cycle's version (or won there) advanced, left for another moved back, else by the cycle's end."""
    with platform.query() as s:
        cycles = {int(r[0]): (str(r[1]), [str(x) for x in r[2] or []]) for r in s.execute(
            select(Cycle.id, Cycle.status, RegulationVersion.stages)
            .join(RegulationVersion, RegulationVersion.id == Cycle.version_id))}
    counted: Counter[tuple[str, str]] = Counter()
    for cycle_id, stage, _, _, next_stage in entries:
        status, stages = cycles[cycle_id]
        if next_stage is not None:
            rank = {name: i for i, name in enumerate(stages)}
            part = "advanced" if rank.get(next_stage, -1) > rank.get(stage, -1) else "moved_back"
        else:
            part = {"won": "advanced", "lost": "lost", "cancelled": "cancelled"}.get(status, "still_there")
        counted[stage, part] += 1
    stages = {stage for stage, _ in counted}
    return {stage: (sum(counted[stage, p] for p in PARTS), *(counted[stage, p] for p in PARTS)) for stage in stages}


def _funnel(platform: Reglament, actors: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    result = platform.control.funnel(actors["head"], Filters())
    return {r.stage: (r.entered, *(r.part(p) for p in PARTS)) for r in result.stages}


def test_the_kept_stage_entries_are_the_historys_on_the_demo_year(platform: Reglament, actors) -> None:
    made = load_history(platform)
    with platform.query() as s:
        kept = sorted(stage_entries_repo.kept(s))
    history = _from_history(platform)
    assert len(kept) > made["history_cycles"], "every cycle entered at least one stage, many several"
    assert kept == history
    by_definition = _funnel_by_definition(platform, history)
    assert _funnel(platform, actors) == by_definition
    assert by_definition["Qualification"][0] == made["history_cycles"]
    assert sum(row[PARTS.index("still_there") + 1] for row in by_definition.values()) > 0, "open cycles are there"


def test_the_backfill_of_migration_0014_rebuilds_the_same_entries(platform: Reglament, actors) -> None:
    load_history(platform, months=3)
    before = _funnel(platform, actors)
    with platform.query() as s:
        kept = sorted(stage_entries_repo.kept(s))
    with platform.command() as s:
        assert stage_entries_repo.rebuild(s) == len(kept)
    with platform.query() as s:
        assert sorted(stage_entries_repo.kept(s)) == kept
    assert _funnel(platform, actors) == before
