"""The one place Reglament works on SpiffWorkflow's task tree below its public API.

SpiffWorkflow (pinned at 3.2.0) offers no public way to force a task's state backwards, to add a
task for a given spec under a parent, to drop a task from its workflow, to predict or update a task
from its spec once its event has been caught, or to re-link the tree; its own ``reset_branch`` and
event handling use these private methods; nor a way to copy a parsed element's attributes onto a
spec made in its place (a multi-instance activity rebuilt as Camunda runs it). Every such use in the
engine goes through this module, so
an upgrade of SpiffWorkflow is checked against one file (``tests/engine/test_spiff_tree.py``).
Everything else reads the public API: ``task.state``, ``task.parent``, ``task.children``,
``task.internal_data``.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.workflow import Workflow


def force_state(task: Task, state: TaskState) -> None:
    """Set the state even when it goes backwards (the public setter refuses that)."""
    task._set_state(state)


def add_child(parent: Task, spec: TaskSpec, state: TaskState) -> Task:
    """A new task for ``spec`` under ``parent``, in ``state``."""
    child: Task = parent._add_child(spec, state)
    return child


def remove_task(workflow: Workflow, task_id: UUID) -> None:
    """Drop a task and its descendants from the workflow."""
    workflow._remove_task(task_id)


def predict(task: Task, mask: int | None = None) -> None:
    """Predict the task's descendants from its spec (``mask``: the states they may be predicted in)."""
    if mask is None:
        task.task_spec._predict(task)
    else:
        task.task_spec._predict(task, mask=mask)


def update(task: Task) -> None:
    """Let the task's spec bring it up to date (a caught event makes a waiting task ready)."""
    task.task_spec._update(task)


def parent_id(task: Task) -> UUID | None:
    """The id of the task's parent, without looking the parent up (the tree may be half re-linked)."""
    found: UUID | None = task._parent
    return found


def child_ids(task: Task) -> list[UUID]:
    found: list[UUID] = task._children
    return found


def relink(task: Task, parent: UUID | None, children: list[UUID]) -> None:
    """Point the task at another parent and other children (compaction re-links the tree by ids)."""
    task._parent = parent
    task._children = children


def copy_parsed_attributes(parser: Any, original: TaskSpec, element: Any) -> None:
    """The task parser's copy of ``original``'s parsed attributes (lane, documentation, data,
    extensions, position) onto ``parser.task``, the spec built in its place from ``element``."""
    parser._copy_task_attrs(original, element)
