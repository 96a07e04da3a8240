"""The regulation core's seam for a change of a client's owner (a hand-over, engine.organization).

A cycle knows its client's owner twice: the ``owner`` variable of the cycle, and the ``owner``
value in the data of its workflow's tasks, from which a task the regulation creates later for
``${owner}`` takes its assignee. ``reassign_owner`` rewrites both, restoring and storing the
workflow through the runtime's public functions, so that no other package needs to know how a
cycle's workflow state is kept.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from sqlalchemy.orm import Session

from engine.regulation import runtime
from storage.models import Cycle
from storage.repositories import regulation as regulation_repo

#: the parsed specs of regulation versions, by version id (callers pass theirs; this one serves
#: those that have none, such as the worker's sweep of hand-overs)
Specs = runtime.SpecCache
SHARED_SPECS = runtime.SpecCache(capacity=32)


def reassign_owner(session: Session, specs: Specs | None, cycles: Sequence[Cycle], old: str, new: str) -> list[int]:
    """``old`` becomes ``new`` as the ``owner`` of these cycles (locked by the caller): in their
    variables and in every task's data of their workflows. Returns the ids of the cycles whose
    workflow changed."""
    specs = specs or SHARED_SPECS
    changed_ids: list[int] = []
    for cycle in cycles:
        variables = dict(cycle.variables or {})
        if variables.get("owner") == old:
            variables["owner"] = new
            cycle.variables = variables
        spec_set = specs.get(cycle.version_id, partial(regulation_repo.version_spec, session, cycle.version_id))
        workflow = runtime.restore_workflow(spec_set, cycle.state)
        changed = False
        for process in (workflow, *workflow.subprocesses.values()):
            for task in process.tasks.values():
                if task.data.get("owner") == old:
                    task.data["owner"] = new
                    changed = True
        if changed:
            cycle.state = runtime.workflow_state(workflow)
            changed_ids.append(cycle.id)
    return changed_ids
