"""Camunda 7 variable mappings: ``camunda:inputOutput`` on activities, ``camunda:in`` / ``camunda:out``
on call activities. Values are literals or expressions of the safe evaluator (``expressions.py``,
through the script engine and its run-time limits); a ``camunda:script`` inside is refused at deploy.

- **Input parameters** are evaluated when the activity starts, over the variables it sees; they
  are visible in the activity (its documentation, its data, a subprocess inside) and are local:
  they do not stay in the cycle after it. A parameter is a text (``${...}`` evaluated, mixed text
  such as ``sales_${region}`` concatenated, anything else as written), a ``camunda:list`` or a
  ``camunda:map`` of such values, or empty (null).
- **Output parameters** are evaluated when the activity completes, over its variables (inputs and
  what was submitted included), and written to the cycle.
- **Call activities** with ``camunda:in`` / ``camunda:out``: the called process sees only what
  ``camunda:in`` maps (``source``/``target``, ``sourceExpression``/``target``, ``variables="all"``)
  plus the cycle's own variables (client_id, client_name, segment, owner, cycle_id), and only what
  ``camunda:out`` maps comes back (none: nothing). A call activity with no mapping at all passes
  every variable in and out (Reglament's behaviour before mappings, kept).
"""
from __future__ import annotations

from copy import deepcopy
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.defaults import CallActivity
from SpiffWorkflow.task import Task

from engine.regulation import expressions
from engine.regulation.problem_texts import reason
from engine.shared.errors import ExpressionError, Problem

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "camunda": CAMUNDA_NS}
#: the cycle's own variables, which every called process sees (engine/regulation/start.py)
CYCLE_VARIABLES = ("client_id", "client_name", "segment", "owner", "cycle_id")
IN_KEY = "reglament:in"
OUT_KEY = "reglament:out"

Value = dict[str, Any]


def _c(local: str) -> str:
    return f"{{{CAMUNDA_NS}}}{local}"


def read_value(el: etree._Element) -> Value:
    """A parameter's definition as JSON: {"text"}, {"list": [...]}, {"map": {...}} or {"none": true}."""
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag == _c("list"):
            return {"list": [read_value(v) for v in child if isinstance(v.tag, str)]}
        if child.tag == _c("map"):
            return {"map": {(e.get("key") or ""): read_value(e) for e in child.iterfind("camunda:entry", NS)}}
        if child.tag == _c("script"):
            return {"none": True}  # refused at deploy (xml.py: camunda:script)
    text = el.text or ""
    return {"text": text} if text.strip() else {"none": True}


def _evaluate(task: Task, value: Value) -> Any:
    if "list" in value:
        return [_evaluate(task, v) for v in value["list"]]
    if "map" in value:
        return {k: _evaluate(task, v) for k, v in value["map"].items()}
    text = value.get("text")
    if text is None:
        return None
    if "${" in text or "#{" in text:
        return task.workflow.script_engine.evaluate(task, text)
    return text


class InputParameter:
    """A ``camunda:inputParameter``: SpiffWorkflow calls ``get`` as the activity starts (a data
    input association) and drops ``bpmn_id`` from the data as it completes (local variable)."""

    def __init__(self, bpmn_id: str, value: Value) -> None:
        self.bpmn_id = bpmn_id
        self.bpmn_name = bpmn_id
        self.value = value

    def get(self, my_task: Task) -> Any:
        result = _evaluate(my_task, self.value)
        my_task.data[self.bpmn_id] = result
        return result

    def set(self, my_task: Task) -> None:
        return None


class OutputParameter:
    """A ``camunda:outputParameter``: SpiffWorkflow calls ``set`` as the activity completes."""

    def __init__(self, bpmn_id: str, value: Value) -> None:
        self.bpmn_id = bpmn_id
        self.bpmn_name = bpmn_id
        self.value = value

    def get(self, my_task: Task) -> Any:
        return my_task.data.get(self.bpmn_id)

    def set(self, my_task: Task) -> None:
        my_task.data[self.bpmn_id] = _evaluate(my_task, self.value)


def parameters(node: etree._Element) -> tuple[list[InputParameter], list[OutputParameter]]:
    io = node.find("bpmn:extensionElements/camunda:inputOutput", NS)
    if io is None:
        return [], []
    inputs = [InputParameter(p.get("name") or "", read_value(p)) for p in io.iterfind("camunda:inputParameter", NS)]
    outputs = [OutputParameter(p.get("name") or "", read_value(p)) for p in io.iterfind("camunda:outputParameter", NS)]
    return inputs, outputs


def register(registry: Any) -> None:
    """Teach the serializer the parameter classes (they are stored with the spec)."""
    for kind in (InputParameter, OutputParameter):
        registry.register(kind, lambda p: {"name": p.bpmn_id, "value": p.value},
                          (lambda k: lambda dct: k(dct["name"], dct["value"]))(kind), kind.__name__)


def call_mappings(node: etree._Element) -> dict[str, list[dict[str, str]]]:
    """The ``camunda:in`` / ``camunda:out`` of a call activity, as stored in its extensions."""
    out: dict[str, list[dict[str, str]]] = {}
    for key, local in ((IN_KEY, "in"), (OUT_KEY, "out")):
        found = [{k: v for k, v in m.attrib.items() if k in ("source", "sourceExpression", "target", "variables")}
                 for m in node.iterfind(f"bpmn:extensionElements/camunda:{local}", NS)]
        if found:
            out[key] = [m for m in found if m]
    return out


def _mapped(task: Task, mappings: list[dict[str, str]], data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for mapping in mappings:
        if mapping.get("variables") == "all":
            result.update(deepcopy(data))
        elif "sourceExpression" in mapping:
            result[mapping.get("target") or ""] = deepcopy(task.workflow.script_engine.evaluate(
                task, mapping["sourceExpression"]))
        elif "source" in mapping:
            result[mapping.get("target") or mapping["source"]] = deepcopy(data.get(mapping["source"]))
    return result


class MappedCallActivity(CallActivity):  # type: ignore[misc]
    """A call activity that passes variables as its ``camunda:in`` / ``camunda:out`` say."""

    def _mappings(self) -> dict[str, Any]:
        return (getattr(self, "extensions", None) or {}).get("reglament:calls") or {}

    def get_missing_subworkflow_error(self, my_task: Task) -> str:
        """The incident of a call to a process not deployed (engine/regulation/late_calls.py)."""
        name = self.bpmn_name or self.bpmn_id
        return (f"call activity {name!r} calls process {self.spec!r}, which is not deployed: deploy a "
                f"regulation with process {self.spec!r}, then retry the cycle")

    def copy_data(self, my_task: Task, subworkflow: Any) -> None:
        mappings = self._mappings()
        if not mappings:
            super().copy_data(my_task, subworkflow)
            return
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True, spec_name="Start")
        data = {k: deepcopy(my_task.data[k]) for k in CYCLE_VARIABLES if k in my_task.data}
        data.update(_mapped(my_task, mappings.get(IN_KEY, []), my_task.data))
        start.set_data(**data)

    def update_data(self, my_task: Task, subworkflow: Any) -> None:
        mappings = self._mappings()
        if not mappings:
            super().update_data(my_task, subworkflow)
            return
        last = subworkflow.last_task
        my_task.data.update(_mapped(last, mappings.get(OUT_KEY, []), dict(last.data)))


def problems(root: etree._Element) -> list[Problem]:
    """Mappings that name nothing: a parameter or a target without a name, an ``in``/``out`` with
    neither a source, an expression nor ``variables="all"``."""
    found: list[Problem] = []
    for io in root.iter(_c("inputOutput")):
        owner = io.getparent().getparent() if io.getparent() is not None else None
        for param in io:
            if isinstance(param.tag, str) and param.tag in (_c("inputParameter"), _c("outputParameter")) \
                    and not (param.get("name") or "").strip():
                found.append(_problem(owner if owner is not None else io, "io_parameter_no_name"))
        for el in io.iter():
            text = el.text or "" if isinstance(el.tag, str) and el.tag != _c("script") else ""
            if "${" in text or "#{" in text:
                found.extend(_expression_problem(owner if owner is not None else io, text, None))
    for local in ("in", "out"):
        for mapping in root.iter(_c(local)):
            if mapping.get("sourceExpression"):
                found.extend(_expression_problem(mapping.getparent().getparent(), mapping.get("sourceExpression") or "",
                                                 f"camunda:{local} sourceExpression"))
            owner = mapping.getparent().getparent() if mapping.getparent() is not None else None
            if mapping.get("businessKey") is not None and len(mapping.attrib) == 1:
                continue  # the business key: the called process is part of the same cycle
            if mapping.get("variables") == "all":
                continue
            if not (mapping.get("source") or mapping.get("sourceExpression")) or not mapping.get("target"):
                found.append(_problem(owner if owner is not None else mapping, "call_mapping_incomplete",
                                      mapping=local))
    return found


def _problem(el: etree._Element, code: str, /, **params: object) -> Problem:
    return Problem.coded(el.get("id"), code, params, line=el.sourceline, element_name=el.get("name"))


def _expression_problem(el: etree._Element, text: str, what: str | None) -> list[Problem]:
    """``what``: the attribute holding the expression (None: an input/output parameter's value)."""
    try:
        expressions.check(text)
    except ExpressionError as exc:
        if what is None:
            return [_problem(el, "io_parameter_invalid", reason=reason(exc))]
        return [_problem(el, "expression_invalid", what=what, reason=reason(exc))]
    return []
