"""Before and after a regulation change: two versions of one regulation side by side, element by
element (the same element ids), and what the change did to durations, rework and the win rate.

Each version counts the cycles that ran on it (a migrated cycle counts for the version it is on
now) within the filters; the period bounds the cycles' start, so "before" and "after" can be
matched by season too. The element figures are the heat map's (engine.control.heatmap).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.control import error_texts  # noqa: F401  (registers the codes raised here)
from engine.control.durations import HOUR, percentile
from engine.control.filters import Filters, scope
from engine.control.heatmap import ElementFigures, element_figures, resolve
from engine.shared.access import Actor
from engine.shared.errors import InputInvalid
from engine.shared.notices import coded
from engine.shared.texts import N_
from storage.repositories import analytics_durations as durations_repo
from storage.repositories.control import Scope

DEFINITION = N_(
    "Two versions of one regulation side by side, each over the cycles that ran on it (the period bounds their "
    "start). Per version: cycles, won, lost, win rate = won / (won + lost), and the median hours from start to "
    "decision of the cycles won or lost. Per element id: the cycles that passed it, rework (the share of those "
    "cycles in which it ran more than once) and the median hours with an owner and waiting in a group queue. The "
    "change is after minus before; a dash: the element did not run in that version.")
#: the element figures compared, as the heat map names them
FIGURES = ("cycles", "rework", "owned_p50_hours", "waiting_p50_hours")


@dataclass(frozen=True)
class Change:
    before: float | None
    after: float | None
    change: float | None


@dataclass(frozen=True)
class VersionFigures:
    version: int
    cycles: int
    won: int
    lost: int
    win_rate: float | None
    decision_p50_hours: float | None


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    name: str
    figures: dict[str, Change]


@dataclass(frozen=True)
class Comparison:
    definition: str
    regulation: str
    before: VersionFigures
    after: VersionFigures
    win_rate: Change
    decision_p50_hours: Change
    elements: tuple[ElementChange, ...]
    versions: tuple[int, ...]
    filters: dict[str, str]


def _change(before: Any, after: Any) -> Change:
    b = None if before is None else float(before)
    a = None if after is None else float(after)
    return Change(b, a, None if a is None or b is None else round(a - b, 4))


def _version(session: Session, cycles: Scope, number: int) -> VersionFigures:
    lives = durations_repo.cycle_lives(session, cycles)
    won = sum(1 for r in lives if r.status == "won")
    lost = sum(1 for r in lives if r.status == "lost")
    hours = [(r.ended_at - r.started_at).total_seconds() / HOUR for r in lives
             if r.status in ("won", "lost") and r.ended_at is not None]
    median = percentile(hours, 0.5)
    return VersionFigures(number, len(lives), won, lost, round(won / (won + lost), 4) if won + lost else None,
                          None if median is None else round(median, 2))


def compare(session: Session, actor: Actor, filters: Filters, person_figures: bool, now: datetime,
            before: int | None) -> Comparison:
    """The filters' version (the latest when none is named) against ``before`` (the one before it
    when None)."""
    filters, numbers = resolve(session, filters)
    after = int(filters.version or 0)
    if before is None:
        earlier = [n for n in numbers if n < after]
        if not earlier:
            raise coded(InputInvalid, "compare_no_earlier", {"regulation": str(filters.regulation), "version": str(after)},
                        {"fields": {"before": "there is no earlier version"}})
        before = max(earlier)
    if before not in numbers or before == after:
        raise coded(InputInvalid, "compare_other_version", {"regulation": str(filters.regulation)},
                    {"fields": {"before": "is not another version of the regulation"}})
    sides = []
    for number in (before, after):
        cycles = scope(session, actor, replace(filters, version=number), person_figures, by_start=True)
        sides.append((_version(session, cycles, number), element_figures(session, cycles, now)))
    (old, old_elements), (new, new_elements) = sides
    ids = sorted(set(old_elements) | set(new_elements))
    def figure(found: ElementFigures | None, name: str) -> Any:
        return None if found is None else getattr(found, name)

    elements = tuple(
        ElementChange(element_id, str(figure(new_elements.get(element_id), "name")
                                      or figure(old_elements.get(element_id), "name") or element_id),
                      {name: _change(figure(old_elements.get(element_id), name), figure(new_elements.get(element_id), name))
                       for name in FIGURES})
        for element_id in ids)
    return Comparison(DEFINITION, str(filters.regulation), old, new, _change(old.win_rate, new.win_rate),
                      _change(old.decision_p50_hours, new.decision_p50_hours), elements, tuple(numbers),
                      replace(filters, version=after).as_args())
