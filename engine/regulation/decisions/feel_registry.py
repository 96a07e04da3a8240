"""The table of FEEL's built-in functions by name; feel_builtins and feel_temporal fill it.

A function registered with ``_define`` runs in FEEL's 34-digit decimal context, and what it
cannot use (a wrong type, a bad date) gives null instead of an exception."""
from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

from engine.regulation.decisions.feel_values import CONTEXT, Function

_FUNCTIONS: dict[str, Function] = {}


def _define(name: str, *params: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        def safe(*args: Any) -> Any:
            try:
                with decimal.localcontext(CONTEXT):
                    return fn(*args)
            except (ArithmeticError, ValueError, TypeError, OverflowError, IndexError, KeyError):
                return None
        _FUNCTIONS[name] = Function(name, params, safe)
        return fn
    return register


def function(name: str) -> Function | None:
    return _FUNCTIONS.get(name)


def names() -> frozenset[str]:
    return frozenset(_FUNCTIONS)
