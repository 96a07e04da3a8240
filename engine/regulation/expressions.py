"""Safe expressions for conditions, timers and DMN cells.

Diagrams are untrusted input: they never reach Python's ``eval``. An expression
is parsed to an AST, checked against a whitelist (no attribute access, no
names starting with ``_``, calls only to a few pure functions) and evaluated by
``simpleeval`` with the same restrictions. The Camunda 7 forms are accepted as
written: ``${...}`` / ``#{...}`` wrappers, ``&&``, ``||``, ``!``, ``true``,
``false``, ``null`` and bare ISO-8601 timer values (``PT48H``, ``R3/P1D``).
"""
from __future__ import annotations

import ast
import math
import operator
import re
import time
import warnings
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from simpleeval import EvalWithCompoundTypes, InvalidExpression, NameNotDefined, safe_power

from engine.regulation import bounds, cron, juel, juel_functions, limits
from engine.regulation.limits import MAX_EXPRESSION_SECONDS, MAX_EXPRESSION_STEPS, MAX_INT_DIGITS, MAX_VALUE_SIZE
from engine.shared.errors import ExpressionError
from engine.shared.notices import Notice, coded


def _str(value: Any = "") -> str:
    """``str()``, refused before it writes out a container bigger than MAX_VALUE_SIZE."""
    if not isinstance(value, str):
        bounds.check_size(value, "str() of this value")
    return str(value)


def _lower(value: Any) -> str:
    return _str(value).lower()


def _upper(value: Any) -> str:
    return _str(value).upper()


def _sum(items: Iterable[Any], start: Any = 0) -> Any:
    """``sum()`` in linear time: lists and tuples are concatenated once, not pairwise."""
    if not isinstance(start, (list, tuple)):
        return sum(items, start)
    out, size = list(start), bounds.measure(start)
    for item in items:
        if not isinstance(item, type(start)):
            raise TypeError(f"can only concatenate {type(start).__name__} (not {type(item).__name__!r})")
        size += bounds.measure(item)
        if size > MAX_VALUE_SIZE:
            raise bounds.TooBig(f"sum() would build a value over {MAX_VALUE_SIZE:,} characters; "
                                f"{limits.describe('MAX_VALUE_SIZE', MAX_VALUE_SIZE)}")
        out.extend(item)
    return out if isinstance(start, list) else tuple(out)


def _round(number: Any, ndigits: int | None = None) -> Any:
    """``round()``; a huge ``ndigits`` would compute a power of ten that large."""
    if ndigits is not None and isinstance(ndigits, int) and abs(ndigits) > MAX_INT_DIGITS:
        raise bounds.TooBig(f"round() to {ndigits:,} digits; {limits.describe('MAX_INT_DIGITS', MAX_INT_DIGITS)}")
    return round(number) if ndigits is None else round(number, ndigits)


FUNCTIONS: dict[str, Any] = {
    "len": len, "str": _str, "int": int, "float": float, "bool": bool, "abs": abs,
    "min": min, "max": max, "round": _round, "sum": _sum, "any": any, "all": all,
    "lower": _lower, "upper": _upper,
    **juel_functions.FUNCTIONS,
}
#: the functions a diagram author is told about (the JUEL helpers are reached by JUEL syntax)
PUBLIC_FUNCTIONS = sorted(name for name in FUNCTIONS if not name.startswith("_"))
CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None,
                             "True": True, "False": False, "None": None}

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.Add, ast.Sub, ast.Mult,
    ast.Div, ast.FloorDiv, ast.Mod, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Compare,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is,
    ast.IsNot, ast.IfExp, ast.Name, ast.Load, ast.Constant, ast.Call, ast.Subscript,
    ast.Slice, ast.List, ast.Tuple, ast.Dict, ast.Set,
)

_WRAPPED = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.DOTALL)
_ISO_DURATION = r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
_ISO_DATETIME = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
_TIMER_LITERAL = re.compile(
    rf"^(R\d*/)?(({_ISO_DATETIME})/)?({_ISO_DURATION}|{_ISO_DATETIME})(/({_ISO_DURATION}|{_ISO_DATETIME}))?$"
)


def unwrap(expression: str) -> str:
    """The expression as Python source: a Camunda ``${...}`` wrapper stripped, JUEL translated
    (engine/regulation/juel.py), mixed text such as ``sales_${region}`` as a concatenation."""
    try:
        return _python(expression)
    except ExpressionError:
        text = expression.strip()
        match = _WRAPPED.match(text)
        return _translate_operators(match.group("body").strip() if match else text)


@lru_cache(maxsize=4096)
def _python(expression: str) -> str:
    """Like ``unwrap``, but a JUEL text that cannot be read raises ExpressionError."""
    text = expression.strip()
    parts = juel.split_template(text)
    if parts is None:
        return _translate(text)
    if len(parts) == 1 and parts[0].expression:
        return _translate(parts[0].text.strip())
    return juel.template_python(parts, lambda part: f"({_translate(part.strip())})")


def _translate(text: str) -> str:
    try:
        return juel.translate(text)
    except juel.Unsupported:
        return _translate_operators(text)


def _translate_operators(text: str) -> str:
    out: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            out.append(ch)
            if ch == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif text.startswith("&&", i):
            out.append(" and ")
            i += 1
        elif text.startswith("||", i):
            out.append(" or ")
            i += 1
        elif ch == "!" and not text.startswith("!=", i):
            out.append(" not ")
        else:
            out.append(ch)
        i += 1
    return "".join(out).strip()


def timer_literal(expression: str) -> str | None:
    """A bare ISO-8601 timer value or Quartz cron (a cycle) as Camunda writes it, or None."""
    text = expression.strip()
    for quote in ("'", '"'):
        if len(text) > 1 and text[0] == quote and text[-1] == quote:
            text = text[1:-1]
    return text if _TIMER_LITERAL.match(text) or cron.is_cron(text) else None


MAX_EXPRESSION_LENGTH = 2000
MAX_DEPTH = 40


@lru_cache(maxsize=4096)
def _compile(expression: str) -> ast.Expression:
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"Expression {expression[:40]!r}... is {len(expression)} characters long; "
                              f"the limit is {MAX_EXPRESSION_LENGTH}")
    try:
        python = _python(expression)
    except ExpressionError as exc:
        raise ExpressionError(f"Expression {_short(expression)}: {exc.message}") from None
    if not python:
        raise ExpressionError("The expression is empty")
    try:
        with warnings.catch_warnings():  # "1if x" is a SyntaxWarning; the diagram's text is no code to lint
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(python, mode="eval")
    except SyntaxError as exc:
        raise coded(ExpressionError, "expression_syntax", {"expression": repr(expression), "reason": exc.msg}) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"Expression {expression[:40]!r}... is nested too deeply") from None
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"Expression {expression[:40]!r}... is nested more than {MAX_DEPTH} levels deep")
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(
                f"Expression {expression!r} uses {_describe(node)}, which is not allowed "
                "(use variables, literals, comparisons, and/or/not, arithmetic and "
                f"the functions {', '.join(PUBLIC_FUNCTIONS)})"
            )
        if isinstance(node, ast.Name) and node.id.startswith("_") and node.id not in juel_functions.FUNCTIONS \
                and node.id != juel_functions.VARIABLES:
            raise ExpressionError(f"Expression {expression!r} uses the name {node.id!r}: names may not start with '_'")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 10000:
            raise ExpressionError(f"Expression {expression[:40]!r}... has a string literal over 10,000 characters")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise ExpressionError(
                    f"Expression {expression!r} calls {ast.unparse(node.func)!r}; only "
                    f"{', '.join(PUBLIC_FUNCTIONS)} may be called"
                )
            if node.keywords:
                raise ExpressionError(f"Expression {expression!r}: keyword arguments are not allowed")
    return tree


def _depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"attribute access ('.{node.attr}')"
    if isinstance(node, (ast.Lambda,)):
        return "a lambda"
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return "a comprehension"
    if isinstance(node, ast.NamedExpr):
        return "an assignment"
    return f"a {type(node).__name__} node"


def check(expression: str, timer: bool = False) -> None:
    """Raise ExpressionError if the expression could not be evaluated safely."""
    if timer and timer_literal(expression) is not None:
        return
    _compile(expression)


def _safe_mod(left: Any, right: Any) -> Any:
    if isinstance(left, (str, bytes)):
        raise ExpressionError("string formatting with % is not allowed in expressions")
    return left % right


def _bounded_mult(left: Any, right: Any) -> Any:
    """``*``: a repeated sequence or a product of integers is sized before it is built."""
    size = bounds.repeated_size(left, right)
    if size is not None and size > MAX_VALUE_SIZE:
        raise bounds.TooBig(f"repeating a sequence would build a value over {MAX_VALUE_SIZE:,} characters; "
                            f"{limits.describe('MAX_VALUE_SIZE', MAX_VALUE_SIZE)}")
    if isinstance(left, int) and isinstance(right, int) \
            and bounds.int_digits(left) + bounds.int_digits(right) > MAX_INT_DIGITS + 1:
        raise bounds.TooBig(f"the product would have over {MAX_INT_DIGITS:,} digits; "
                            f"{limits.describe('MAX_INT_DIGITS', MAX_INT_DIGITS)}")
    return left * right


def _bounded_add(left: Any, right: Any) -> Any:
    """``+``: the operands are bounded, so the sum is at most twice the limit; checked after."""
    return left + right


def _bounded_power(base: Any, exponent: Any) -> Any:
    if bounds.power_digits(base, exponent) > MAX_INT_DIGITS:
        raise bounds.TooBig(f"{base} ** {exponent} would have over {MAX_INT_DIGITS:,} digits; "
                            f"{limits.describe('MAX_INT_DIGITS', MAX_INT_DIGITS)}")
    return safe_power(base, exponent)


class _Evaluator(EvalWithCompoundTypes):  # type: ignore[misc]  # simpleeval is untyped
    """simpleeval with every value it builds bounded, and its steps and time counted."""

    def __init__(self, names: dict[str, Any]) -> None:
        super().__init__(functions=dict(FUNCTIONS), names=names)
        self.operators[ast.Mod] = _safe_mod
        self.operators[ast.Mult] = _bounded_mult
        self.operators[ast.Add] = _bounded_add
        self.operators[ast.Pow] = _bounded_power
        for forbidden in (ast.Attribute, ast.Assign, ast.AugAssign, ast.Import,
                          ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda):
            self.nodes.pop(forbidden, None)
        self._steps = 0
        self._deadline = time.monotonic() + MAX_EXPRESSION_SECONDS

    def _eval(self, node: ast.AST) -> Any:
        self._steps += 1
        if self._steps > MAX_EXPRESSION_STEPS:
            raise bounds.TooBig(f"it takes over {MAX_EXPRESSION_STEPS:,} steps; "
                                f"{limits.describe('MAX_EXPRESSION_STEPS', MAX_EXPRESSION_STEPS)}")
        if time.monotonic() > self._deadline:
            raise bounds.TooBig(f"it runs over {MAX_EXPRESSION_SECONDS} s; "
                                f"{limits.describe('MAX_EXPRESSION_SECONDS', f'{MAX_EXPRESSION_SECONDS} s')}")
        return super()._eval(node)

    def _check_disallowed_items(self, item: Any) -> None:
        """Every node's value passes here: sized first, so the walk below stays bounded."""
        if type(item) is int:
            bounds.check_int(item, "an integer")
        elif not isinstance(item, (str, float, bool, Decimal)) and item is not None:
            bounds.check_size(item, "a value")
        elif isinstance(item, str) and len(item) > MAX_VALUE_SIZE:
            bounds.check_size(item, "a string")
        super()._check_disallowed_items(item)

    def _eval_name(self, node: ast.Name) -> Any:
        """A JUEL variable named like a Python keyword (``${continue}``) arrives with a suffix."""
        if node.id.endswith(juel.KEYWORD_SUFFIX) and node.id not in self.names:
            base = node.id[:-len(juel.KEYWORD_SUFFIX)]
            if base in self.names:
                return self.names[base]
        return super()._eval_name(node)

    def _eval_subscript(self, node: ast.Subscript) -> Any:
        """JUEL property access: a missing key of a map is null, and so is any property of null."""
        container = self._eval(node.value)
        key = self._eval(node.slice)
        if container is None:
            return None
        if isinstance(container, dict):
            return container.get(key)
        return container[key]


def exact_number(value: Any) -> Any:
    """A float as the Decimal it was written as (``0.07`` -> ``Decimal("0.07")``); others as they are."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExpressionError(f"{value} is not a number that money can be counted in")
        return Decimal(repr(value))
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _exact_operator(apply: Any, divides: bool = False) -> Any:
    def exact(left: Any, right: Any) -> Any:
        if _is_number(left) and _is_number(right) and (
                divides or isinstance(left, (float, Decimal)) or isinstance(right, (float, Decimal))):
            return apply(Decimal(exact_number(left)), Decimal(exact_number(right)))
        return apply(left, right)

    return exact


class _ExactEvaluator(_Evaluator):
    """Numbers for money: literals with a point are Decimals, arithmetic never goes through float."""

    def __init__(self, names: dict[str, Any]) -> None:
        super().__init__(names)
        for node, apply in ((ast.Add, self.operators[ast.Add]), (ast.Sub, operator.sub),
                            (ast.Mult, self.operators[ast.Mult]), (ast.FloorDiv, operator.floordiv),
                            (ast.Mod, _safe_mod)):
            self.operators[node] = _exact_operator(apply)
        self.operators[ast.Div] = _exact_operator(operator.truediv, divides=True)

    def _eval_constant(self, node: ast.Constant) -> Any:
        return exact_number(super()._eval_constant(node))


def evaluate(expression: str, variables: dict[str, Any], timer: bool = False, exact: bool = False) -> Any:
    """Evaluate an expression over cycle variables; never runs arbitrary code.

    ``exact``: numbers as Decimal (literals ``0.07`` are read as written, ``1/3`` divides in
    Decimal, float variables are taken by their shortest repr), for money and rates."""
    if timer:
        literal = timer_literal(expression)
        if literal is not None:
            return literal
    tree = _compile(expression)
    names = dict(CONSTANTS)
    names.update(variables)
    names[juel_functions.VARIABLES] = variables  # execution.getVariable('x')
    try:
        evaluator = _ExactEvaluator(names) if exact else _Evaluator(names)
        result = evaluator.eval(_python(expression), previously_parsed=tree.body)
        if isinstance(result, datetime):  # dateTime()...toDate(): a date as the variables hold it
            return result.isoformat()
        return exact_number(result) if exact else result
    except bounds.TooBig as exc:
        raise coded(ExpressionError, "cannot_evaluate",
                    {"expression": _short(expression), "reason": exc.notice or exc.message}) from None
    except InvalidExpression as exc:
        message = getattr(exc, "message", None) or str(exc)
        if isinstance(exc, NameNotDefined):  # the usual one: a variable the cycle does not have (yet)
            message = Notice("name_not_defined", {"name": exc.name, "expression": exc.expression})
        raise coded(ExpressionError, "cannot_evaluate", {"expression": repr(expression), "reason": message}) from None
    except ExpressionError:
        raise
    except Exception as exc:  # a TypeError, ZeroDivisionError... from the diagram's own logic
        raise coded(ExpressionError, "cannot_evaluate",
                    {"expression": repr(expression), "reason": f"{type(exc).__name__}: {exc}"}) from None


def _short(expression: str) -> str:
    return repr(expression) if len(expression) <= 80 else f"{expression[:77]!r}..."
