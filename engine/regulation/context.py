"""What every cycle command carries: the clock and spec cache (Context), the history recorder, the statuses."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.task import Task
from sqlalchemy.orm import Session

from engine.regulation import compaction, forms, incident_alerts, late_calls, runtime, work_types
from engine.regulation.status import CycleStatus
from engine.shared.errors import (
    ExpressionError,
)
from engine.shared.notices import Notice, notice_of
from storage.models import Cycle, OpenTask, RegulationVersion
from storage.repositories import cycle_paths as cycle_paths_repo
from storage.repositories import regulation as regulation_repo
from storage.repositories import stage_entries as stage_entries_repo
from storage.repositories import task_runs as task_runs_repo

ACTIVE, WON, LOST, INCIDENT, CANCELLED, SUSPENDED = tuple(CycleStatus)


STATUSES = (ACTIVE, WON, LOST, INCIDENT, CANCELLED, SUSPENDED)


@dataclass
class Context:
    """What a command needs besides the session: the spec cache and the clock."""

    specs: runtime.SpecCache
    now: Callable[[], datetime]
    forms: dict[tuple[int, str], list[forms.FormField]] = field(default_factory=dict)

    def work_type_dues(self, session: Session) -> dict[str, str]:
        """The catalogue's default due durations, read in the step's own transaction (a small
        table: read when a step creates a task that needs it, never stale on any host)."""
        return work_types.default_dues(session)

    def specs_for(self, session: Session, version: RegulationVersion) -> runtime.SpecSet:
        return self.specs_by_id(session, version.id)

    def specs_by_id(self, session: Session, version_id: int, seen: frozenset[int] = frozenset()) -> runtime.SpecSet:
        """A version's specs, with the processes its call activities call that were deployed after
        it (engine/regulation/late_calls.py)."""
        specs = self.specs.get(version_id, lambda: regulation_repo.version_spec(session, version_id))
        names = self.specs.missing(version_id, specs)
        if not names:
            return specs
        return late_calls.resolve(session, specs, names, self.specs_by_id, seen | {version_id})


class Recorder:
    """Collects the history events of one command and appends them in one statement; every
    history event of a cycle is written through one (the engine's one way to record them)."""

    def __init__(self, session: Session, cycle: Cycle, actor: str | None, at: datetime) -> None:
        self.session, self.cycle, self.actor, self.at = session, cycle, actor, at
        self.rows: list[dict[str, Any]] = []

    def add(self, type_: str, task: Task | OpenTask | None = None, data: dict[str, Any] | None = None,
            actor: str | None = "__default__", element_id: str | None = None) -> None:
        """An event, of a task (spec or projection row) or, without one, of ``element_id``."""
        task_id, name = None, element_id
        if isinstance(task, Task):
            task_id, element_id = str(task.id), task.task_spec.bpmn_id
            name = task.task_spec.bpmn_name or element_id
        elif isinstance(task, OpenTask):
            task_id, element_id, name = task.id, task.element_id, task.name
        self.rows.append({
            "cycle_id": self.cycle.id, "client_id": self.cycle.client_id, "at": self.at, "type": type_,
            "actor": self.actor if actor == "__default__" else actor, "task_id": task_id,
            "element_id": element_id, "task_name": name, "data": _jsonable(data or {})})

    def write(self) -> None:
        if self.rows:
            regulation_repo.add_history_events(self.session, self.rows)  # one executemany
            self._keep_stage_entries()
            task_runs_repo.rebuild(self.session, task_runs_repo.touched(self.rows))
            completed = [str(row["task_name"] or row["element_id"]) for row in self.rows if row["type"] == "completed"]
            cycle_paths_repo.extend(self.session, self.cycle.id, completed)  # the variants' path, grown
            if any(row["type"] == "incident" for row in self.rows) and self.cycle.incident:
                incident_alerts.alert(self.session, self.cycle, self.at)  # owners and heads hear of it
            self.rows = []

    def _keep_stage_entries(self) -> None:
        """The funnel's stage entries, in the step's transaction: the tasks with a stage just
        opened; a migration ranks the cycle's earlier entries by its new version; a cycle that
        ended (every end, won, lost or cancelled, is recorded) ends its entry with its outcome."""
        created = [(row["at"], str(row["data"]["stage"])) for row in self.rows
                   if row["type"] == "created" and row["data"].get("stage") is not None]
        stage_entries_repo.record(self.session, self.cycle.id, self.cycle.version_id, created)
        if any(row["type"] == "migrated" for row in self.rows):
            stage_entries_repo.reclassify(self.session, self.cycle.id, self.cycle.version_id)
        stage_entries_repo.settle(self.session, self.cycle.id, self.cycle.status)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def record_incident(cycle: Cycle, rec: Recorder, task: Task | None, exc: Exception, now: datetime) -> None:
    """The step raised ``exc`` at ``task``: the cycle goes into incident with the exception's notice
    (its text as it came where it has none)."""
    element = task.task_spec.bpmn_id if task is not None else getattr(exc, "task_spec", None)
    notice = _carried(exc) or Notice("step_failed", {"detail": error_text(exc)})
    put_in_incident(cycle, rec, notice, now, task=task, element_id=element if isinstance(element, str) else None)


def _carried(exc: BaseException) -> Notice | None:
    """The notice of ``exc`` or of what it wraps (SpiffWorkflow wraps what an expression raised)."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        found = notice_of(seen)
        if found is not None:
            return found
        inner = getattr(seen, "exception", None)
        seen = inner if isinstance(inner, BaseException) else (seen.__cause__ or seen.__context__)
    return None


def record_stall(cycle: Cycle, rec: Recorder, stall: compaction.Stall, now: datetime) -> None:
    put_in_incident(cycle, rec, Notice("stalled", {"reason": stall.notice}), now, task=stall.task,
                    element_id=stall.element_id)


def put_in_incident(cycle: Cycle, rec: Recorder, notice: Notice, now: datetime, *, task: Task | OpenTask | None = None,
                    element_id: str | None = None, task_name: str | None = None) -> None:
    """The one way a cycle goes into incident: its status, the incident (the English text, the
    code and parameters to show it in any language, the element, the time) and the history event."""
    if isinstance(task, Task):
        element_id, task_name = task.task_spec.bpmn_id, task.task_spec.bpmn_name
    coded = notice.as_dict()
    cycle.status = INCIDENT
    cycle.incident = {"message": notice.text, **coded, "element_id": element_id, "task_name": task_name,
                      "at": now.isoformat()}
    rec.add("incident", task, {"message": notice.text, **coded}, actor=None, element_id=element_id)


def error_text(exc: Exception) -> str:
    if isinstance(exc, ExpressionError):
        return exc.message
    parts = [str(exc.args[0]) if exc.args else str(exc)]
    cause = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    if cause is not None and str(cause) not in parts[0]:
        parts.append(str(getattr(cause, "message", cause)))
    notes = getattr(exc, "notes", None) or getattr(exc, "__notes__", None) or []
    parts.extend(n for n in notes if n not in parts)
    return ": ".join(parts)
