"""Deploy-time checks of a diagram's structure against the limits of ``limits``.

Each check names the element and the limit: a multi-instance activity whose cardinality is
a constant over MAX_LOOP_CARDINALITY, an element that splits the token into more than
MAX_GATEWAY_FAN_OUT branches, a repeating timer faster than MIN_TIMER_CYCLE, and call
activities that call each other in a cycle (within the file, or through regulations already
deployed, a process calling itself included): such a cycle would never end.
"""
from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.regulation import expressions, limits
from engine.regulation.problem_texts import limit
from engine.shared.errors import ExpressionError, Problem
from engine.shared.notices import Notice

#: elements whose outgoing flows do not all get a token (one of them is chosen)
CHOOSING = ("exclusiveGateway", "eventBasedGateway")


def constant_cardinality(text: str) -> int | None:
    """The value of a loop cardinality written as a constant (``200000``, ``${10 * 1000}``)."""
    try:
        tree = ast.parse(expressions.unwrap(text), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if any(isinstance(node, ast.Name) for node in ast.walk(tree)):
        return None
    try:
        value = expressions.evaluate(text, {})
    except ExpressionError:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def cardinality_problem(text: str) -> Notice | None:
    value = constant_cardinality(text)
    if value is not None and value > limits.MAX_LOOP_CARDINALITY:
        return Notice("loop_cardinality_over_limit", {
            "value": value, "max": limits.MAX_LOOP_CARDINALITY,
            "limit": limit("MAX_LOOP_CARDINALITY", limits.MAX_LOOP_CARDINALITY)})
    return None


def timer_cycle_interval(text: str) -> timedelta | None:
    """The interval of a repeating timer written as an ISO-8601 literal (``R/PT1S``), else None."""
    literal = expressions.timer_literal(text)
    if literal is None or not literal.upper().startswith("R"):
        return None
    try:
        _, _, duration = TimerEventDefinition.parse_iso_recurring_interval(literal)
    except Exception:  # SpiffWorkflow raises bare Exceptions for malformed intervals
        return None
    return duration if isinstance(duration, timedelta) else None


def timer_cycle_problem(text: str) -> Notice | None:
    interval = timer_cycle_interval(text)
    if interval is not None and interval < limits.MIN_TIMER_CYCLE:
        return Notice("timer_cycle_too_often", {
            "cycle": repr(text.strip()), "seconds": f"{interval.total_seconds():g}",
            "limit": limit("MIN_TIMER_CYCLE", limits.MIN_TIMER_CYCLE)})
    return None


def fan_out_problem(local: str, outgoing: int) -> Notice | None:
    if local in CHOOSING or outgoing <= limits.MAX_GATEWAY_FAN_OUT:
        return None
    return Notice("fan_out_over_limit", {"element": local, "branches": outgoing,
                                         "limit": limit("MAX_GATEWAY_FAN_OUT", limits.MAX_GATEWAY_FAN_OUT)})


@dataclass(frozen=True)
class Call:
    """A call activity: in ``process``, element ``element_id`` calls ``called``."""

    process: str
    element_id: str
    called: str
    line: int | None = None
    element_name: str | None = None


#: process id -> the calls its call activities make
CallGraph = dict[str, list[Call]]


def call_cycle_problems(own: CallGraph, deployed: Callable[[str], CallGraph | None]) -> list[Problem]:
    """Call activities that lead back to a process on their own call path.

    ``own`` are the processes of the file being deployed; a process it does not define is
    looked up with ``deployed`` (the calls of that regulation's latest version), once.
    One problem per call activity of this file that starts a cycle.
    """
    graph: CallGraph = dict(own)
    loaded: set[str] = set()

    def calls_of(process: str) -> list[Call]:
        if process not in graph and process not in loaded:
            loaded.add(process)
            for pid, calls in (deployed(process) or {}).items():
                graph.setdefault(pid, calls)
        return graph.get(process, [])

    problems: dict[str, Problem] = {}
    done: set[str] = set()
    for root in own:
        if root in done:
            continue
        # iterative depth-first search; the path holds (process, call that left it)
        path: list[tuple[str, Call | None]] = [(root, None)]
        on_path = {root}
        stacks = [iter(calls_of(root))]
        while stacks:
            call = next(stacks[-1], None)
            if call is None:
                stacks.pop()
                finished, _ = path.pop()
                on_path.discard(finished)
                done.add(finished)
                continue
            if call.called in on_path:
                chain = [c for _, c in path[1:] if c is not None] + [call]
                start = next(i for i, (p, _) in enumerate(path) if p == call.called)
                cycle = chain[start:]
                culprit = next((c for c in cycle if c.process in own), chain[0])
                problems.setdefault(culprit.element_id, _cycle_problem(culprit, cycle))
                continue
            if call.called in done:
                continue
            path.append((call.called, call))
            on_path.add(call.called)
            stacks.append(iter(calls_of(call.called)))
    return list(problems.values())


def _cycle_problem(culprit: Call, cycle: list[Call]) -> Problem:
    route = " → ".join(f"{c.process} ({c.element_id})" for c in cycle) + f" → {cycle[-1].called}"
    if len(cycle) == 1:
        code, params = "call_cycle_own_process", {"called": repr(culprit.called), "route": route}
    else:
        code, params = "call_cycle", {"called": repr(culprit.called), "process": repr(culprit.process),
                                      "route": route}
    return Problem.coded(culprit.element_id, code, params, line=culprit.line, element_name=culprit.element_name)
