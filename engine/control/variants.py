"""Variants: the paths cycles took through their regulation, with count, share, durations and win rate.

A cycle's variant is the sequence of its completed tasks in the order they were first completed
(a loop is collapsed: a task done again adds nothing), followed by how the cycle ends: won, lost,
cancelled, or open (still running, or in an incident). Duration is from the cycle's start to its
end, for open cycles up to now; p50 and p90 are nearest-rank percentiles in hours; the win rate is
won / (won + lost) among the variant's cycles (a variant's end fixes it, so it is 1, 0 or empty).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.control.durations import percentile
from engine.control.filters import Filters, scope
from engine.shared.access import Actor
from engine.shared.texts import N_
from storage.repositories import analytics_durations as durations_repo

DEFINITION = N_(
    "A cycle's variant is the sequence of its completed tasks in the order they were first completed (a loop "
    "is collapsed: a task done again adds nothing), then how the cycle ends: won, lost, cancelled or open. "
    "Share is of the cycles in scope (the period bounds their start); durations are from start to end, for open "
    "cycles up to now, in hours (p50, p90).")
#: the most variants listed (the rest are summed up as "other")
MAX_VARIANTS = 200


@dataclass(frozen=True)
class Variant:
    tasks: tuple[str, ...]
    end: str
    cycles: int
    share: float
    p50_hours: float
    p90_hours: float
    win_rate: float | None


@dataclass(frozen=True)
class Variants:
    definition: str
    filters: dict[str, str]
    cycles: int
    variants: tuple[Variant, ...]
    other_cycles: int


def variants(session: Session, actor: Actor, filters: Filters, person_figures: bool, now: datetime) -> Variants:
    cycles = scope(session, actor, filters, person_figures, by_start=True)
    paths: dict[int, list[str]] = {}
    for cycle_id, name, _ in durations_repo.completions(session, cycles):
        path = paths.setdefault(cycle_id, [])
        if str(name) not in path:
            path.append(str(name))
    groups: dict[tuple[str, ...], list[float]] = {}
    for row in durations_repo.cycle_lives(session, cycles):
        end = row.status if row.status in ("won", "lost", "cancelled") else "open"
        key = (*paths.get(row.id, []), end)
        groups.setdefault(key, []).append(max(0.0, ((row.ended_at or now) - row.started_at).total_seconds()) / 3600)
    total = sum(len(v) for v in groups.values())
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    rows = []
    for key, hours in ordered[:MAX_VARIANTS]:
        end = key[-1]
        rows.append(Variant(tuple(key[:-1]), end, len(hours), round(len(hours) / total, 4) if total else 0.0,
                            round(percentile(hours, 0.5) or 0.0, 2), round(percentile(hours, 0.9) or 0.0, 2),
                            1.0 if end == "won" else 0.0 if end == "lost" else None))
    other = sum(len(v) for _, v in ordered[MAX_VARIANTS:])
    return Variants(DEFINITION, filters.as_args(), total, tuple(rows), other)
