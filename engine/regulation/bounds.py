"""Bounded values: how big a value is, measured without ever walking more than the limit.

The expression evaluator and the documentation sandbox both build values from
untrusted diagrams. Every value they build is measured here, and every operation that
could multiply a size (repetition, joining, padding, ``str()`` of a container...) is
estimated before it runs, so no value ever grows past the limit and no check costs more
than the limit itself.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from engine.regulation import limits
from engine.shared.notices import Noticed

_SCALAR_SIZES: dict[type, int] = {bool: 5, type(None): 4, float: 24}
_CONTAINERS = (list, tuple, set, frozenset)


class TooBig(Noticed):
    """A value or a piece of work would exceed one of the limits in ``limits``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def measure(value: Any, limit: int = limits.MAX_VALUE_SIZE) -> int:
    """The size of ``value`` written out, in characters (approximately, never less).

    Shared items count every time they appear (``[[0] * 100] * 100`` is 10,000 zeros).
    The walk stops as soon as the size passes ``limit``, so measuring costs at most the
    limit; the result is then some number above ``limit``.
    """
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            total += len(item) + 2
        elif kind in _SCALAR_SIZES:
            total += _SCALAR_SIZES[kind]
        elif kind is int:
            total += item.bit_length() * 30103 // 100000 + 2
        elif isinstance(item, str):  # Markup and other str subclasses
            total += len(item) + 2
        elif isinstance(item, (bytes, bytearray)):
            total += len(item) + 3
        elif isinstance(item, Decimal):
            total += len(item.as_tuple().digits) + 12
        elif isinstance(item, _CONTAINERS):
            total += 2 + 2 * len(item)
            if total <= limit:
                stack.extend(item)
        elif isinstance(item, Mapping):
            total += 2 + 4 * len(item)
            if total <= limit:
                stack.extend(item.keys())
                stack.extend(item.values())
        elif isinstance(item, range):
            total += 16  # lazy: what it yields is counted where it is used
        else:
            total += 32
        if total > limit:
            return total
    return total


def check_size(value: Any, what: str, limit: int = limits.MAX_VALUE_SIZE,
               name: str = "MAX_VALUE_SIZE") -> Any:
    """``value`` itself, or TooBig when it is over ``limit``."""
    size = measure(value, limit)
    if size > limit:
        raise TooBig(f"{what} would be over {limit:,} characters; {limits.describe(name, limit)}")
    return value


def repeated_size(left: Any, right: Any, limit: int = limits.MAX_VALUE_SIZE) -> int | None:
    """The size of ``left * right`` when it repeats a sequence, else None (a number product)."""
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int) and not isinstance(times, bool):
            if times <= 0:
                return 0
            return measure(seq, limit) * times
    return None


def int_digits(value: int) -> int:
    return value.bit_length() * 30103 // 100000 + 1


def check_int(value: Any, what: str) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and int_digits(value) > limits.MAX_INT_DIGITS:
        raise TooBig(f"{what} would have over {limits.MAX_INT_DIGITS:,} digits; "
                     f"{limits.describe('MAX_INT_DIGITS', limits.MAX_INT_DIGITS)}")
    return value


def power_digits(base: Any, exponent: Any) -> int:
    """An upper estimate of the digits of ``base ** exponent`` for integers (0 for others)."""
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        return int_digits(base) * exponent
    return 0
