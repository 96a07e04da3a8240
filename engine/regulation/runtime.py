"""SpiffWorkflow wiring: the safe script engine, the serializer and the spec cache.

A cycle's stored state is the workflow's instance state without its spec: the
spec lives once per regulation version and is restored from a process-wide
cache keyed by the version id.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)
from SpiffWorkflow.bpmn.serializer.default.task_spec import (
    BpmnTaskSpecConverter,
    MultiInstanceTaskConverter,
    SubWorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import ParallelMultiInstanceTask as BpmnParallelInstances
from SpiffWorkflow.bpmn.specs.defaults import SequentialMultiInstanceTask as BpmnSequentialInstances
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

from engine.regulation import expressions, external_spec, io_mappings, late_calls, multi_instance, steps
from engine.regulation.decisions.rule_tasks import RuleTask, RuleTaskConverter
from engine.regulation.parser import PassThroughTask
from engine.shared.errors import ExpressionError
from engine.shared.notices import coded

SpecSet = tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions with the safe evaluator; refuses to run scripts or services."""

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        variables = dict(external_context or {})
        variables.update(context)
        return expressions.evaluate(expression, variables, timer=expressions.timer_literal(expression) is not None)

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        raise coded(ExpressionError, "scripts_not_run", {})

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise coded(ExpressionError, "services_not_run", {})


class SafeScriptEngine(PythonScriptEngine):
    def __init__(self) -> None:
        super().__init__(environment=SafeEnvironment())

    def validate(self, expression: str) -> None:
        expressions.check(expression, timer=True)

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        value = super().evaluate(task, expression, external_context)
        return steps.checked_value(task, expression, value)  # run-time limits (engine/regulation/steps.py)


SCRIPT_ENGINE = SafeScriptEngine()


class InstanceStateConverter(BpmnWorkflowConverter):
    """Converts a workflow without its specs; restores it onto cached spec objects."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], specs: SpecSet | None = None) -> BpmnWorkflow:
        if specs is None:
            raise ValueError("an instance state is restored onto its version's specs")
        spec, subprocess_specs = specs
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(CAMUNDA_CONFIG)
_config[BpmnWorkflow] = InstanceStateConverter
_config[PassThroughTask] = BpmnTaskSpecConverter
_config[multi_instance.CamundaSequentialInstances] = MultiInstanceTaskConverter
_config[multi_instance.CamundaParallelInstances] = MultiInstanceTaskConverter
_config[io_mappings.MappedCallActivity] = SubWorkflowConverter
_config[external_spec.ExternalTaskSpec] = BpmnTaskSpecConverter  # its topic is in its extensions
_config[RuleTask] = RuleTaskConverter  # business rule tasks on our DMN evaluator
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))
io_mappings.register(SERIALIZER.registry)  # camunda:inputOutput parameters, stored with the spec
multi_instance.register(SERIALIZER.registry)  # a camunda:collection expression
# SpiffWorkflow's own BPMN multi-instance specs (on elements other parsers build, such as receive
# tasks): the Camunda configuration drops them, and their class names are the Camunda ones'
MultiInstanceTaskConverter(BpmnParallelInstances, SERIALIZER.registry, "BpmnParallelMultiInstanceTask")
MultiInstanceTaskConverter(BpmnSequentialInstances, SERIALIZER.registry, "BpmnSequentialMultiInstanceTask")


def specs_to_dict(spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> dict[str, Any]:
    return {
        "process": SERIALIZER.to_dict(spec),
        "subprocesses": {name: SERIALIZER.to_dict(s) for name, s in subprocess_specs.items()},
    }


def specs_from_dict(dct: dict[str, Any]) -> SpecSet:
    spec = SERIALIZER.from_dict(dct["process"])
    subs = {name: SERIALIZER.from_dict(s) for name, s in dct["subprocesses"].items()}
    return spec, subs


class SpecCache:
    """Compiled specs per regulation version id (bounded LRU, thread-safe)."""

    def __init__(self, capacity: int = 256) -> None:
        self._items: OrderedDict[int, SpecSet] = OrderedDict()
        #: per version: the processes its call activities call that its specs do not hold
        self._missing: dict[int, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self._capacity = capacity

    def get(self, version_id: int, load: Callable[[], dict[str, Any]]) -> SpecSet:
        with self._lock:
            found = self._items.get(version_id)
            if found is not None:
                self._items.move_to_end(version_id)
                return found
        specs = specs_from_dict(load())
        missing = late_calls.missing(specs)
        with self._lock:
            self._items[version_id] = specs
            self._missing[version_id] = missing
            while len(self._items) > self._capacity:
                dropped, _ = self._items.popitem(last=False)
                self._missing.pop(dropped, None)
        return specs

    def missing(self, version_id: int, specs: SpecSet) -> tuple[str, ...]:
        """The called processes version ``version_id``'s ``specs`` lack (engine/regulation/late_calls.py)."""
        with self._lock:
            found = self._missing.get(version_id)
        return found if found is not None else late_calls.missing(specs)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._missing.clear()


def new_workflow(specs: SpecSet, data: dict[str, Any]) -> BpmnWorkflow:
    spec, subs = specs
    workflow = BpmnWorkflow(spec, subs, script_engine=SCRIPT_ENGINE)
    workflow.task_tree.data.update(data)
    return workflow


def workflow_state(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The instance state to store: what the serializer writes, less the specs."""
    dct: dict[str, Any] = SERIALIZER.to_dict(workflow)
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    return dct


def restore_workflow(specs: SpecSet, state: dict[str, Any]) -> BpmnWorkflow:
    dct = dict(state)
    SERIALIZER.migrate(dct)
    return SERIALIZER.from_dict(dct, specs=specs)
