"""Human tasks of a cycle: the form, completion, claim and release, and the done-work log."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from engine.regulation import forms, jobs, outside, runtime
from engine.regulation.advance import advance
from engine.regulation.context import ACTIVE, Context, Recorder, record_incident
from engine.regulation.error_texts import cycle_state
from engine.shared import days
from engine.shared.access import Actor, may_act_on_task
from engine.shared.errors import (
    Forbidden,
    NotFound,
    TaskNotActionable,
)
from engine.shared.notices import coded
from storage.models import Cycle, OpenTask
from storage.repositories import planning as planning_repo
from storage.repositories import regulation as regulation_repo


def open_task_or_conflict(session: Session, task_id: str) -> OpenTask:
    task = regulation_repo.open_task(session, task_id)
    if task is not None:
        return task
    past = regulation_repo.task_history(session, task_id)
    if not past:
        raise coded(NotFound, "task_unknown", {"task_id": task_id})
    last = past[-1]
    if last.type == "completed":
        raise coded(TaskNotActionable, "task_already_completed",
                    {"task": last.task_name, "actor": last.actor, "at": f"{last.at:%Y-%m-%d %H:%M}"},
                    {"task_id": task_id})
    if last.type in ("cancelled", "passed"):
        raise coded(TaskNotActionable, f"task_closed_{last.type}", {"task": last.task_name}, {"task_id": task_id})
    raise coded(TaskNotActionable, "task_closed", {"task": last.task_name, "event": last.type},
                {"task_id": task_id})


def lock_task(session: Session, task_id: str) -> tuple[OpenTask, Cycle, dict[str, OpenTask]]:
    """Lock the task's cycle, then read the cycle's open tasks under the lock."""
    cycle = regulation_repo.cycle_of_task_for_update(session, task_id)
    if cycle is None:
        open_task_or_conflict(session, task_id)  # raises: completed before, or unknown
        raise coded(NotFound, "task_cycle_unknown", {"task_id": task_id})
    known = {t.id: t for t in regulation_repo.open_tasks_of_cycle(session, cycle.id)}
    task = known.get(task_id) or open_task_or_conflict(session, task_id)
    if cycle.status != ACTIVE:
        raise coded(TaskNotActionable, "task_cycle_not_active", {"state": cycle_state(cycle.id, cycle.status)},
                    {"cycle_id": cycle.id, "status": cycle.status})
    return task, cycle, known


def task_form(session: Session, ctx: Context, task: OpenTask) -> list[forms.FormField]:
    key = (task.version_id, task.element_id)
    found = ctx.forms.get(key)
    if found is None:  # versions are immutable, so a task's form never changes
        spec, subs = ctx.specs_by_id(session, task.version_id)
        found = ctx.forms[key] = forms.fields_of(find_spec(spec, subs, task.element_id))
    return found


def find_spec(spec: Any, subs: dict[str, Any], element_id: str) -> Any:
    for process in (spec, *subs.values()):
        found = process.task_specs.get(element_id)
        if found is not None:
            inner = getattr(found, "task_spec", None)  # a multi-instance or loop activity: the form is on its instance
            return process.task_specs.get(inner, found) if isinstance(inner, str) else found
    for process in (spec, *subs.values()):  # an element renamed for the engine (normalize.py: ids like 'End')
        for candidate in process.task_specs.values():
            if getattr(candidate, "bpmn_id", None) == element_id and not isinstance(getattr(candidate, "task_spec", None), str):
                return candidate
    return None


def complete_task(session: Session, ctx: Context, actor: Actor, task_id: str,
                  submitted: dict[str, Any]) -> Cycle:
    task, cycle, known = lock_task(session, task_id)
    refuse_unless_yours(actor, task)
    specs = ctx.specs_for(session, cycle.version)
    workflow = runtime.restore_workflow(specs, cycle.state)
    timers_before = jobs.waiting_timers(workflow)  # what the cycle's jobs project now
    outside_before = outside.waits(workflow)  # and its external-task and subscription rows
    wf_task = workflow.get_task_from_id(UUID(task.id))
    if wf_task is None or wf_task.state != TaskState.READY:
        raise coded(TaskNotActionable, "task_not_open_in_cycle", {"task": task.name})
    values = forms.validate(task_form(session, ctx, task), submitted, wf_task.data)
    now = ctx.now()
    rec = Recorder(session, cycle, actor.login, now)
    wf_task.data.update(values)
    if task.assignee is None:
        rec.add("claimed", task, {"assignee": actor.login})
    try:
        wf_task.run()
    except Exception as exc:
        record_incident(cycle, rec, wf_task, exc, now)
    else:
        rec.add("completed", task, {"variables": values})
        known.pop(task.id, None)
        regulation_repo.drop_open_tasks(session, [task])
        _log_work_done(session, cycle, task, actor, now)
    advance(session, ctx, cycle, workflow, rec, known_open=known, timers_before=timers_before,
            outside_before=outside_before)
    return cycle


def _log_work_done(session: Session, cycle: Cycle, task: OpenTask, actor: Actor, now: datetime) -> None:
    """The done-work log row of a completed task (one insert, no read). Its deadline: the due
    time, else the end of the planned day in the completer's time zone (engine.activities
    defines "on time"). A task of a work type is a contact: the client's latest one."""
    due = task.due_at
    if due is None and task.planned_at is not None:
        due = days.end_of_day(task.planned_at, days.zone(actor.timezone))
    planning_repo.add_work_done(session, {
        "login": actor.login, "client_id": cycle.client_id, "cycle_id": cycle.id, "task_id": task.id,
        "activity_id": None, "name": task.name, "work_type": task.work_type, "due_at": due,
        "done_at": now, "result": None})
    if task.work_type:
        cycle.client.last_contact_at = now  # an UPDATE by primary key at flush: the client is loaded


def _claimed_by_a_colleague(actor: Actor, task: OpenTask) -> bool:
    """The task was the actor's group's to take, and someone else took it first."""
    return bool(task.claimed and task.assignee and task.assignee != actor.login
                and may_act_on_task(actor, None, task.candidate_groups))


def refuse_unless_yours(actor: Actor, task: OpenTask) -> None:
    """Forbidden when the task was never the actor's; TaskNotActionable (a conflict: 409) when it was
    his group's and a colleague claimed it in the meantime."""
    if may_act_on_task(actor, task.assignee, task.candidate_groups):
        return
    if _claimed_by_a_colleague(actor, task):
        raise coded(TaskNotActionable, "task_claimed_meanwhile", {"task": task.name, "assignee": task.assignee})
    raise not_yours_error(task)


def not_yours(task: OpenTask) -> str:
    return not_yours_error(task).message


def not_yours_error(task: OpenTask) -> Forbidden:
    """Forbidden: the task is someone else's, or his groups'."""
    if task.assignee:
        return coded(Forbidden, "task_assigned_to", {"task": task.name, "assignee": task.assignee})
    return coded(Forbidden, "task_of_groups", {"task": task.name, "groups": ", ".join(task.candidate_groups)})


def claim_task(session: Session, ctx: Context, actor: Actor, task_id: str) -> OpenTask:
    task, cycle, _ = lock_task(session, task_id)
    if task.assignee == actor.login:
        return task
    if not may_act_on_task(actor, None, task.candidate_groups):
        raise not_yours_error(task)
    if task.assignee is not None:
        raise coded(TaskNotActionable, "task_already_assigned", {"task": task.name, "assignee": task.assignee})
    task.assignee, task.claimed = actor.login, True
    _touch(cycle)
    rec = Recorder(session, cycle, actor.login, ctx.now())
    rec.add("claimed", task, {"assignee": actor.login})
    rec.write()
    return task


def release_task(session: Session, ctx: Context, actor: Actor, task_id: str) -> OpenTask:
    task, cycle, _ = lock_task(session, task_id)
    if task.assignee != actor.login:
        if _claimed_by_a_colleague(actor, task):
            raise coded(TaskNotActionable, "task_release_claimed", {"task": task.name, "assignee": task.assignee})
        raise coded(Forbidden, "task_release_not_holder", {"task": task.name})
    if not task.claimed:
        raise coded(TaskNotActionable, "task_release_assigned", {"task": task.name})
    task.assignee, task.claimed = None, False
    _touch(cycle)
    rec = Recorder(session, cycle, actor.login, ctx.now())
    rec.add("released", task)
    rec.write()
    return task


def _touch(cycle: Cycle) -> None:
    """Bump the lock version so a concurrent command on the same cycle fails its check."""
    flag_modified(cycle, "stage")  # the mapper increments lock_version on flush
