"""Bounded work per step of a cycle: what deploy cannot see is checked while the engine runs.

A step (starting a cycle, completing a task, a retry, a timer firing) runs under the write
lock of its cycle, so its work is bounded. ``StepGuard`` watches the engine between tasks:
more than MAX_STEP_TASKS tasks, more than MAX_STEP_SECONDS, a path deeper than
MAX_TASK_DEPTH (an engine loop), call activities nested deeper than MAX_CALL_DEPTH, more
than MAX_LIVE_TOKENS open or waiting tasks, or more than MAX_CYCLE_TASKS tasks in the
state stop the step. The engine's part of the step is then
rolled back to where it began (the guard keeps that state), and the cycle goes into
incident with a message naming the limit: nothing the user did is lost, nothing the
runaway step made is kept, and the lock is released at once.

``checked_value`` bounds what expressions decide at run time (a loop cardinality over
MAX_LOOP_CARDINALITY is an incident before any instance is made); ``pace_cycle_timers``
keeps every repeating timer at least MIN_TIMER_CYCLE apart, missed firings included; a cron
cycle (engine/regulation/cron_timers.py) fires at the times its cron gives.

Hooks: ``cycles.advance`` runs the engine under a StepGuard; ``runtime.SafeScriptEngine``
passes every evaluated value through ``checked_value``.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimeDateEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask, ParallelMultiInstanceTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.regulation import cron, cron_timers, limits, problem_texts
from engine.shared.errors import ExpressionError
from engine.shared.notices import coded

#: tasks that hold a token: open for a person, waiting for an event or a join, or running
LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
#: how many engine tasks run between two counts of the live tokens
COUNT_EVERY = 25
#: how many engine tasks run between two measures of the path's depth
DEPTH_EVERY = 10


class StepTooBig(ExpressionError):
    """A step would exceed one of the limits; ``task`` is where the engine stopped."""

    def __init__(self, message: str, task: Task | None = None) -> None:
        super().__init__(message)
        self.task = task


def _name(task: Task) -> str:
    spec = task.task_spec
    name = spec.bpmn_name
    inner = getattr(spec, "task_spec", None)  # a multi-instance activity: its name is on the inner spec
    if not name and isinstance(inner, str) and inner in task.workflow.spec.task_specs:
        name = task.workflow.spec.task_specs[inner].bpmn_name
    return f"'{name or spec.bpmn_id or spec.name}'"


def _workflows(workflow: BpmnWorkflow) -> list[Any]:
    return [workflow, *workflow.subprocesses.values()]


def live_tokens(workflow: BpmnWorkflow) -> int:
    return sum(1 for wf in _workflows(workflow) for task in wf.tasks.values() if task.state & LIVE)


def task_count(workflow: BpmnWorkflow) -> int:
    return sum(len(wf.tasks) for wf in _workflows(workflow))


def check_size(workflow: BpmnWorkflow, task: Task | None = None) -> None:
    """StepTooBig when the cycle holds more tokens or tasks than its limits allow."""
    tokens = live_tokens(workflow)
    if tokens > limits.MAX_LIVE_TOKENS:
        raise coded(StepTooBig, "limit_live_tokens",
                    {"tokens": tokens, "limit": problem_texts.limit("MAX_LIVE_TOKENS", limits.MAX_LIVE_TOKENS)}, task)
    total = task_count(workflow)
    if total > limits.MAX_CYCLE_TASKS:
        raise coded(StepTooBig, "limit_cycle_tasks",
                    {"total": total, "limit": problem_texts.limit("MAX_CYCLE_TASKS", limits.MAX_CYCLE_TASKS)}, task)


class StepGuard:
    """Watches one run of the engine (``will_complete_task``) and can undo it."""

    def __init__(self, workflow: BpmnWorkflow, now: datetime) -> None:
        self.workflow = workflow
        self.now = now
        self.started = time.monotonic()
        self.ran = 0
        self.snapshot: dict[str, Any] | None = None
        self.timers: list[Task] = []

    def check(self, task: Task) -> None:
        """Before each engine task: the first keeps the state to roll back to."""
        if self.snapshot is None:
            from engine.regulation import runtime  # runtime imports this module for its hook
            self.snapshot = runtime.workflow_state(self.workflow)
        self.ran += 1
        if self.ran > limits.MAX_STEP_TASKS:
            raise coded(StepTooBig, "limit_step_tasks", {
                "count": limits.MAX_STEP_TASKS, "task": _name(task),
                "limit": problem_texts.limit("MAX_STEP_TASKS", limits.MAX_STEP_TASKS)}, task)
        elapsed = time.monotonic() - self.started
        if elapsed > limits.MAX_STEP_SECONDS:
            raise coded(StepTooBig, "limit_step_seconds", {
                "seconds": f"{limits.MAX_STEP_SECONDS:g}", "task": _name(task),
                "limit": problem_texts.limit("MAX_STEP_SECONDS", f"{limits.MAX_STEP_SECONDS:g} s")}, task)
        depth = getattr(task.workflow, "depth", 0)
        if depth > limits.MAX_CALL_DEPTH:
            raise coded(StepTooBig, "limit_call_depth", {
                "depth": depth, "task": _name(task),
                "limit": problem_texts.limit("MAX_CALL_DEPTH", limits.MAX_CALL_DEPTH)}, task)
        if self.ran % DEPTH_EVERY == 0:
            tree_depth = task.depth
            if tree_depth > limits.MAX_TASK_DEPTH:
                raise coded(StepTooBig, "limit_task_depth", {
                    "depth": tree_depth, "task": _name(task),
                    "limit": problem_texts.limit("MAX_TASK_DEPTH", limits.MAX_TASK_DEPTH)}, task)
        if self.ran % COUNT_EVERY == 1:
            check_size(self.workflow, task)
            self.timers = cycle_timers(self.workflow)
        pace_cycle_timers(self.workflow, self.now, self.timers)  # a timer that fired fires no more now

    def finish(self) -> None:
        """After the engine ran: the size of what it left, and the pace of repeating timers."""
        check_size(self.workflow)
        pace_cycle_timers(self.workflow, self.now)

    def rolled_back(self) -> BpmnWorkflow:
        """The workflow as it was before the engine's first task of this step."""
        if self.snapshot is None:
            return self.workflow
        from engine.regulation import runtime
        specs = (self.workflow.spec, self.workflow.subprocess_specs)
        return runtime.restore_workflow(specs, self.snapshot)


def checked_value(task: Any, expression: str, value: Any) -> Any:
    """A value the engine evaluated for ``task``, refused when it would unleash unbounded work:
    a multi-instance cardinality (a number, or a collection to run over) over
    MAX_LOOP_CARDINALITY, or parallel instances that would take the cycle over MAX_LIVE_TOKENS
    (checked here because the instances are made at once, possibly outside any engine step)."""
    spec = getattr(task, "task_spec", None)
    if isinstance(getattr(spec, "event_definition", None), CycleTimerEventDefinition) \
            and isinstance(value, str) and cron.is_cron(value.strip()):
        return cron_timers.start(task, value.strip())
    if isinstance(getattr(spec, "event_definition", None), TimeDateEventDefinition) \
            and isinstance(value, str) and value.strip().upper().startswith("P"):
        return cron_timers.date_from_duration(value.strip())  # Camunda: a timeDate duration is from now
    if not isinstance(spec, MultiInstanceTask) or spec.cardinality != expression:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        count = value
    elif hasattr(value, "__len__") and not isinstance(value, (str, bytes)):
        count = len(value)
    else:
        return value
    if count > limits.MAX_LOOP_CARDINALITY:
        raise coded(StepTooBig, "limit_cardinality", {
            "expression": repr(expression), "task": _name(task), "count": count, "most": limits.MAX_LOOP_CARDINALITY,
            "limit": problem_texts.limit("MAX_LOOP_CARDINALITY", limits.MAX_LOOP_CARDINALITY)}, task)
    if isinstance(spec, ParallelMultiInstanceTask):
        top = getattr(task.workflow, "top_workflow", None) or task.workflow
        tokens = live_tokens(top) + count
        if tokens > limits.MAX_LIVE_TOKENS:
            raise coded(StepTooBig, "limit_parallel", {
                "count": count, "task": _name(task), "tokens": tokens,
                "limit": problem_texts.limit("MAX_LIVE_TOKENS", limits.MAX_LIVE_TOKENS)}, task)
    return value


def cycle_timers(workflow: BpmnWorkflow) -> list[Task]:
    """The workflow's waiting repeating timers."""
    return [task for task in list(workflow.event_manager.tasks.values())
            if isinstance(getattr(task.task_spec, "event_definition", None), CycleTimerEventDefinition)]


def pace_cycle_timers(workflow: BpmnWorkflow, now: datetime, timers: list[Task] | None = None) -> None:
    """Every repeating timer fires at most once per MIN_TIMER_CYCLE, and missed firings are not
    made up in a burst: the next one is one interval from now."""
    minimum = limits.MIN_TIMER_CYCLE.total_seconds()
    for task in cycle_timers(workflow) if timers is None else timers:
        value = task.internal_data.get("event_value")
        if not isinstance(value, dict) or value.get("cycles") == 0 or "next" not in value:
            continue
        if cron_timers.is_cron_timer(task):
            cron_timers.pace(task, value, now)
            continue
        duration = float(value.get("duration") or 0)
        following = datetime.fromisoformat(value["next"])
        if duration < minimum:
            duration = minimum
            following = max(following, now + limits.MIN_TIMER_CYCLE)
        if following <= now:
            following = now + timedelta(seconds=duration)
        paced = {**value, "duration": duration, "next": following.isoformat()}
        if paced != value:
            task.internal_data["event_value"] = paced
