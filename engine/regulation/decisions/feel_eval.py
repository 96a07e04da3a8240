"""Evaluating FEEL trees (engine/regulation/decisions/feel_parse.py) over a scope of named values.

No Python is ever evaluated: the tree is walked node by node. FEEL's semantics: what does not
fit gives null (a missing name, 10 / 0, "a" + 1, comparing a number with a string), ``and`` /
``or`` are three-valued, ``if`` takes the else branch on null. Bounded: function calls nest at
most MAX_CALL_DEPTH deep, filters and ``in`` lists walk at most feel_parse.MAX_ITEMS items.
"""
from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from decimal import Decimal
from functools import lru_cache
from typing import Any

from engine.regulation.decisions import feel_builtins
from engine.regulation.decisions.feel import FeelError
from engine.regulation.decisions.feel_parse import MAX_ITEMS, Node, parse
from engine.regulation.decisions.feel_values import Function, Range, arith, compare, equal, kind

MAX_CALL_DEPTH = 32
#: how deep function calls nest right now (a business knowledge model runs a fresh Evaluator)
_DEPTH: ContextVar[int] = ContextVar("feel_call_depth", default=0)
_ORDER = {"<": lambda c: c < 0, "<=": lambda c: c <= 0, ">": lambda c: c > 0, ">=": lambda c: c >= 0}


class Evaluator:
    def run(self, node: Node, scope: Mapping[str, Any]) -> Any:
        method = getattr(self, "_" + node[0])
        return method(node, scope)

    # -- leaves
    def _const(self, node: Node, scope: Mapping[str, Any]) -> Any:
        return node[1]

    def _name(self, node: Node, scope: Mapping[str, Any]) -> Any:
        name = node[1]
        if name in scope:
            return scope[name]
        return feel_builtins.function(name)

    # -- operators
    def _arith(self, node: Node, scope: Mapping[str, Any]) -> Any:
        return arith(node[1], self.run(node[2], scope), self.run(node[3], scope))

    def _neg(self, node: Node, scope: Mapping[str, Any]) -> Any:
        value = self.run(node[1], scope)
        if isinstance(value, Decimal):
            return -value
        return arith("*", value, Decimal(-1)) if kind(value) == "days and time duration" else None

    def _and(self, node: Node, scope: Mapping[str, Any]) -> Any:
        left, right = self.run(node[1], scope), self.run(node[2], scope)
        if left is False or right is False:
            return False
        return True if left is True and right is True else None

    def _or(self, node: Node, scope: Mapping[str, Any]) -> Any:
        left, right = self.run(node[1], scope), self.run(node[2], scope)
        if left is True or right is True:
            return True
        return False if left is False and right is False else None

    def _cmp(self, node: Node, scope: Mapping[str, Any]) -> Any:
        return test(node[1], self.run(node[2], scope), self.run(node[3], scope))

    def _between(self, node: Node, scope: Mapping[str, Any]) -> Any:
        value = self.run(node[1], scope)
        low, high = compare(value, self.run(node[2], scope)), compare(value, self.run(node[3], scope))
        if low is None or high is None:
            return None
        return low >= 0 and high <= 0

    def _in(self, node: Node, scope: Mapping[str, Any]) -> Any:
        value = self.run(node[1], scope)
        results = [self._test(t, value, scope) for t in node[2]]
        if any(r is True for r in results):
            return True
        return False if all(r is False for r in results) else None

    def _test(self, node: Node, value: Any, scope: Mapping[str, Any]) -> Any:
        target = self.run(node[2], scope)
        if node[1] != "in":
            return test(node[1], value, target)
        if isinstance(target, Range):
            return target.contains(value)
        if isinstance(target, list) and not isinstance(value, list):
            found = [equal(value, item) for item in target[:MAX_ITEMS]]
            return any(f is True for f in found)
        if isinstance(target, bool) and not isinstance(value, bool):
            return target  # a boolean expression over ``?``
        return equal(value, target)

    def _if(self, node: Node, scope: Mapping[str, Any]) -> Any:
        return self.run(node[2] if self.run(node[1], scope) is True else node[3], scope)

    # -- structures
    def _list(self, node: Node, scope: Mapping[str, Any]) -> Any:
        return [self.run(item, scope) for item in node[1]]

    def _range(self, node: Node, scope: Mapping[str, Any]) -> Any:
        return Range(self.run(node[1], scope), self.run(node[2], scope), node[3], node[4])

    def _context(self, node: Node, scope: Mapping[str, Any]) -> Any:
        result: dict[str, Any] = {}
        inner = dict(scope)
        for key, value_node in node[1]:
            result[key] = inner[key] = self.run(value_node, inner)
        return result

    def _path(self, node: Node, scope: Mapping[str, Any]) -> Any:
        return path(self.run(node[1], scope), node[2])

    def _filter(self, node: Node, scope: Mapping[str, Any]) -> Any:
        base = self.run(node[1], scope)
        items = base if isinstance(base, list) else [base]
        index = self.run(node[2], scope)
        if isinstance(index, Decimal):  # list[1] is the first item, list[-1] the last
            if index != index.to_integral_value() or index == 0:
                return None
            i = int(index) - 1 if index > 0 else len(items) + int(index)
            return items[i] if 0 <= i < len(items) else None
        kept = []
        for item in items[:MAX_ITEMS]:
            inner = dict(scope)
            if isinstance(item, dict):
                inner.update(item)
            inner["item"] = item
            if self.run(node[2], inner) is True:
                kept.append(item)
        return kept

    def _call(self, node: Node, scope: Mapping[str, Any]) -> Any:
        function = self.run(node[1], scope)
        if not isinstance(function, Function):
            return None
        args = [self.run(arg, scope) for arg in node[2]]
        named = {name: self.run(arg, scope) for name, arg in node[3]}
        if named:
            if set(named) - set(function.params):
                return None
            args = [named.get(p) for p in function.params]
        depth = _DEPTH.get() + 1
        if depth > MAX_CALL_DEPTH:
            raise FeelError(f"function calls nest more than {MAX_CALL_DEPTH} deep")
        token = _DEPTH.set(depth)
        try:
            return function.call(*args)
        except TypeError:
            return None
        finally:
            _DEPTH.reset(token)


def test(op: str, value: Any, target: Any) -> bool | None:
    if op == "=":
        return equal(value, target)
    if op == "!=":
        same = equal(value, target)
        return None if same is None else not same
    order = compare(value, target)
    return None if order is None else bool(_ORDER[op](order))


def path(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        return value.get(name)
    if isinstance(value, list):
        return [path(v, name) for v in value]
    return feel_builtins.property_of(value, name)


@lru_cache(maxsize=4096)
def compiled(text: str, known: frozenset[str] = frozenset()) -> Node:
    """The parsed tree of an expression, cached by its text and the names known in scope."""
    return parse(text, known)


def evaluate(text: str, scope: Mapping[str, Any]) -> Any:
    """Evaluate a FEEL expression over ``scope``; FeelError when it cannot be read."""
    tree = compiled(text, frozenset(k for k in scope if " " in k))
    return Evaluator().run(tree, scope)


def run(tree: Node, scope: Mapping[str, Any]) -> Any:
    return Evaluator().run(tree, scope)


def names(node: Any) -> set[str]:
    """The names an expression reads (function names and path steps excluded)."""
    found: set[str] = set()
    if isinstance(node, tuple) and node:
        if node[0] == "name":
            found.add(node[1])
            return found
        if node[0] == "call":
            if node[1][0] != "name":
                found |= names(node[1])
            for arg in node[2]:
                found |= names(arg)
            for _, arg in node[3]:
                found |= names(arg)
            return found
        if node[0] == "filter":
            return names(node[1])
        if node[0] == "context":
            keys = {key for key, _ in node[1]}
            for _, value in node[1]:
                found |= names(value)
            return found - keys
        if node[0] == "path":
            return names(node[1])
        for part in node[1:]:
            found |= names(part)
    elif isinstance(node, list):
        for part in node:
            found |= names(part)
    return found
