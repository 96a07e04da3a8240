"""The heat map of one regulation version: how many cycles passed each element, how often it ran
again in the same cycle (rework), how long its tasks took and waited, and how many were late.

For every element completed (a task) or passed (an event, a gateway) in the version's cycles:
cycles = the cycles that passed it, runs = how many times it ran, rework = the share of those
cycles in which it ran more than once; for tasks the median hours with an owner, waiting in a
group queue, and the share completed after the due time (engine.control.durations). The heat
(1-5) is the element's cycles against the busiest element's.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.control.durations import task_durations
from engine.control.filters import Filters, scope
from engine.shared.access import Actor
from engine.shared.errors import InputInvalid
from storage.repositories import analytics_durations as durations_repo
from storage.repositories import control as control_repo

DEFINITION = (
    "For one regulation version: per element, the cycles that passed it, how many times it ran, rework (the share "
    "of those cycles in which it ran more than once), and for tasks the median hours with an owner and waiting in a "
    "group queue and the share done after the due time. The colour is the element's cycles against the busiest "
    "element's (five steps).")


def heatmap(session: Session, actor: Actor, filters: Filters, person_figures: bool, now: datetime) -> dict[str, Any]:
    """The figures per element of the filters' regulation and version (the latest when no version is named)."""
    versions = [(key, number) for _, key, number, _ in control_repo.version_stages(session)]
    if filters.regulation is None:
        if not versions:
            raise InputInvalid("no regulation is deployed", {"fields": {"regulation": "is required"}})
        filters = replace(filters, regulation=versions[0][0])
    numbers = [number for key, number in versions if key == filters.regulation]
    if not numbers:
        raise InputInvalid(f"no regulation {filters.regulation!r}", {"fields": {"regulation": "is not deployed"}})
    if filters.version is None:
        filters = replace(filters, version=max(numbers))
    elif filters.version not in numbers:
        raise InputInvalid(f"{filters.regulation} has no version {filters.version}",
                           {"fields": {"version": "is not a version of the regulation"}})
    cycles = scope(session, actor, filters, person_figures, by_start=True)
    elements: dict[str, dict[str, Any]] = {}
    for element_id, passed, runs in durations_repo.element_runs(session, cycles):
        elements[str(element_id)] = {"cycles": int(passed), "runs": int(runs),
                                     "rework": round((int(runs) - int(passed)) / int(passed), 4) if passed else 0.0}
    for task in task_durations(session, cycles, now):
        found = elements.setdefault(task["element_id"], {"cycles": 0, "runs": 0, "rework": 0.0})
        found.update({"name": task["name"], "owned_p50_hours": task["owned_p50_hours"],
                      "waiting_p50_hours": task["waiting_p50_hours"], "overdue_share": task["overdue_share"],
                      "open": task["open"]})
    busiest = max((e["cycles"] for e in elements.values()), default=0)
    for e in elements.values():
        e["heat"] = 0 if not busiest or not e["cycles"] else max(1, min(5, round(5 * e["cycles"] / busiest)))
    return {"definition": DEFINITION, "regulation": filters.regulation, "version": filters.version,
            "filters": filters.as_args(), "elements": elements, "versions": sorted(numbers)}
