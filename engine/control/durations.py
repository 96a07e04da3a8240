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
  (``scipy.stats.ecdf`` on right-censored data); on PostgreSQL the durations come grouped (a
  duration and how many stays, tasks or cycles had it), and ``km_median_counted`` runs scipy's
  product-limit arithmetic on the counts (ecdf takes no weights), the same numbers in a fraction
  of the time; the percentiles there are PostgreSQL's ``percentile_disc`` (nearest rank too).

The task times are read from the kept task runs (storage.models.control.TaskRun), one row per
task (the history's created, first claimed and last completed events).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
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


def percentile_counted(counted: Sequence[tuple[float, int]], share: float) -> float | None:
    """``percentile`` of values given as (value, how many times it occurs)."""
    if not counted:
        return None
    values = np.array([v for v, _ in counted], dtype=float)
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(np.array([c for _, c in counted], dtype=np.int64)[order])
    if not len(cumulative) or cumulative[-1] <= 0:
        return None
    rank = max(0, math.ceil(share * int(cumulative[-1])) - 1)
    return float(values[order][int(np.searchsorted(cumulative, rank + 1))])


def km_median_counted(events: Sequence[tuple[float, int]], censored: Sequence[tuple[float, int]]) -> float | None:
    """``km_median`` of durations given as (duration, how many): scipy.stats.ecdf's product-limit
    arithmetic for right-censored data (survival = cumprod((at risk - deaths) / at risk) at each
    distinct time), run on the counts."""
    if not any(c for _, c in events):
        return None
    deaths: dict[float, int] = {}
    losses: dict[float, int] = {}
    for value, count in events:
        deaths[float(value)] = deaths.get(float(value), 0) + int(count)
    for value, count in censored:
        losses[float(value)] = losses.get(float(value), 0) + int(count)
    times = np.array(sorted(deaths.keys() | losses.keys()), dtype=float)
    died = np.array([deaths.get(t, 0) for t in times], dtype=np.int64)
    lost = np.array([losses.get(t, 0) for t in times], dtype=np.int64)
    at_risk = (died + lost)[::-1].cumsum()[::-1]  # those whose time is this one or later
    survival = np.cumprod((at_risk - died) / at_risk)
    below = np.nonzero(survival <= 0.5)[0]
    return float(times[below[0]]) if len(below) else None


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
    order = [str(s) for _, _, _, stages in control_repo.version_stages(session) for s in stages]
    if durations_repo.in_sql(session):
        counted: dict[str, tuple[list[tuple[float, int]], list[tuple[float, int]]]] = {}
        for stage, time, finished, count in durations_repo.stay_counts(session, cycles, now):
            counted.setdefault(str(stage), ([], []))[0 if finished else 1].append((_seconds(time), int(count)))
        ranked = list(dict.fromkeys([s for s in order if s in counted] + sorted(counted)))
        return [_stay_counted(stage, *counted[stage]) for stage in ranked]
    stays: dict[str, tuple[list[float], list[float]]] = {}
    for row in durations_repo.stage_stays(session, cycles):
        done, going = stays.setdefault(str(row.stage), ([], []))
        left = row.left_at or row.ended_at
        if left is not None:
            done.append(_since(left, row.entered_at))
        else:
            going.append(_since(now, row.entered_at))
    ranked = list(dict.fromkeys([s for s in order if s in stays] + sorted(stays)))
    return [_stay(stage, *stays[stage]) for stage in ranked]


def _stay_counted(stage: str, done: list[tuple[float, int]], going: list[tuple[float, int]]) -> StageStay:
    return StageStay(stage, sum(c for _, c in done), sum(c for _, c in going), _hours(percentile_counted(done, 0.5)),
                     _hours(percentile_counted(done, 0.9)), _hours(km_median_counted(done, going)))


def task_durations(session: Session, cycles: control_repo.Scope, now: datetime) -> list[TaskTimes]:
    if durations_repo.in_sql(session):
        return sorted((TaskTimes(
            str(r.element_id), str(r.name or r.element_id), r.stage, r.work_type, int(r.completed), int(r.open),
            _hours(r.waiting_p50), _hours(r.waiting_p90), _hours(r.owned_p50), _hours(r.owned_p90), _hours(r.total_p50),
            _hours(r.norm_p50), round(int(r.late) / int(r.with_due), 4) if r.with_due else None)
            for r in durations_repo.task_figures(session, cycles)), key=lambda t: (t.stage or "", t.name))
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for row in durations_repo.task_times(session, cycles):
        if row.created_at is None:
            continue
        key = (str(row.element_id), str(row.name or row.element_id))
        g = groups.setdefault(key, {"stage": row.stage, "work_type": row.work_type, "waiting": [], "owned": [],
                                    "going": [], "norms": [], "total": [], "late": 0,
                                    "with_due": 0})
        due = _parse(row.due_at)
        if due is not None:
            g["norms"].append(_since(due, row.created_at))
        if row.completed_at is None:
            g["going"].append(_since(now, row.created_at))
            continue
        if row.claimed_at is not None:
            g["waiting"].append(_since(row.claimed_at, row.created_at))
            g["owned"].append(_since(row.completed_at, row.claimed_at))
            g["total"].append(g["waiting"][-1] + g["owned"][-1])
        else:
            g["owned"].append(_since(row.completed_at, row.created_at))
        if due is not None:
            g["with_due"] += 1
            g["late"] += row.completed_at > due
    out = []
    for (element_id, name), g in sorted(groups.items(), key=lambda kv: (kv[1]["stage"] or "", kv[0][1])):
        total = g["total"]
        out.append(TaskTimes(
            element_id, name, g["stage"], g["work_type"], len(g["owned"]), len(g["going"]),
            _hours(percentile(g["waiting"], 0.5)), _hours(percentile(g["waiting"], 0.9)),
            _hours(percentile(g["owned"], 0.5)), _hours(percentile(g["owned"], 0.9)), _hours(percentile(total, 0.5)),
            _hours(percentile(g["norms"], 0.5)), round(g["late"] / g["with_due"], 4) if g["with_due"] else None))
    return out


def _seconds(span: timedelta) -> float:
    """The seconds of an interval PostgreSQL gave, none below zero (as ``_since``)."""
    return max(0.0, span.total_seconds())


def _parse(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def decision_time(session: Session, cycles: control_repo.Scope, now: datetime) -> DecisionTime:
    if durations_repo.in_sql(session):
        counted: tuple[list[tuple[float, int]], list[tuple[float, int]], list[tuple[float, int]]] = ([], [], [])
        for status, ended, time, count in durations_repo.life_counts(session, cycles, now):
            seen = (_seconds(time), int(count))
            if status in ("won", "lost") and ended:
                counted[0].append(seen)
                if status == "won":
                    counted[2].append(seen)
            else:
                counted[1].append(seen)
        found, going, won_counted = counted
        return DecisionTime(sum(c for _, c in found), sum(c for _, c in going),
                            _hours(km_median_counted(found, going)), _hours(percentile_counted(found, 0.5)),
                            _hours(percentile_counted(won_counted, 0.5)))
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
