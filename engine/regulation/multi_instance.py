"""Multi-instance activities as Camunda 7 runs them.

SpiffWorkflow's Camunda flavour treats ``camunda:collection`` as an *output* to overwrite,
decides at run time whether a cardinality is a number or a collection by changing the shared
task spec, and leaks the element variable into the cycle, where the next pass then fails
("input item already exists"). Reglament builds SpiffWorkflow's standard BPMN multi-instance
specs instead, with Camunda's meaning:

- ``loopCardinality`` (a number or an expression): that many instances, each with its own
  ``loopCounter`` (0, 1, ...);
- ``camunda:collection`` (a variable, ``items`` or ``${items}``, or an expression such as
  ``${deal.contacts}``) with
  ``camunda:elementVariable``: one instance per item, each with the item in that variable;
- ``isSequential``: one after the other, else all at once; ``completionCondition`` ends the
  activity early (remaining parallel instances are cancelled);
- what instances write (form fields) goes back to the cycle; the per-instance ``loopCounter``
  and element variable do not (they are local to the instance, as in Camunda).

The number of instances is bounded by MAX_LOOP_CARDINALITY (deploy for constants; at run time
a cardinality through ``steps.checked_value``, a collection here) and MAX_LIVE_TOKENS.
"""
from __future__ import annotations

import re
from typing import Any

from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.task import Task

from engine.regulation import limits, spiff_tree, steps
from engine.shared.errors import ExpressionError

LOOP_COUNTER = "loopCounter"
_VARIABLE = re.compile(r"^\s*(?:\$\{\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\}?\s*$")


def collection_variable(text: str) -> str | None:
    """The variable a ``camunda:collection`` names (``items`` or ``${items}``), else None."""
    match = _VARIABLE.match(text or "")
    if match is None or (("${" in text) != text.strip().endswith("}")):
        return None
    return match.group(1)


class CollectionExpression:
    """A ``camunda:collection`` written as an expression (``${deal.contacts}``), evaluated by the
    safe evaluator where SpiffWorkflow reads a collection variable."""

    def __init__(self, expression: str) -> None:
        self.bpmn_id = expression
        self.bpmn_name = expression

    def exists(self, my_task: Task) -> bool:
        return True

    def get(self, my_task: Task) -> Any:
        return my_task.workflow.script_engine.evaluate(my_task, self.bpmn_id)


def register(registry: Any) -> None:
    registry.register(CollectionExpression, lambda ref: {"expression": ref.bpmn_id},
                      lambda dct: CollectionExpression(dct["expression"]), "CollectionExpression")


class _CamundaInstances:
    """Local loop variables and a bounded collection, on top of SpiffWorkflow's MI specs."""

    input_item: Any
    data_input: Any

    def _update_hook(self, my_task: Task) -> Any:
        self._forget_locals(my_task)
        return super()._update_hook(my_task)  # type: ignore[misc]

    def _check_collection(self, my_task: Task) -> None:
        if self.data_input is None:
            return
        name = my_task.task_spec.bpmn_name or my_task.task_spec.bpmn_id
        items = self.data_input.get(my_task) if self.data_input.exists(my_task) else None
        if items is None or isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
            shown = "is not defined" if items is None else f"is {type(items).__name__}, not a list"
            raise ExpressionError(f"The collection {self.data_input.bpmn_id!r} of the multi-instance activity "
                                  f"'{name}' {shown}; set it before the activity (Camunda stops here too)")
        count = len(items) if hasattr(items, "__len__") else 0
        if count > limits.MAX_LOOP_CARDINALITY:
            raise steps.StepTooBig(
                f"The collection {self.data_input.bpmn_id!r} of '{name}' has {count:,} items: a multi-instance "
                f"activity runs at most {limits.MAX_LOOP_CARDINALITY:,} instances; "
                f"{limits.describe('MAX_LOOP_CARDINALITY', limits.MAX_LOOP_CARDINALITY)}", my_task)

    def create_child(self, my_task: Task, item: Any, key_or_index: Any = None) -> None:
        self._forget_locals(my_task)  # an instance's variable shadows the cycle's (Camunda scoping)
        super().create_child(my_task, item, key_or_index)  # type: ignore[misc]

    def merge_child(self, workflow: Any, child: Task) -> None:
        super().merge_child(workflow, child)  # type: ignore[misc]
        self._forget_locals(child.parent)

    def _forget_locals(self, my_task: Task | None) -> None:
        if my_task is not None and self.input_item is not None:
            my_task.data.pop(self.input_item.bpmn_id, None)


class CamundaSequentialInstances(_CamundaInstances, SequentialMultiInstanceTask):  # type: ignore[misc]
    def init_remaining_items(self, my_task: Task) -> Any:
        self._check_collection(my_task)
        return super().init_remaining_items(my_task)


class CamundaParallelInstances(_CamundaInstances, ParallelMultiInstanceTask):  # type: ignore[misc]
    def create_children(self, my_task: Task) -> None:
        self._check_collection(my_task)
        super().create_children(my_task)


def build(parser: Any, loop: Any) -> None:
    """Replace ``parser.task`` by a multi-instance spec for the loop characteristics ``loop``
    (a TaskParser's ``_add_multiinstance_task``)."""
    camunda = "http://camunda.org/schema/1.0/bpmn"
    prefix = "./bpmn:multiInstanceLoopCharacteristics"
    cardinality_nodes = parser.xpath(f"{prefix}/bpmn:loopCardinality")
    cardinality = (cardinality_nodes[0].text or "").strip() if cardinality_nodes else None
    collection = loop.get(f"{{{camunda}}}collection")
    element = loop.get(f"{{{camunda}}}elementVariable")
    condition_nodes = parser.xpath(f"{prefix}/bpmn:completionCondition")
    condition = condition_nodes[0].text if condition_nodes else None
    if not cardinality and not collection:
        parser.raise_validation_exception("a multi-instance activity needs a loopCardinality or a camunda:collection")
    params: dict[str, Any] = {"task_spec": "", "condition": condition, "data_output": None, "output_item": None}
    if collection:
        name = collection_variable(collection)
        source = TaskDataReference(name) if name is not None else CollectionExpression(collection)
        params.update(cardinality=None, data_input=source,
                      input_item=TaskDataReference(element) if element else None)
    else:
        params.update(cardinality=cardinality, data_input=None, input_item=TaskDataReference(LOOP_COUNTER))
    original = parser.spec.task_specs.pop(parser.task.name)
    kind = CamundaSequentialInstances if loop.get("isSequential") == "true" else CamundaParallelInstances
    parser.task = kind(parser.spec, original.name, **params)
    parser.task.bpmn_name = original.bpmn_name
    spiff_tree.copy_parsed_attributes(parser, original, loop)
