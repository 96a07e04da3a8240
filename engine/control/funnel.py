"""The funnel by stage and the conversion of monthly cohorts: one stated definition each.

Stages come from the history (engine.regulation.cycles records a ``created`` event with the
task's ``stage`` property): a cycle is at the stage of the task with a stage opened last, and it
*enters* a stage when a task of that stage opens while it is at another one. Each entry ends in
exactly one part, known now: advanced, lost there, moved back, cancelled or migrated, or still
there, so the parts of a stage add up to its entries. The entries are kept as they happen
(storage.models.StageEntry, written with the step that opens the task); the SQL that reads them
is in storage.repositories.control.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.control import error_texts  # noqa: F401  (registers the codes raised here)
from engine.control.filters import Filters, scope
from engine.shared.access import Actor
from engine.shared.errors import InputInvalid
from engine.shared.notices import coded
from storage.repositories import control as control_repo

FUNNEL_DEFINITION = (
    "A stage entry is a cycle coming to a stage: a task of that stage opens while the cycle is at "
    "another stage (a cycle is at the stage of the task with a stage opened last). The funnel counts "
    "the entries made in the period (from and to are UTC dates, both included) and what became of "
    "each by now; the parts add up to the entries.")
ENTERED_DEFINITION = "Entries into the stage in the period; a cycle that comes back to it counts again."


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    definition: str


FUNNEL_PARTS = (
    Part(control_repo.ADVANCED, "Advanced",
         "The cycle next came to a later stage of its regulation, or was won at this stage."),
    Part(control_repo.LOST, "Lost there", "The cycle was lost while at this stage."),
    Part(control_repo.MOVED_BACK, "Moved back",
         "The cycle next came to an earlier stage (a loop back), or to one its regulation does not list."),
    Part(control_repo.CANCELLED, "Cancelled or migrated",
         "The cycle ended at this stage without being won or lost (the regulation ended without an outcome)."),
    Part(control_repo.STILL_THERE, "Still there", "The cycle is at this stage now (running, or in an incident)."),
)

COHORT_DEFINITION = (
    "A cohort is the cycles started in one month (UTC) within the period. Each cycle counts once, "
    "by where it is now: won, lost, cancelled (ended without being won or lost) or still open "
    "(running, or in an incident); the parts add up to the cycles started. Shares are of the cycles started.")
COHORT_PARTS = (
    Part("won", "Won", "Cycles of the cohort won by now."),
    Part("lost", "Lost", "Cycles of the cohort lost by now."),
    Part("cancelled", "Cancelled", "Cycles of the cohort that ended without being won or lost."),
    Part("open", "Still open", "Cycles of the cohort still running now, or in an incident."),
)
#: a cohort part -> the cycle statuses it counts
COHORT_STATUSES: dict[str, tuple[str, ...]] = {
    "won": ("won",), "lost": ("lost",), "cancelled": ("cancelled",), "open": control_repo.OPEN_STATUSES}

#: the most cycles a drill-down lists
DRILL_LIMIT = 1000


@dataclass(frozen=True)
class StageFigures:
    """One stage of the funnel: its entries in the period and what became of each (the parts add up)."""

    stage: str
    entered: int
    advanced: int
    lost: int
    moved_back: int
    cancelled: int
    still_there: int

    def part(self, key: str) -> int:
        """The count of one part of FUNNEL_PARTS by its key."""
        if key not in control_repo.PARTS:
            raise KeyError(key)
        return int(getattr(self, key))


@dataclass(frozen=True)
class Funnel:
    definition: str
    entered: str
    parts: tuple[Part, ...]
    filters: dict[str, str]
    stages: tuple[StageFigures, ...]


@dataclass(frozen=True)
class CohortFigures:
    """The cycles started in one month: where they are now, and the shares of the started."""

    month: str
    started: int
    won: int
    lost: int
    cancelled: int
    open: int
    shares: Mapping[str, float]

    def part(self, key: str) -> int:
        """The count of one part of COHORT_PARTS by its key."""
        if key not in COHORT_STATUSES:
            raise KeyError(key)
        return int(getattr(self, key))


@dataclass(frozen=True)
class Cohorts:
    definition: str
    parts: tuple[Part, ...]
    filters: dict[str, str]
    cohorts: tuple[CohortFigures, ...]


@dataclass(frozen=True)
class FigureCycle:
    """A cycle behind a funnel or cohort figure; times are ISO strings."""

    cycle_id: int
    client_id: int
    client_name: str
    regulation: str
    version: int
    stage: str | None
    status: str
    entered_at: str
    started_at: str
    ended_at: str | None


@dataclass(frozen=True)
class FunnelCycles:
    """The stage entries behind one funnel figure (``part`` None: every entry)."""

    figure: str
    stage: str
    part: str | None
    definition: str
    filters: dict[str, str]
    cycles: tuple[FigureCycle, ...]
    truncated: bool


@dataclass(frozen=True)
class CohortCycles:
    """The cycles behind one cohort figure (``part`` None: every cycle started in the month)."""

    figure: str
    month: str
    part: str | None
    definition: str
    filters: dict[str, str]
    cycles: tuple[FigureCycle, ...]
    truncated: bool


def _stage_order(session: Session) -> list[str]:
    """Every stage the versions list, in their order (the funnel's rows)."""
    ordered: dict[str, None] = {}
    for _, _, _, stages in control_repo.version_stages(session):
        for stage in stages:
            ordered.setdefault(str(stage), None)
    return list(ordered)


def funnel(session: Session, actor: Actor, filters: Filters, person_figures: bool) -> Funnel:
    """Per stage entered in the period: entries, and each part of them (see FUNNEL_PARTS)."""
    cycles = scope(session, actor, filters, person_figures)
    order = _stage_order(session)
    start, end = filters.bounds()
    counts: dict[str, dict[str, int]] = {}
    for stage, part, count in control_repo.funnel_counts(session, cycles, start, end):
        counts.setdefault(stage, {})[part] = count
    stages = [s for s in order if s in counts] + sorted(set(counts) - set(order))
    rows = []
    for stage in stages:
        parts = {p.key: counts[stage].get(p.key, 0) for p in FUNNEL_PARTS}
        rows.append(StageFigures(stage, sum(parts.values()), **parts))
    return Funnel(FUNNEL_DEFINITION, ENTERED_DEFINITION, FUNNEL_PARTS, filters.as_args(), tuple(rows))


def cohorts(session: Session, actor: Actor, filters: Filters, person_figures: bool) -> Cohorts:
    """Per month a cycle started in (within the period): started, and won, lost, cancelled, open now."""
    cycles = scope(session, actor, filters, person_figures, by_start=True)
    by_month: dict[str, dict[str, int]] = {}
    part_of = {status: part for part, statuses in COHORT_STATUSES.items() for status in statuses}
    for month, status, count in control_repo.cohort_counts(session, cycles):
        parts = by_month.setdefault(month, {p.key: 0 for p in COHORT_PARTS})
        parts[part_of.get(status, "open")] += count
    rows = []
    for month in sorted(by_month):
        parts = by_month[month]
        started = sum(parts.values())
        rows.append(CohortFigures(month, started, **parts, shares={k: round(v / started, 4) for k, v in parts.items()}))
    return Cohorts(COHORT_DEFINITION, COHORT_PARTS, filters.as_args(), tuple(rows))


def _figure_cycles(rows: Sequence[Any]) -> tuple[FigureCycle, ...]:
    return tuple(FigureCycle(r.cycle_id, r.client_id, r.client_name, r.regulation, r.version, r.stage, r.status,
                             r.entered_at.isoformat(), r.started_at.isoformat(),
                             r.ended_at.isoformat() if r.ended_at else None) for r in rows)


def funnel_cycles(session: Session, actor: Actor, filters: Filters, person_figures: bool,
                  stage: str | None, part: str | None) -> FunnelCycles:
    """The stage entries behind one funnel figure, with their cycles (part None: all entries)."""
    if not stage:
        raise coded(InputInvalid, "figure_stage_required", {}, {"fields": {"stage": "is required"}})
    if part is not None and part not in control_repo.PARTS:
        raise coded(InputInvalid, "figure_part", {"parts": ", ".join(control_repo.PARTS)},
                    {"fields": {"part": "is not a part of the funnel"}})
    cycles = scope(session, actor, filters, person_figures)
    start, end = filters.bounds()
    rows = control_repo.funnel_cycles(session, cycles, start, end, stage, part, DRILL_LIMIT + 1)
    definition = next((p.definition for p in FUNNEL_PARTS if p.key == part), ENTERED_DEFINITION)
    return FunnelCycles("funnel", stage, part, definition, filters.as_args(), _figure_cycles(rows[:DRILL_LIMIT]),
                        len(rows) > DRILL_LIMIT)


def cohort_cycles(session: Session, actor: Actor, filters: Filters, person_figures: bool,
                  month: str | None, part: str | None) -> CohortCycles:
    """The cycles behind one cohort figure (part None: every cycle started in the month)."""
    if not month or len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
        raise coded(InputInvalid, "figure_month", {}, {"fields": {"month": "must be like 2026-11"}})
    if part is not None and part not in COHORT_STATUSES:
        raise coded(InputInvalid, "figure_part", {"parts": ", ".join(COHORT_STATUSES)},
                    {"fields": {"part": "is not a part of a cohort"}})
    cycles = scope(session, actor, filters, person_figures, by_start=True)
    rows = control_repo.cohort_cycles(session, cycles, month, COHORT_STATUSES[part] if part else None,
                                      DRILL_LIMIT + 1)
    definition = next((p.definition for p in COHORT_PARTS if p.key == part), "Cycles started in the month.")
    return CohortCycles("cohort", month, part, definition, filters.as_args(), _figure_cycles(rows[:DRILL_LIMIT]),
                        len(rows) > DRILL_LIMIT)


def funnel_csv_rows(result: Funnel) -> list[list[str]]:
    """The funnel as table rows, with a header row."""
    keys = [p.key for p in FUNNEL_PARTS]
    return [["stage", "entered", *keys],
            *[[r.stage, str(r.entered), *(str(r.part(k)) for k in keys)] for r in result.stages]]


def cohort_csv_rows(result: Cohorts) -> list[list[str]]:
    """The cohorts as table rows, with a header row: counts, then shares."""
    keys = [p.key for p in COHORT_PARTS]
    return [["month", "started", *keys, *(f"{k}_share" for k in keys)],
            *[[r.month, str(r.started), *(str(r.part(k)) for k in keys), *(f"{r.shares[k]:.4f}" for k in keys)]
              for r in result.cohorts]]
