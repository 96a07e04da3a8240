"""engine.regulation.spiff_tree is the one module that works on SpiffWorkflow's task tree below its
public API: this proves each of its seams still does what the engine relies on (run it first when
SpiffWorkflow is upgraded)."""
from __future__ import annotations

import pytest
from cycle_helpers import start
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.platform.root import Reglament
from engine.regulation import runtime, spiff_tree
from engine.shared.access import Actor
from storage.models import Cycle


def test_each_seam_works_on_a_restored_cycle(platform: Reglament, actors: dict[str, Actor]) -> None:
    cycle = start(platform, actors["anna"], client_name="Tree Ltd")
    with platform.query() as s:
        row = s.get(Cycle, cycle.id)
        assert row is not None
        workflow = runtime.restore_workflow(platform.ctx.specs_for(s, row.version), row.state)
    [task] = [t for t in workflow.tasks.values()
              if t.task_spec.bpmn_id == "Task_QualificationCall" and t.state == TaskState.READY]
    parent = task.parent
    assert parent is not None and spiff_tree.parent_id(task) == parent.id and task.id in spiff_tree.child_ids(parent)

    with pytest.raises(WorkflowException):  # the public setter refuses to go backwards
        task.state = TaskState.WAITING
    spiff_tree.force_state(task, TaskState.WAITING)
    assert task.state == TaskState.WAITING

    added = spiff_tree.add_child(parent, task.task_spec, TaskState.FUTURE)
    assert added.parent is parent and added.state == TaskState.FUTURE and added.id in workflow.tasks
    spiff_tree.predict(added, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
    assert added.children, "the added task's successors are predicted"
    spiff_tree.update(added)
    assert added.state == TaskState.READY, "updating a future task whose parent ran makes it ready"
    spiff_tree.remove_task(workflow, added.id)
    assert added.id not in workflow.tasks and added.id not in spiff_tree.child_ids(parent)

    children = spiff_tree.child_ids(task)
    spiff_tree.relink(task, parent.id, list(reversed(children)))
    assert spiff_tree.child_ids(task) == list(reversed(children)) and task.parent is parent
