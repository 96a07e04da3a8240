"""The heat map of one regulation version: how many cycles passed each element, how often it ran
again in the same cycle (rework), how long its tasks took and waited, and how many were late.

For every element completed (a task) or passed (an event, a gateway) in the version's cycles:
cycles = the cycles that passed it, runs = how many times it ran, rework = the share of those
cycles in which it ran more than once; for tasks the median hours with an owner, waiting in a
group queue, and the share completed after the due time (engine.control.durations). The heat
(1-5) is the element's cycles against the busiest element's. At each gateway that splits, the
share per branch and the win rate downstream (engine.control.gateways).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from engine.control import error_texts  # noqa: F401  (registers the codes raised here)
from engine.control import gateways as gateway_rules
from engine.control.durations import task_durations
from engine.control.filters import Filters, scope
from engine.shared.access import Actor
from engine.shared.errors import InputInvalid
from engine.shared.notices import coded
from engine.shared.texts import N_
from storage.repositories import analytics_durations as durations_repo
from storage.repositories import control as control_repo

DEFINITION = N_(
    "For one regulation version: per element, the cycles that passed it, how many times it ran, rework (the share "
    "of those cycles in which it ran more than once), and for tasks the median hours with an owner and waiting in a "
    "group queue and the share done after the due time. The colour is the element's cycles against the busiest "
    "element's (five steps).")


@dataclass(frozen=True)
class ElementFigures:
    """One element's figures: cycles that passed it, runs, rework, and for tasks the median hours
    with an owner and waiting, the share done late and how many are open; heat 0-5."""

    cycles: int
    runs: int
    rework: float
    name: str | None = None
    owned_p50_hours: float | None = None
    waiting_p50_hours: float | None = None
    overdue_share: float | None = None
    open: int | None = None
    heat: int = 0


@dataclass(frozen=True)
class HeatMap:
    definition: str
    regulation: str
    version: int
    filters: dict[str, str]
    elements: dict[str, ElementFigures]
    versions: tuple[int, ...]
    gateway_definition: str
    gateways: tuple[gateway_rules.GatewayFigures, ...]


def resolve(session: Session, filters: Filters) -> tuple[Filters, list[int]]:
    """The filters with their regulation (the first deployed when none is named) and version (its
    latest when none is named), and the regulation's version numbers; InputInvalid names a wrong one."""
    versions = [(key, number) for _, key, number, _ in control_repo.version_stages(session)]
    if filters.regulation is None:
        if not versions:
            raise coded(InputInvalid, "figures_no_regulation", {}, {"fields": {"regulation": "is required"}})
        filters = replace(filters, regulation=versions[0][0])
    numbers = sorted(number for key, number in versions if key == filters.regulation)
    if not numbers:
        raise coded(InputInvalid, "figures_regulation_unknown", {"key": repr(filters.regulation)},
                    {"fields": {"regulation": "is not deployed"}})
    if filters.version is None:
        filters = replace(filters, version=max(numbers))
    elif filters.version not in numbers:
        raise coded(InputInvalid, "figures_version_unknown",
                    {"regulation": str(filters.regulation), "version": str(filters.version)},
                    {"fields": {"version": "is not a version of the regulation"}})
    return filters, numbers


def element_figures(session: Session, cycles: control_repo.Scope, now: datetime) -> dict[str, ElementFigures]:
    """Per element run in the cycles in scope: cycles, runs, rework, and for tasks the median hours
    with an owner and waiting, the share overdue and how many are open (heat left 0)."""
    elements: dict[str, ElementFigures] = {}
    for element_id, passed, runs in durations_repo.element_runs(session, cycles):
        elements[str(element_id)] = ElementFigures(
            int(passed), int(runs), round((int(runs) - int(passed)) / int(passed), 4) if passed else 0.0)
    for task in task_durations(session, cycles, now):
        found = elements.get(task.element_id, ElementFigures(0, 0, 0.0))
        elements[task.element_id] = replace(
            found, name=task.name, owned_p50_hours=task.owned_p50_hours, waiting_p50_hours=task.waiting_p50_hours,
            overdue_share=task.overdue_share, open=task.open)
    return elements


def heatmap(session: Session, actor: Actor, filters: Filters, person_figures: bool, now: datetime) -> HeatMap:
    """The figures per element of the filters' regulation and version (the latest when no version is
    named), and the branch shares at its gateways."""
    filters, numbers = resolve(session, filters)
    cycles = scope(session, actor, filters, person_figures, by_start=True)
    elements = element_figures(session, cycles, now)
    busiest = max((e.cycles for e in elements.values()), default=0)
    heated = {k: replace(e, heat=0 if not busiest or not e.cycles else max(1, min(5, round(5 * e.cycles / busiest))))
              for k, e in elements.items()}
    regulation, version = str(filters.regulation), int(filters.version or 0)
    return HeatMap(DEFINITION, regulation, version, filters.as_args(), heated, tuple(numbers),
                   gateway_rules.DEFINITION, tuple(branches(session, cycles, regulation, version)))


def branches(session: Session, cycles: control_repo.Scope, regulation: str, version: int
             ) -> list[gateway_rules.GatewayFigures]:
    """The branch shares of the version's splitting gateways over the cycles in scope."""
    xml = durations_repo.version_xml(session, regulation, version)
    gateways = gateway_rules.splitting_gateways(xml) if xml else []
    runs = durations_repo.runs_in_order(session, cycles, sorted(gateway_rules.watched(gateways)))
    statuses = durations_repo.cycle_statuses(session, cycles)
    return gateway_rules.branch_figures(gateways, ((int(r[0]), str(r[1])) for r in runs), statuses)
