"""Input entries beyond literals: FEEL unary tests whose values are expressions, such as
``< date("2026-07-01")``, ``[date("2026-01-01")..date("2026-12-31")]``, ``duration("P3D")``,
``contains(?, "VIP")`` or ``? > 0 and ? < 100`` (``?`` is the input's value).

engine/regulation/decisions/feel.py reads literal tests itself; what it cannot read comes here.
An entry is accepted only when it calls a FEEL function or reads ``?``, and reads no other name
and calls no unknown function: a bare word such as ``Retail`` is a forgotten pair of quotes far
more often than a variable, and ``[1,2]`` a mistyped range, so they stay refused with feel.py's
message. Such tests match as FEEL says; what cannot be compared does not match.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.regulation.decisions import feel_builtins, feel_eval
from engine.regulation.decisions.feel import FeelError, FeelTypeError, UnaryTests
from engine.regulation.decisions.feel_parse import Node, Parser, check_depth
from engine.regulation.decisions.feel_values import Range, equal


@dataclass(frozen=True)
class ExpressionTest:
    """One test of an input entry: ``op`` (a comparison, or "in" for a value, list or range)
    and the tree of its expression, evaluated with ``?`` bound to the input's value."""

    op: str
    tree: Node
    text: str

    def matches(self, value: Any) -> bool:
        target = feel_eval.run(self.tree, {"?": value})
        if self.op != "in":
            verdict = feel_eval.test(self.op, value, target)
            if verdict is None and value is not None and target is not None and self.op not in ("=", "!="):
                raise FeelTypeError(value, target)  # a string against < date(...): an error, not a miss
            return verdict is True
        if isinstance(target, Range):
            return target.contains(value) is True
        if isinstance(target, bool) and "?" in feel_eval.names(self.tree):
            return target
        if isinstance(target, list) and not isinstance(value, list):
            return any(equal(value, item) is True for item in target)
        return equal(value, target) is True

    def literals(self) -> tuple[Any, ...]:
        return ()


def parse(text: str) -> UnaryTests:
    """The entry as FEEL unary tests; FeelError when it is not, or reads a name other than ``?``."""
    parser = Parser(text)
    tokens = parser.tokens
    negated = (len(tokens) > 3 and tokens[0].text == "not" and tokens[1].text == "("
               and tokens[-1].text == ")" and _closes_at_end(parser))
    if negated:
        parser.pos = 2
    tests = [_test(parser)]
    while parser.at(","):
        parser.take()
        tests.append(_test(parser))
    if not any(_called(t.tree) - {"not"} or "?" in feel_eval.names(t.tree) for t in tests):
        raise FeelError("a test of literals is read by the literal rules")  # their message is the one shown
    if negated:
        parser.expect(")")
    leftover = parser.peek()
    if leftover is not None:
        raise FeelError(f"unexpected {leftover.text!r} after a complete test")
    return UnaryTests(text, tuple(tests), negated=negated)


def _called(node: Any) -> set[str]:
    """The names of the functions a tree calls."""
    found: set[str] = set()
    if isinstance(node, tuple) and node:
        if node[0] == "call" and isinstance(node[1], tuple) and node[1][0] == "name":
            found.add(node[1][1])
        for part in node[1:]:
            found |= _called(part)
    elif isinstance(node, list):
        for part in node:
            found |= _called(part)
    return found


def _closes_at_end(parser: Parser) -> bool:
    depth = 0
    for i, token in enumerate(parser.tokens[1:], 1):
        if token.text in ("(", "[", "{"):
            depth += 1
        elif token.text in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return i == len(parser.tokens) - 1
    return False


def _test(parser: Parser) -> ExpressionTest:
    start = parser.peek()
    comparison = start is not None and start.kind == "op" and start.text in ("<", "<=", ">", ">=", "=", "!=")
    node = parser.positive_test() if comparison else ("test", "in", parser.expression())
    check_depth(node)
    end = parser.tokens[parser.pos - 1]
    unknown = sorted(feel_eval.names(node[2]) - {"?"} - feel_builtins.names())
    if unknown:
        raise FeelError(f"{unknown[0]!r} is not a value a test can read")
    called = _called(node[2])
    strange = sorted(called - feel_builtins.names())
    if strange:
        raise FeelError(f"{strange[0]!r} is not a FEEL function")
    text = parser.text[start.start if start is not None else 0:end.end]
    return ExpressionTest(node[1], node[2], text)
