"""FEEL values and their comparisons: numbers (Decimal), strings, booleans, null, lists,
contexts (dicts), ranges, dates, times, date-times and durations.

FEEL's rule for what does not fit is null, not an exception: comparing a number with a string,
adding a string to a date, dividing by zero all give None (``compare``, ``equal``, ``arith``).
Arithmetic runs in a 34-digit decimal context (IEEE 754 decimal128, as the DMN standard says).
"""
from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, Emax=6144, Emin=-6143,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])
MAX_STRING = 1_000_000


@dataclass(frozen=True)
class Range:
    low: Any
    high: Any
    low_closed: bool
    high_closed: bool

    def contains(self, value: Any) -> bool | None:
        low = compare(value, self.low) if self.low is not None else 1
        high = compare(value, self.high) if self.high is not None else -1
        if low is None or high is None:
            return None
        return (low > 0 or (low == 0 and self.low_closed)) and (high < 0 or (high == 0 and self.high_closed))


@dataclass(frozen=True)
class YearsMonths:
    """A years and months duration, in months."""

    months: int


@dataclass(frozen=True)
class Function:
    """A FEEL function value: a business knowledge model or ``function(a, b) body``."""

    name: str
    params: tuple[str, ...]
    call: Callable[..., Any]


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (Decimal, int)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dt.datetime):
        return "date and time"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, dt.timedelta):
        return "days and time duration"
    if isinstance(value, YearsMonths):
        return "years and months duration"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "context"
    if isinstance(value, Range):
        return "range"
    if isinstance(value, Function):
        return "function"
    return "other"


_ORDERED = ("number", "string", "date", "date and time", "time", "days and time duration",
            "years and months duration")


def _key(value: Any) -> Any:
    if isinstance(value, YearsMonths):
        return value.months
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def compare(a: Any, b: Any) -> int | None:
    """-1, 0 or 1; None when FEEL cannot order the two (different kinds, null, booleans...)."""
    ka = kind(a)
    if ka != kind(b) or ka not in _ORDERED:
        return None
    x, y = _key(a), _key(b)
    try:
        return -1 if x < y else (1 if x > y else 0)
    except TypeError:
        return None


def equal(a: Any, b: Any) -> bool | None:
    """FEEL ``=``: null equals only null; values of different kinds are not comparable (null)."""
    if a is None or b is None:
        return a is None and b is None
    ka = kind(a)
    if ka != kind(b):
        return None
    if ka == "list":
        if len(a) != len(b):
            return False
        for x, y in zip(a, b):
            same = equal(x, y)
            if same is not True:
                return same
        return True
    if ka == "context":
        if a.keys() != b.keys():
            return False
        for key in a:
            same = equal(a[key], b[key])
            if same is not True:
                return same
        return True
    if ka in _ORDERED:
        return compare(a, b) == 0
    return bool(a == b)


def number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return None
    return Decimal(value)


def arith(op: str, a: Any, b: Any) -> Any:
    """``a op b`` as FEEL computes it; None when the operands do not fit."""
    if a is None or b is None:
        return None
    try:
        with decimal.localcontext(CONTEXT):
            return _arith(op, a, b)
    except (ArithmeticError, OverflowError, ValueError):
        return None


def _arith(op: str, a: Any, b: Any) -> Any:
    x, y = number(a), number(b)
    if x is not None and y is not None:
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            return None if y == 0 else x / y
        if op == "**":
            if y == y.to_integral_value():
                if abs(y) > 100000:
                    return None
                return x ** int(y)
            return x ** y if x > 0 else None
        return None
    ka, kb = kind(a), kind(b)
    if op == "+" and ka == kb == "string":
        if len(a) + len(b) > MAX_STRING:
            return None
        return a + b
    return _temporal(op, a, b, ka, kb)


def _temporal(op: str, a: Any, b: Any, ka: str, kb: str) -> Any:
    days = "days and time duration"
    months = "years and months duration"
    if op in ("+", "-") and ka in ("date", "date and time") and kb == days:
        base = a if ka == "date and time" else dt.datetime(a.year, a.month, a.day)
        moved = base + b if op == "+" else base - b
        return moved if ka == "date and time" else moved.date()
    if op in ("+", "-") and ka in ("date", "date and time") and kb == months:
        return add_months(a, b.months if op == "+" else -b.months)
    if op == "+" and kb in ("date", "date and time") and ka in (days, months):
        return _temporal("+", b, a, kb, ka)
    if op in ("+", "-") and ka == kb == days:
        return a + b if op == "+" else a - b
    if op in ("+", "-") and ka == kb == months:
        return YearsMonths(a.months + b.months if op == "+" else a.months - b.months)
    if op == "-" and ka == kb and ka in ("date", "date and time"):
        return _key(a) - _key(b) if ka == "date and time" else dt.timedelta(days=(a - b).days)
    if op in ("*", "/") and ka == days and number(b) is not None:
        seconds = Decimal(a.total_seconds())
        factor = number(b)
        assert factor is not None
        if op == "/" and factor == 0:
            return None
        return dt.timedelta(seconds=float(seconds * factor if op == "*" else seconds / factor))
    if op == "*" and kb == days and number(a) is not None:
        return _temporal("*", b, a, kb, ka)
    return None


def add_months(value: dt.date, months: int) -> dt.date:
    total = value.year * 12 + value.month - 1 + months
    year, month = divmod(total, 12)
    day = min(value.day, [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month])
    return value.replace(year=year, month=month + 1, day=day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def show(value: Any) -> str:
    """A value as FEEL writes it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Range):
        return f"{'[' if value.low_closed else '('}{show(value.low)}..{show(value.high)}{']' if value.high_closed else ')'}"
    if isinstance(value, Function):
        return f"function {value.name}"
    return str(value)
