"""State compaction: a cycle's stored workflow keeps what the engine needs to go on.

SpiffWorkflow keeps every task it ever created in one tree: each pass of a loop adds new
task objects below the previous pass, so a cycle that loops for years grows without bound
(state size, restore and serialization cost), and at about a thousand levels SpiffWorkflow's
task iterator (``max_depth=1000``) stops seeing the ready tasks, and its recursive ancestor
walks overflow: the cycle would stall. The history table is the record of what happened; the
stored state only needs what the engine reads to continue.

After each step ``compact`` keeps, in the top workflow and in every subprocess:

- the root task, and the workflow's ``last_task`` (the cycle's variables are read from it);
- every task that is not finished (predicted, future, waiting, ready, started) or in error:
  the tokens still alive and what spiff predicts after them;
- the parent of each of those: a parallel or inclusive join decides by the state and spec of
  its inputs' tasks (``task.parent``), a boundary event's main task and events hang off it;
- the parent of each kept join task (so a join from an earlier pass still shows its input);
- for a pending structured join (boundary events, event-based start): its split task and all
  the split's children (the join reads their states: which event fired, which were cancelled);
- everything below a running loop or multi-instance task (it counts and merges its instances);
- the subprocesses of kept tasks (a running call activity / subprocess; a finished one whose
  task is kept); the subprocesses of removed tasks are removed with them.

Of the interchangeable waiting instances of one boundary join that a cycle timer adds at each
firing, one is kept. A kept task's new parent is its nearest kept ancestor; every other task is dropped. Splicing
keeps the ancestor order among kept tasks (``is_descendant_of`` answers as before for them),
and the task order of ``workflow.tasks`` (parents before children, which the serializer's
data deltas rely on). Data is not lost: every task holds its full data in memory, and the
serializer stores the root's data whole and each kept task's difference to its new parent.

Not compacted (left as SpiffWorkflow built it, correctness first): the instances below a
running loop or multi-instance task — bounded by its cardinality or loop maximum, not by the
passes of an enclosing loop — and a join's chain of parents when joins follow each other.

``depth`` measures what is left; ``Stall`` describes a step after which a cycle that is not
finished has nothing to wait for (see ``check``).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.regulation import spiff_tree
from engine.shared.notices import Notice

#: SpiffWorkflow's TaskIterator stops descending at this depth (its default ``max_depth``)
SPIFF_MAX_DEPTH = 1000
#: a compacted tree deeper than this is turned into an incident before spiff stops seeing tasks
DEPTH_LIMIT = 800
_LIVE = TaskState.NOT_FINISHED_MASK | TaskState.ERROR


def workflows(workflow: BpmnWorkflow) -> Iterator[Any]:
    """The top workflow and its subprocesses (call activities, subprocesses, event subprocesses)."""
    yield workflow
    yield from list(workflow.subprocesses.values())


def _is_join(task: Task) -> bool:
    return isinstance(task.task_spec, (Join, UnstructuredJoin))


def _kept(wf: Any) -> set[UUID]:
    """The ids of the tasks of one (sub)workflow that the engine may still read."""
    tasks: dict[UUID, Task] = wf.tasks
    keep: set[UUID] = {wf.task_tree.id}
    if wf.last_task is not None and wf.last_task.id in tasks:
        keep.add(wf.last_task.id)
    live = _without_duplicate_joins([t for t in tasks.values() if t.state & _LIVE])
    for task in live:
        keep.add(task.id)
        parent = spiff_tree.parent_id(task)
        if parent is not None:
            keep.add(parent)
        split_name = getattr(task.task_spec, "split_task", None)
        if split_name and isinstance(task.task_spec, Join):
            split = _ancestor(tasks, task, split_name)
            if split is not None:
                keep.add(split.id)
                keep.update(spiff_tree.child_ids(split))
        if isinstance(task.task_spec, LoopTask):
            keep.update(t.id for t in _descendants(tasks, task))
    for task in _arrivals(tasks, live):
        keep.add(task.id)
    for task_id in list(keep):
        task = tasks.get(task_id)
        parent = spiff_tree.parent_id(task) if task is not None and _is_join(task) else None
        if parent is not None:
            keep.add(parent)
    return {task_id for task_id in keep if task_id in tasks}


def _arrivals(tasks: dict[UUID, Task], live: list[Task]) -> list[Task]:
    """The tokens a waiting parallel or inclusive join has already received: when a token reaches
    the join, SpiffWorkflow cancels the earlier waiting instance of it, and the join decides by
    the parents of those cancelled instances. Kept (with their parents) until the join fires;
    dropping them would make a join of three or more branches wait for ever."""
    waiting = {t.task_spec.name for t in live if t.state == TaskState.WAITING and _is_gateway_join(t.task_spec)}
    if not waiting:
        return []
    return [t for t in tasks.values() if t.task_spec.name in waiting and t.state == TaskState.CANCELLED
            and _parent_completed(tasks, t) and not spiff_tree.child_ids(t)]


def _parent_completed(tasks: dict[UUID, Task], task: Task) -> bool:
    parent_id = spiff_tree.parent_id(task)
    parent = tasks.get(parent_id) if parent_id is not None else None
    return parent is not None and parent.state == TaskState.COMPLETED


def _is_gateway_join(spec: Any) -> bool:
    """A parallel or inclusive gateway's join. Not the process's end join (also an unstructured
    join, waiting while the cycle runs): keeping its cancelled arrivals would keep one task per
    branch that ever ended, and the state would grow with every pass of a loop."""
    return isinstance(spec, ParallelGateway | InclusiveGateway)


def _without_duplicate_joins(live: list[Task]) -> list[Task]:
    """A cycle timer on a boundary event adds, at every firing, one more waiting instance of the
    boundary join below the timer task. Instances of one structured join with the same parent,
    the same state and no children are interchangeable (each reads only its split's children;
    when one fires, spiff cancels the others): one of them is kept."""
    seen: set[tuple[UUID | None, str, int]] = set()
    out = []
    for task in live:
        spec = task.task_spec
        if isinstance(spec, Join) and spec.split_task and not spiff_tree.child_ids(task) \
                and task.state & (TaskState.WAITING | TaskState.PREDICTED_MASK | TaskState.FUTURE):
            key = (spiff_tree.parent_id(task), spec.name, task.state)
            if key in seen:
                continue
            seen.add(key)
        out.append(task)
    return out


def _ancestor(tasks: dict[UUID, Task], task: Task, spec_name: str) -> Task | None:
    parent_id = spiff_tree.parent_id(task)
    while parent_id is not None:
        parent = tasks.get(parent_id)
        if parent is None:
            return None
        if parent.task_spec.name == spec_name:
            return parent
        parent_id = spiff_tree.parent_id(parent)
    return None


def _descendants(tasks: dict[UUID, Task], task: Task) -> Iterator[Task]:
    stack = list(spiff_tree.child_ids(task))
    while stack:
        child = tasks.get(stack.pop())
        if child is not None:
            yield child
            stack.extend(spiff_tree.child_ids(child))


def _splice(wf: Any, keep: set[UUID]) -> int:
    """Drop every task of ``wf`` not in ``keep``; a kept task hangs off its nearest kept
    ancestor. Returns how many tasks were dropped."""
    tasks: dict[UUID, Task] = wf.tasks
    if len(keep) == len(tasks):
        return 0
    root = wf.task_tree
    new_children: dict[UUID, list[UUID]] = {root.id: []}
    new_parent: dict[UUID, UUID | None] = {root.id: None}
    stack: list[tuple[UUID, UUID]] = [(child, root.id) for child in reversed(spiff_tree.child_ids(root))]
    while stack:  # pre-order, so siblings keep their order
        task_id, kept_above = stack.pop()
        task = tasks.get(task_id)
        if task is None:
            continue
        if task_id in keep:
            new_parent[task_id] = kept_above
            new_children[kept_above].append(task_id)
            new_children[task_id] = []
            kept_above = task_id
        stack.extend((child, kept_above) for child in reversed(spiff_tree.child_ids(task)))
    for task_id, parent_id in new_parent.items():
        task = tasks[task_id]
        spiff_tree.relink(task, parent_id, new_children[task_id])
    dropped = [task_id for task_id in tasks if task_id not in new_parent]
    wf.tasks = {task_id: task for task_id, task in tasks.items() if task_id in new_parent}
    manager = wf.top_workflow.event_manager
    for task_id in dropped:
        manager.tasks.pop(task_id, None)
    if wf.last_task is not None and wf.last_task.id not in new_parent:
        wf.last_task = None
    return len(dropped)


def compact(workflow: BpmnWorkflow) -> int:
    """Drop the finished parts of the task trees the engine no longer reads; returns how many
    tasks were dropped (subprocesses included)."""
    dropped = _splice(workflow, _kept(workflow)) + _drop_orphans(workflow)
    for sp in list(workflow.subprocesses.values()):
        dropped += _splice(sp, _kept(sp))
    return dropped + _drop_orphans(workflow)


def _drop_orphans(workflow: BpmnWorkflow) -> int:
    """Remove the subprocesses whose task is gone (a finished call activity of an earlier pass),
    and theirs in turn."""
    dropped = 0
    while True:
        present = _all_task_ids(workflow)
        orphans = [sp_id for sp_id in workflow.subprocesses if sp_id not in present]
        if not orphans:
            return dropped
        for sp_id in orphans:
            dropped += len(workflow.subprocesses.pop(sp_id).tasks)


def _all_task_ids(workflow: BpmnWorkflow) -> set[UUID]:
    ids = set(workflow.tasks)
    for sp in workflow.subprocesses.values():
        ids.update(sp.tasks)
    return ids


def depth(workflow: BpmnWorkflow) -> int:
    """The deepest task tree (levels below a root) of the workflow and its subprocesses."""
    deepest = 0
    for wf in workflows(workflow):
        stack = [(wf.task_tree, 0)]
        while stack:
            task, level = stack.pop()
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in task.children if child is not None)
    return deepest


@dataclass(frozen=True)
class Stall:
    """Why a cycle that is not finished cannot go on; ``element_id`` is the task concerned."""

    notice: Notice
    element_id: str | None = None
    task: Task | None = None


def check(workflow: BpmnWorkflow, projected: set[str]) -> Stall | None:
    """After a step, a cycle that is not finished must have something to wait for: a ready
    user task (``projected`` are the ids of the open tasks the step projected), a waiting
    timer or message, or a running subprocess that has one. Looks at every task of every
    (sub)workflow directly, not through spiff's depth-limited iterator."""
    ready_manual: list[Task] = []
    waiting: list[Task] = []
    ready_auto: list[Task] = []
    for wf in workflows(workflow):
        for task in wf.tasks.values():
            if task.state == TaskState.READY:
                (ready_manual if task.task_spec.manual else ready_auto).append(task)
            elif task.state == TaskState.WAITING and isinstance(task.task_spec, CatchingEvent):
                waiting.append(task)
            elif task.state == TaskState.STARTED and getattr(task.task_spec, "waits_for_worker", False):
                waiting.append(task)  # an external task: an outside worker completes it
    total = sum(len(wf.tasks) for wf in workflows(workflow))
    deepest = depth(workflow) if total > DEPTH_LIMIT else 0  # a tree is never deeper than its size
    if deepest > DEPTH_LIMIT:
        return Stall(Notice("stall_too_deep", {"depth": deepest, "limit": SPIFF_MAX_DEPTH}))
    unseen = [t for t in ready_manual if str(t.id) not in projected]
    if unseen:
        task = unseen[0]
        return Stall(Notice("stall_unreachable", {"task": task.task_spec.bpmn_name or task.task_spec.bpmn_id}),
                     task.task_spec.bpmn_id, task)
    if ready_manual or waiting:
        return None
    if ready_auto:
        task = ready_auto[0]
        return Stall(Notice("stall_not_run", {"task": task.task_spec.bpmn_name or task.task_spec.bpmn_id}),
                     task.task_spec.bpmn_id, task)
    return Stall(Notice("stall_no_end"))
