"""What the operators' pages read about running cycles: where a version's cycles wait, the
incidents grouped by cause, and the operations a cycle page offers."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.regulation import (
    error_texts,  # noqa: F401  (registers the codes raised here)
    forms,
    moves,
    variable_edits,
)
from engine.regulation.context import Context
from engine.shared.errors import NotFound
from engine.shared.notices import coded
from storage.models import Cycle
from storage.repositories import cockpit as cockpit_repo


@dataclass(frozen=True)
class ElementLoad:
    """At one element of a version: cycles waiting there (tasks, timers) and cycles in incident there."""

    waiting: int = 0
    incidents: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"waiting": self.waiting, "incidents": self.incidents}


def element_loads(session: Session, version_id: int) -> dict[str, ElementLoad]:
    return {element: ElementLoad(**counts) for element, counts in cockpit_repo.waiting_by_element(session, version_id).items()}


def version_loads(session: Session, key: str, number: int) -> dict[str, ElementLoad]:
    """Per element of version ``number`` of regulation ``key``: its load."""
    version_id = cockpit_repo.version_id(session, key, number)
    if version_id is None:
        raise coded(NotFound, "regulation_version_unknown", {"version": str(number), "regulation": repr(key)})
    return element_loads(session, version_id)


@dataclass(frozen=True)
class IncidentGroup:
    """Cycles in incident at one element of one version: one bad deploy, one row."""

    regulation: str
    regulation_name: str
    version: int
    element_id: str | None
    task_name: str | None
    count: int
    #: one of the group's incident messages, and its newest cycle
    message: str | None
    latest_cycle_id: int
    #: the newest cycle's incident (message, code, parameters): the group's message in any language
    incident: dict[str, Any] | None = None


def incident_groups(session: Session) -> list[IncidentGroup]:
    rows = cockpit_repo.incident_groups(session)
    newest = cockpit_repo.incidents_of(session, [row[-1] for row in rows])
    return [IncidentGroup(regulation=key, regulation_name=name, version=number, element_id=element_id,
                          task_name=task_name, count=count, message=message, latest_cycle_id=latest,
                          incident=newest.get(latest))
            for key, name, number, element_id, task_name, count, message, latest in rows]


@dataclass(frozen=True)
class CycleTools:
    """What the cycle page's operations offer: tokens, move targets, the typed form fields of the
    version and the variables the engine keeps for itself (never edited by hand)."""

    tokens: tuple[moves.Choice, ...]
    targets: tuple[moves.Choice, ...]
    fields: Mapping[str, forms.FormField]
    protected: tuple[str, ...]


def cycle_tools(session: Session, ctx: Context, cycle: Cycle) -> CycleTools:
    choices = moves.choices(session, ctx, cycle)
    return CycleTools(tokens=choices.tokens, targets=choices.targets,
                      fields=variable_edits.version_fields(session, ctx, cycle.version_id),
                      protected=tuple(sorted(variable_edits.PROTECTED)))
