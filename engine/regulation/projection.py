"""The open-task projection the inbox reads: responsibility, due dates, stages."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.notify import notifications
from engine.regulation import candidates, expressions
from engine.regulation.context import Context, Recorder, record_incident
from engine.regulation.expression_checks import is_expression
from engine.shared.errors import (
    ExpressionError,
)
from storage.models import Cycle, OpenTask, TaskCandidateGroup
from storage.repositories import regulation as regulation_repo

#: where a task goes that names nobody, in a cycle without an owner: every head sees it
HEADS_QUEUE = "role:head"


def _responsibility(task: Task, variables: dict[str, Any]) -> tuple[str | None, list[str]]:
    """Logins are lower-case (as stored); group names are kept as written."""
    ext = getattr(task.task_spec, "extensions", {}) or {}
    assignee = _resolve(ext.get("camunda:assignee"), variables)
    assignee = assignee.lower()[:64] if assignee else None
    groups = [g[:100] for g in candidates.names(ext.get("camunda:candidateGroups"), variables)]
    users = [f"user:{u.lower()}"[:100] for u in candidates.names(ext.get("camunda:candidateUsers"), variables)]
    if not groups and not users and task.task_spec.lane:
        groups = [task.task_spec.lane]
    if not assignee and not groups and not users:  # the diagram names nobody: the cycle's owner
        owner = variables.get("owner")
        users = [f"user:{owner.lower()}"[:100]] if isinstance(owner, str) and owner else [HEADS_QUEUE]
    return assignee, groups + users


def _resolve(value: str | None, variables: dict[str, Any]) -> str | None:
    if not value:
        return None
    if "${" in value or "#{" in value:
        result = expressions.evaluate(value, variables)
        return str(result).strip() if result not in (None, "") else None
    return value.strip()


def _due(task: Task, variables: dict[str, Any], now: datetime,
         defaults: Callable[[], dict[str, str]]) -> datetime | None:
    """camunda:dueDate, else the task's ``due`` property, else its work type's default."""
    ext = getattr(task.task_spec, "extensions", {}) or {}
    raw = ext.get("camunda:dueDate")
    if raw:
        value = expressions.evaluate(raw, variables, timer=True) if is_expression(raw) else raw
        try:
            if isinstance(value, str) and value.upper().startswith("P"):
                return now + _duration(value)
            due: datetime = TimerEventDefinition.get_datetime(str(value))
            return due
        except Exception:
            raise ExpressionError(f"due date {raw!r} of '{task.task_spec.bpmn_name}' is not an "
                                  "ISO-8601 date or duration") from None
    if ext.get("due"):
        try:
            return now + _duration(ext["due"])
        except Exception:
            raise ExpressionError(f"due {ext['due']!r} of '{task.task_spec.bpmn_name}' is not an "
                                  "ISO-8601 duration such as P2D or PT4H") from None
    default = defaults().get(ext.get("work_type") or "")
    return now + _duration(default) if default else None


def _duration(text: str) -> timedelta:
    parsed = TimerEventDefinition.parse_iso_duration(text)
    days = parsed.pop("days", 0) + 7 * parsed.pop("weeks", 0) + 365 * parsed.pop("years", 0) \
        + 30 * parsed.pop("months", 0)
    return timedelta(days=days, **parsed)


def _sync_open_tasks(session: Session, ctx: Context, cycle: Cycle, workflow: BpmnWorkflow,
                     rec: Recorder, known: dict[str, OpenTask], decided: bool) -> set[str]:
    """Make the open-task projection match the ready user tasks; returns their ids."""
    ready = {} if decided else {
        str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    gone = [row for task_id, row in known.items() if task_id not in ready]
    for row in gone:
        rec.add("cancelled", row, actor=None)
    regulation_repo.drop_open_tasks(session, gone)
    stages = cycle.version.stages or []
    best_stage = None
    created: list[notifications.NewTask] = []
    new_rows: list[OpenTask] = []  # written in one statement once notifications marked them
    catalogue: dict[str, str] | None = None

    def defaults() -> dict[str, str]:  # read only when a new task needs it
        nonlocal catalogue
        if catalogue is None:
            catalogue = ctx.work_type_dues(session)
        return catalogue

    for task_id, task in ready.items():
        stage = (task.task_spec.extensions or {}).get("stage")
        if stage and (best_stage is None or _stage_rank(stages, stage) > _stage_rank(stages, best_stage)):
            best_stage = stage
        if task_id in known:
            continue
        try:
            assignee, groups = _responsibility(task, task.data)
            due = _due(task, task.data, rec.at, defaults)
        except ExpressionError as exc:
            record_incident(cycle, rec, task, exc, rec.at)
            continue
        row = OpenTask(id=task_id, cycle_id=cycle.id, version_id=cycle.version_id, client_id=cycle.client_id,
                       element_id=task.task_spec.bpmn_id[:200],
                       name=(task.task_spec.bpmn_name or task.task_spec.bpmn_id)[:300],
                       stage=stage[:100] if stage else None,
                       work_type=((task.task_spec.extensions or {}).get("work_type") or "")[:50] or None,
                       lane=task.task_spec.lane[:100] if task.task_spec.lane else None, assignee=assignee, claimed=False, created_at=rec.at,
                       due_at=due, group_rows=[TaskCandidateGroup(group_name=g) for g in dict.fromkeys(groups)])
        new_rows.append(row)
        created.append(notifications.NewTask(row, (task.task_spec.extensions or {}).get("notify")))
        rec.add("created", task, {"assignee": assignee, "candidate_groups": groups,
                                  "due_at": due.isoformat() if due else None,
                                  "stage": row.stage, "work_type": row.work_type}, actor=None)
        if assignee:
            rec.add("assigned", task, {"assignee": assignee}, actor=None)
    notifications.tasks_created(session, cycle.client.name, created, rec.actor, rec.at)
    regulation_repo.add_open_tasks(session, new_rows)
    if best_stage:
        cycle.stage = best_stage
    return set(ready)


def _stage_rank(stages: list[str], stage: str) -> int:
    return stages.index(stage) if stage in stages else -1
