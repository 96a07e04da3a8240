"""Call activities whose called process is deployed later, as Camunda 7 binds them.

Camunda deploys a call activity whatever its ``calledElement`` names and looks the process up
when the call runs (binding "latest"); a process that is still not deployed then fails the call.
Reglament does the same: such a diagram deploys with a warning naming the call activity, a cycle
that reaches the call goes into incident naming it and the process it calls, and once a
regulation with that process is deployed, retrying the cycle runs the call on its latest version.

A version's specs hold the processes that were deployed when it was; the others are found here,
each time the version's specs are read for a cycle (``resolve``), in the latest executable
version of the regulation of that key.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from sqlalchemy.orm import Session

from engine.regulation import problem_texts  # noqa: F401  (the code of the warning below)
from engine.regulation.structure import Call
from engine.shared.errors import Problem
from storage.repositories import regulation as regulation_repo

SpecSet = tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]
#: how deep late calls are followed (a called process calling another one not deployed before it)
MAX_DEPTH = 16


def warnings(calls: dict[str, list[Call]], late: Iterable[str]) -> list[Problem]:
    """One warning per call activity of the file that calls a process not deployed yet."""
    missing = set(late)
    return [Problem.coded(call.element_id, "call_not_deployed_yet", {"called": repr(call.called)},
                          line=call.line, element_name=call.element_name)
            for process_calls in calls.values() for call in process_calls if call.called in missing]


def missing(specs: SpecSet) -> tuple[str, ...]:
    """The processes the specs' call activities call that the specs do not hold."""
    spec, subs = specs
    names = {task_spec.spec for process in (spec, *subs.values()) for task_spec in process.task_specs.values()
             if isinstance(task_spec, SubWorkflowTask) and isinstance(task_spec.spec, str)
             and task_spec.spec not in subs}
    return tuple(sorted(names))


def resolve(session: Session, specs: SpecSet, names: tuple[str, ...],
            specs_by_id: Callable[[Session, int, frozenset[int]], SpecSet], seen: frozenset[int]) -> SpecSet:
    """``specs`` with the processes ``names`` added from their latest deployed versions, when
    there are any (a new dict: the cached specs are shared and never changed). ``seen``: the
    versions being resolved above this one (a process is never added into its own calls)."""
    spec, subs = specs
    added: dict[str, BpmnProcessSpec] = {}
    for name in names:
        version = regulation_repo.latest_version(session, name)
        if version is None or version.id in seen or len(seen) >= MAX_DEPTH or not version.executable:
            continue
        called, called_subs = specs_by_id(session, version.id, seen | {version.id})
        added[name] = called
        for sub_name, sub in called_subs.items():
            added.setdefault(sub_name, sub)
    return (spec, {**added, **subs}) if added else specs
