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
from storage.repositories.cycle_paths import split

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
    """The variants of the cycles in scope, from their kept paths (storage.models.control.CyclePath:
    the completed tasks in the order first completed); on PostgreSQL grouped and their
    percentiles taken in SQL (``percentile_disc``, the nearest rank too)."""
    cycles = scope(session, actor, filters, person_figures, by_start=True)
    figures: list[tuple[tuple[str, ...], int, float, float]] = []
    if durations_repo.in_sql(session):
        for row in durations_repo.variant_figures(session, cycles, now):
            figures.append(((*split(row.path), str(row.end)), int(row.cycles), float(row.p50) / 3600,
                            float(row.p90) / 3600))
    else:
        groups: dict[tuple[str, ...], list[float]] = {}
        for row in durations_repo.variant_lives(session, cycles):
            end = row.status if row.status in ("won", "lost", "cancelled") else "open"
            groups.setdefault((*split(row.path), end), []).append(
                max(0.0, ((row.ended_at or now) - row.started_at).total_seconds()) / 3600)
        figures = [(key, len(hours), percentile(hours, 0.5) or 0.0, percentile(hours, 0.9) or 0.0)
                   for key, hours in groups.items()]
    total = sum(count for _, count, _, _ in figures)
    ordered = sorted(figures, key=lambda f: (-f[1], f[0]))
    rows = []
    for key, count, p50, p90 in ordered[:MAX_VARIANTS]:
        end = key[-1]
        rows.append(Variant(tuple(key[:-1]), end, count, round(count / total, 4) if total else 0.0,
                            round(p50, 2), round(p90, 2), 1.0 if end == "won" else 0.0 if end == "lost" else None))
    other = sum(count for _, count, _, _ in ordered[MAX_VARIANTS:])
    return Variants(DEFINITION, filters.as_args(), total, tuple(rows), other)
