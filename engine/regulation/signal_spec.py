"""Signal events in a diagram: what a throw passes along, and what is refused at deploy.

A signal throw event (intermediate or end) broadcasts its signal to every cycle waiting for it
(``engine/regulation/signals.py``). As in Camunda 7 it passes no variables unless its
``signalEventDefinition`` says so with ``camunda:in``: ``source``/``target``,
``sourceExpression``/``target`` (the safe evaluator) or ``variables="all"``. The mappings are
stored in the throw event's spec extensions under ``IN_KEY``.

Refused at deploy, naming the element: a signal event without a ``signalRef`` to a
``bpmn:signal`` with a name, a name longer than ``MAX_NAME``, and names that are expressions
(``${...}``): Camunda evaluates those per execution, Reglament routes signals by literal names.
"""
from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from lxml import etree
from SpiffWorkflow.task import Task

from engine.regulation import problem_texts  # noqa: F401  (the codes of the problems below)
from engine.shared.errors import Problem
from engine.shared.notices import Notice

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}
#: the spec extension holding a throw event's camunda:in mappings (JSON text)
IN_KEY = "reglament:signalIn"
MAX_NAME = 200
_ATTRIBUTES = ("source", "sourceExpression", "target", "variables")


def in_mappings(node: etree._Element) -> list[dict[str, str]]:
    """The ``camunda:in`` mappings of the event's signal definition (none: it passes nothing)."""
    found = []
    for definition in node.iterfind("bpmn:signalEventDefinition", NS):
        for mapping in definition.iterfind("bpmn:extensionElements/camunda:in", NS):
            attrs = {k: v for k, v in mapping.attrib.items() if k in _ATTRIBUTES}
            if attrs:
                found.append(attrs)
    return found


def with_in_mappings(node: etree._Element, extensions: dict[str, Any]) -> dict[str, Any]:
    """The parser's extensions plus the throw event's mappings, when it has some."""
    mappings = in_mappings(node)
    if mappings:
        extensions[IN_KEY] = json.dumps(mappings)
    return extensions


def payload(task: Task) -> dict[str, Any]:
    """The variables a throw event passes with its signal, evaluated over the task's data."""
    raw = (getattr(task.task_spec, "extensions", None) or {}).get(IN_KEY)
    if not raw:
        return {}
    result: dict[str, Any] = {}
    for mapping in json.loads(raw):
        if mapping.get("variables") == "all":
            result.update(deepcopy(task.data))
        elif "sourceExpression" in mapping:
            result[mapping.get("target") or ""] = deepcopy(
                task.workflow.script_engine.evaluate(task, mapping["sourceExpression"]))
        elif "source" in mapping:
            result[mapping.get("target") or mapping["source"]] = deepcopy(task.data.get(mapping["source"]))
    return result


def _owner(el: etree._Element) -> etree._Element:
    node = el
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return node if node is not None else el


def _problem(el: etree._Element, code: str, /, **params: object) -> Problem:
    return Problem.coded(el.get("id"), code, params, line=el.sourceline, element_name=el.get("name"))


def name_problem(name: str | None) -> Notice | None:
    """Why a signal's name cannot be routed, or None."""
    if not (name or "").strip():
        return Notice("signal_no_name")
    if "${" in (name or "") or "#{" in (name or ""):
        return Notice("signal_name_expression", {"name": repr(name)})
    if len(name or "") > MAX_NAME:
        return Notice("signal_name_too_long", {"limit": str(MAX_NAME)})
    return None


def problems(root: etree._Element) -> list[Problem]:
    """Signal events whose signal cannot be routed, each naming its event."""
    signals = {s.get("id"): s.get("name") for s in root.iterfind("bpmn:signal", NS)}
    found: list[Problem] = []
    for definition in root.iter(f"{{{BPMN_NS}}}signalEventDefinition"):
        event = _owner(definition.getparent() if definition.getparent() is not None else definition)
        ref = definition.get("signalRef")
        if not ref:
            found.append(_problem(event, "signal_no_ref"))
            continue
        if ref not in signals:
            found.append(_problem(event, "signal_ref_unknown", ref=repr(ref)))
            continue
        problem = name_problem(signals[ref])
        if problem is not None:
            found.append(_problem(event, problem.code, **problem.params))
    return found
