"""Task documentation from the diagram, rendered through Jinja's sandbox, with bounded work.

The text is untrusted and rendered on every view of the task, so a rendering is bounded
like an expression: loop iterations, calls and filters share one budget
(MAX_DOCUMENTATION_STEPS) and one deadline (MAX_DOCUMENTATION_SECONDS); every text or list
it builds, and the output, stays under MAX_DOCUMENTATION_LENGTH, with the operations that
multiply sizes (``*``, ``join``, ``indent``, ``replace``, ``center``...) sized before they run.
A template over a limit shows as written, like any other template that cannot render.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.regulation import bounds, limits
from engine.regulation.limits import (
    MAX_DOCUMENTATION_LENGTH,
    MAX_DOCUMENTATION_SECONDS,
    MAX_DOCUMENTATION_STEPS,
)

MAX_LENGTH = MAX_DOCUMENTATION_LENGTH

#: str methods a template may call; the others build values (format, center, expandtabs...)
#: or are not needed in documentation
_STR_METHODS = frozenset({
    "lower", "upper", "title", "capitalize", "casefold", "strip", "lstrip", "rstrip", "split", "rsplit",
    "splitlines", "startswith", "endswith", "count", "find", "rfind", "index", "rindex", "isdigit",
    "isalpha", "isalnum", "isspace", "islower", "isupper", "isdecimal", "isnumeric", "replace",
    "removeprefix", "removesuffix", "partition", "rpartition",
})
_FORMAT_FILTERS = frozenset({"format"})


class _Budget:
    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + MAX_DOCUMENTATION_SECONDS

    def tick(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_DOCUMENTATION_STEPS:
            raise bounds.TooBig(f"documentation takes over {MAX_DOCUMENTATION_STEPS:,} steps; "
                                f"{limits.describe('MAX_DOCUMENTATION_STEPS', MAX_DOCUMENTATION_STEPS)}")
        if time.monotonic() > self.deadline:
            raise bounds.TooBig(f"documentation takes over {MAX_DOCUMENTATION_SECONDS} s; "
                                + limits.describe("MAX_DOCUMENTATION_SECONDS", f"{MAX_DOCUMENTATION_SECONDS} s"))


_BUDGET: ContextVar[_Budget | None] = ContextVar("documentation_budget", default=None)


def _budget() -> _Budget:
    found = _BUDGET.get()
    if found is None:  # a template rendered outside render(): bounded all the same
        found = _Budget()
        _BUDGET.set(found)
    return found


def _sized(value: Any, what: str) -> Any:
    return bounds.check_size(value, what, MAX_DOCUMENTATION_LENGTH, "MAX_DOCUMENTATION_LENGTH")


def _refuse_size(what: str, size: int) -> None:
    if size > MAX_DOCUMENTATION_LENGTH:
        raise bounds.TooBig(f"{what} would be over {MAX_DOCUMENTATION_LENGTH:,} characters; "
                            f"{limits.describe('MAX_DOCUMENTATION_LENGTH', MAX_DOCUMENTATION_LENGTH)}")


def _loop(iterable: Any) -> Iterator[Any]:
    """Every ``{% for %}`` iterates through here: each iteration is a step of the budget."""
    budget = _budget()
    for item in iterable:
        budget.tick()
        yield item


def _text(value: Any) -> Any:
    """Every ``~`` concatenation passes here (a doubling in a loop stops at the limit)."""
    return _sized(value, "a text")


def _range(*args: int) -> range:
    result = range(*args)
    _refuse_size(f"range() of {len(result):,} numbers", len(result))
    return result


def _size_of(value: Any) -> int:
    return bounds.measure(value, MAX_DOCUMENTATION_LENGTH)


def _count(value: Any) -> int:
    try:
        return len(value)
    except TypeError:
        return 1


def _int_arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str, default: int) -> int:
    value = args[index] if len(args) > index else kwargs.get(name, default)
    if isinstance(value, str):
        return len(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _str_arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> str:
    value = args[index] if len(args) > index else kwargs.get(name)
    return "" if value is None else str(value)


def _estimate(name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """An upper estimate of what a filter or method that multiplies sizes would build."""
    size = _size_of(value)
    text = value if isinstance(value, str) else ""
    if name == "join":
        return size + _count(value) * len(_str_arg(args, kwargs, 0, "d"))
    if name == "indent":
        return size + (text.count("\n") + 1) * max(_int_arg(args, kwargs, 0, "width", 4), 0)
    if name == "replace":
        old, new = _str_arg(args, kwargs, 0, "old"), _str_arg(args, kwargs, 1, "new")
        occurrences = len(text) + 1 if not old else text.count(old)
        return len(text) + occurrences * len(new)
    if name == "center":
        return size + max(_int_arg(args, kwargs, 0, "width", 80), 0)
    if name == "wordwrap":
        wrap = max(len(_str_arg(args, kwargs, 3, "wrapstring")), 1)
        return size + (len(text) // max(_int_arg(args, kwargs, 0, "width", 79), 1) + 1) * wrap
    if name in ("batch", "slice"):
        fill = args[1] if len(args) > 1 else kwargs.get("fill_with")
        return size + max(_int_arg(args, kwargs, 0, "linecount" if name == "batch" else "slices", 0), 0) \
            * (_size_of(fill) + 2)
    if name == "tojson":
        return size * (2 + max(_int_arg(args, kwargs, 0, "indent", 0), 0))
    if name == "round":  # round(5, -10**7) computes a power of ten that large
        return abs(_int_arg(args, kwargs, 0, "precision", 0)) * 20
    if name == "truncate":
        return _int_arg(args, kwargs, 0, "length", 255)
    return 0


#: filters whose result can be much bigger than their value; sized before they run
_MULTIPLYING = frozenset({"join", "indent", "replace", "center", "wordwrap", "batch", "slice", "tojson",
                          "round", "truncate", "sum"})


def _bounded_filter(name: str, apply: Callable[..., Any]) -> Callable[..., Any]:
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _budget().tick()
        if name in _FORMAT_FILTERS:
            raise TypeError("string formatting is not available in documentation")
        if name in _MULTIPLYING:
            # the value is the first argument after the context/environment Jinja may pass
            offset = next((i for i, a in enumerate(args) if not _jinja_internal(a)), len(args))
            if offset < len(args):
                value = args[offset]
                if not hasattr(value, "__len__") and isinstance(value, Iterable):
                    value = list(_loop(value))  # a generator (map, select...) is counted as it runs
                    args = (*args[:offset], value, *args[offset + 1:])
                _refuse_size(f"filter {name}", _estimate(name, value, args[offset + 1:], kwargs))
            if name == "sum":
                return _sum_filter(*args, **kwargs)
        return _sized(apply(*args, **kwargs), f"filter {name}")

    for attr in ("jinja_pass_arg",):  # keeps pass_context / pass_environment / pass_eval_context
        if hasattr(apply, attr):
            setattr(bounded, attr, getattr(apply, attr))
    return bounded


def _jinja_internal(value: Any) -> bool:
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context
    return isinstance(value, (EvalContext, Context, ImmutableSandboxedEnvironment))


def _sum_filter(*args: Any, **kwargs: Any) -> Any:
    """``sum``: lists are concatenated in one pass, sized as they grow."""
    iterable = args[1]  # args[0] is the environment
    attribute = args[2] if len(args) > 2 else kwargs.get("attribute")
    start = args[3] if len(args) > 3 else kwargs.get("start", 0)
    if attribute is not None:
        raise TypeError("sum(attribute=...) is not available in documentation")
    if not isinstance(start, (list, tuple)):
        return sum(iterable, start)
    out, size = list(start), _size_of(start)
    for item in iterable:
        size += _size_of(item)
        _refuse_size("filter sum", size)
        out.extend(item)
    return out


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox (lists and dicts immutable), with every loop, call, filter, operator
    and concatenation bounded."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.globals["range"] = _range
        self.globals["reglament_loop"] = _loop
        self.globals["reglament_text"] = _text
        self.globals.pop("lipsum", None)
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            if loop.recursive:
                raise TemplateError("recursive loops are not available in documentation")
            loop.iter = nodes.Call(nodes.Name("reglament_loop", "load"), [loop.iter], [], None, None)
        for concat in list(tree.find_all(nodes.Concat)):
            inner = nodes.Concat(concat.nodes)
            concat.nodes = [nodes.Call(nodes.Name("reglament_text", "load"), [inner], [], None, None)]
        return tree

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _budget().tick()
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 100:
            raise OverflowError("exponent too large")
        if operator == "*":
            size = bounds.repeated_size(left, right, MAX_DOCUMENTATION_LENGTH)
            if size is not None:
                _refuse_size("repeating a text or list", size)
        if operator == "%" and isinstance(left, str):
            raise TypeError("string formatting with % is not available in documentation")
        return _sized(super().call_binop(context, operator, left, right), f"{operator!r}")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` pads to any width ("{:>999999999}"): not available in documentation."""
        if super().wrap_str_format(value) is None:
            return None

        def refused(*args: Any, **kwargs: Any) -> str:
            raise TypeError("str.format is not available in documentation")

        return refused

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr not in _STR_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _budget().tick()
        if getattr(__obj, "__name__", None) == "replace" and isinstance(getattr(__obj, "__self__", None), str):
            _refuse_size("replace()", _estimate("replace", __obj.__self__, args, kwargs))
        return _sized(super().call(__context, __obj, *args, **kwargs), "a call")


_ENV = _BoundedSandbox(autoescape=False, undefined=StrictUndefined)

_FAILURES = (TemplateError, AssertionError, ArithmeticError, TypeError, ValueError, KeyError, AttributeError,
             MemoryError, RecursionError, OverflowError, bounds.TooBig)


def render(text: str | None, variables: dict[str, Any]) -> str:
    """Documentation with cycle variables filled in; the raw text if it cannot render.

    The sandbox blocks attribute walks to Python internals. The result is plain
    text: whoever shows it as HTML escapes it (Jinja's autoescape in web/). A template
    that goes over a limit (see the module) shows as written too.
    """
    if not text:
        return ""
    text = text[:MAX_LENGTH]
    token = _BUDGET.set(_Budget())
    try:
        return _bounded_output(_ENV.from_string(text).generate(**variables)) or ""
    except _FAILURES:
        return text  # a broken template shows as written; it never breaks the task page
    finally:
        _BUDGET.reset(token)


def _bounded_output(pieces: Iterable[str]) -> str:
    """The output, cut at MAX_DOCUMENTATION_LENGTH: the rest is never generated."""
    out: list[str] = []
    length = 0
    budget = _budget()
    for piece in pieces:
        out.append(piece)
        length += len(piece)
        if length >= MAX_DOCUMENTATION_LENGTH:
            break
        budget.tick(0)
    return "".join(out)[:MAX_DOCUMENTATION_LENGTH]
