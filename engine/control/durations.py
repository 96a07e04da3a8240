"""Durations against the regulation's own norms, and time to decision as Kaplan–Meier medians.

- **Time in stage**: from a stage entry (as the funnel counts them) to the next entry, or to the
  cycle's end; a stay still going counts up to now and is *censored* (we know only that it lasts
  at least that long). p50 and p90 are of the finished stays; the Kaplan–Meier median counts the
  stays still going honestly instead of leaving them out.
- **Tasks** (per element of the regulation): waiting in a group queue (created -> claimed; a task
  assigned to a person waits for nobody) and with an owner (claimed, or created when assigned, ->
  completed); the norm is the due time the regulation gave the task (its ``dueDate``, ``due``
  property or work type's default); overdue is the share of completed tasks done after it.
- **Time to decision**: from a cycle's start to won or lost; open cycles are censored at now,
  cancelled ones at their end (they were never decided). The Kaplan–Meier estimate is scipy's
  (``scipy.stats.ecdf`` on right-censored data), not our own.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scipy.stats import CensoredData, ecdf  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from engine.control.filters import Filters, scope
from engine.shared.access import Actor
from engine.shared.texts import N_
from storage.repositories import analytics_durations as durations_repo
from storage.repositories import control as control_repo

HOUR = 3600.0
DEFINITIONS = {
    "stage": N_("Time in stage: from entering a stage to entering the next one, or to the cycle's end; a stay still "
             "going counts up to now and is censored. p50 and p90 are of the finished stays; the Kaplan–Meier "
             "median also counts the stays still going (it is empty while fewer than half have finished)."),
    "task": N_("Per task of the regulation: waiting in a group queue (created to claimed; a task assigned to a person "
            "waits for nobody), with an owner (claimed, or created when assigned, to completed), the norm (the due "
            "time the regulation gave it, median) and the share of completed tasks done after their due time."),
    "decision": N_("Time to decision: from a cycle's start to won or lost. Open cycles are censored at now and "
                "cancelled ones at their end; the median is Kaplan–Meier's."),
}


@dataclass(frozen=True)
class StageStay:
    """Time in one stage: stays finished and still going, p50 and p90 of the finished ones, and the
    Kaplan–Meier median counting those still going."""

    stage: str
    finished: int
    going: int
    p50_hours: float | None
    p90_hours: float | None
    km_median_hours: float | None


@dataclass(frozen=True)
class TaskTimes:
    """One task of the regulation: waiting in a group queue, with an owner, its norm, the share late."""

    element_id: str
    name: str
    stage: str | None
    work_type: str | None
    completed: int
    open: int
    waiting_p50_hours: float | None
    waiting_p90_hours: float | None
    owned_p50_hours: float | None
    owned_p90_hours: float | None
    claimed_total_p50_hours: float | None
    norm_hours: float | None
    overdue_share: float | None


@dataclass(frozen=True)
class DecisionTime:
    decided: int
    censored: int
    km_median_hours: float | None
    p50_decided_hours: float | None
    p50_won_hours: float | None


@dataclass(frozen=True)
class Durations:
    definitions: dict[str, str]
    filters: dict[str, str]
    stages: tuple[StageStay, ...]
    tasks: tuple[TaskTimes, ...]
    decision: DecisionTime


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (the smallest value with at least ``share`` of the values at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def km_median(events: Sequence[float], censored: Sequence[float]) -> float | None:
    """The Kaplan–Meier median: the first time the survival falls to one half or below; None while
    it has not (or with no event at all)."""
    if not events:
        return None
    found = ecdf(CensoredData(uncensored=list(events), right=list(censored)))
    for moment, survival in zip(found.sf.quantiles, found.sf.probabilities, strict=True):
        if survival <= 0.5:
            return float(moment)
    return None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 2)


def _stay(stage: str, done: list[float], going: list[float]) -> StageStay:
    return StageStay(stage, len(done), len(going), _hours(percentile(done, 0.5)), _hours(percentile(done, 0.9)),
                     _hours(km_median(done, going)))


def _since(later: datetime, earlier: datetime) -> float:
    return max(0.0, (later - earlier).total_seconds())


def durations(session: Session, actor: Actor, filters: Filters, person_figures: bool, now: datetime) -> Durations:
    """Time in stage, task times against their norms, and time to decision, for the cycles in scope
    (the period bounds the cycles' start)."""
    cycles = scope(session, actor, filters, person_figures, by_start=True)
    return Durations(dict(DEFINITIONS), filters.as_args(), tuple(stage_durations(session, cycles, now)),
                     tuple(task_durations(session, cycles, now)), decision_time(session, cycles, now))


def stage_durations(session: Session, cycles: control_repo.Scope, now: datetime) -> list[StageStay]:
    stays: dict[str, tuple[list[float], list[float]]] = {}
    for row in durations_repo.stage_stays(session, cycles):
        done, going = stays.setdefault(str(row.stage), ([], []))
        left = row.left_at or row.ended_at
        if left is not None:
            done.append(_since(left, row.entered_at))
        else:
            going.append(_since(now, row.entered_at))
    order = [str(s) for _, _, _, stages in control_repo.version_stages(session) for s in stages]
    ranked = list(dict.fromkeys([s for s in order if s in stays] + sorted(stays)))
    return [_stay(stage, *stays[stage]) for stage in ranked]


def task_durations(session: Session, cycles: control_repo.Scope, now: datetime) -> list[TaskTimes]:
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for row in durations_repo.task_times(session, cycles):
        if row.created_at is None:
            continue
        key = (str(row.element_id), str(row.name or row.element_id))
        g = groups.setdefault(key, {"stage": row.stage, "work_type": row.work_type, "waiting": [], "owned": [],
                                    "going": [], "norms": [], "late": 0, "with_due": 0})
        due = _parse(row.due_at)
        if due is not None:
            g["norms"].append(_since(due, row.created_at))
        if row.completed_at is None:
            g["going"].append(_since(now, row.created_at))
            continue
        if row.claimed_at is not None:
            g["waiting"].append(_since(row.claimed_at, row.created_at))
            g["owned"].append(_since(row.completed_at, row.claimed_at))
        else:
            g["owned"].append(_since(row.completed_at, row.created_at))
        if due is not None:
            g["with_due"] += 1
            g["late"] += row.completed_at > due
    out = []
    for (element_id, name), g in sorted(groups.items(), key=lambda kv: (kv[1]["stage"] or "", kv[0][1])):
        total = [w + o for w, o in zip(g["waiting"], g["owned"], strict=False)] if g["waiting"] else []
        out.append(TaskTimes(
            element_id, name, g["stage"], g["work_type"], len(g["owned"]), len(g["going"]),
            _hours(percentile(g["waiting"], 0.5)), _hours(percentile(g["waiting"], 0.9)),
            _hours(percentile(g["owned"], 0.5)), _hours(percentile(g["owned"], 0.9)), _hours(percentile(total, 0.5)),
            _hours(percentile(g["norms"], 0.5)), round(g["late"] / g["with_due"], 4) if g["with_due"] else None))
    return out


def _parse(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def decision_time(session: Session, cycles: control_repo.Scope, now: datetime) -> DecisionTime:
    decided: list[float] = []
    censored: list[float] = []
    won: list[float] = []
    for row in durations_repo.cycle_lives(session, cycles):
        if row.status in ("won", "lost") and row.ended_at is not None:
            decided.append(_since(row.ended_at, row.started_at))
            if row.status == "won":
                won.append(_since(row.ended_at, row.started_at))
        else:
            censored.append(_since(row.ended_at or now, row.started_at))
    return DecisionTime(len(decided), len(censored), _hours(km_median(decided, censored)),
                        _hours(percentile(decided, 0.5)), _hours(percentile(won, 0.5)))
