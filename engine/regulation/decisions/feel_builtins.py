"""FEEL's built-in functions, the ones decision tables and literal expressions commonly use:
boolean (``not``), string, number, list and conversion functions (temporal ones: feel_temporal). Every function
is pure and bounded (no regular expressions, no clock); one that is given what it cannot use
gives null, as FEEL says.
"""
from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engine.regulation.decisions.feel_registry import _define, function, names
from engine.regulation.decisions.feel_temporal import property_of
from engine.regulation.decisions.feel_values import MAX_STRING, YearsMonths, compare, equal, number

__all__ = ["function", "names", "property_of"]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _items(args: tuple[Any, ...]) -> list[Any] | None:
    if len(args) == 1 and isinstance(args[0], list):
        return list(args[0])
    return list(args) if args else None


# ----------------------------------------------------------------------------- boolean

@_define("not", "negand")
def _not(value: Any) -> Any:
    return (not value) if isinstance(value, bool) else None


# ----------------------------------------------------------------------------- strings

@_define("string", "from")
def _string(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


@_define("substring", "string", "start position", "length")
def _substring(text: Any, start: Any, length: Any = None) -> Any:
    s, first = _str(text), number(start)
    if s is None or first is None or first == 0:
        return None
    i = int(first) - 1 if first > 0 else len(s) + int(first)
    if length is None:
        return s[max(i, 0):]
    size = number(length)
    return None if size is None else s[max(i, 0):max(i, 0) + int(size)]


@_define("string length", "string")
def _length(text: Any) -> Any:
    return Decimal(len(text)) if isinstance(text, str) else None


@_define("upper case", "string")
def _upper(text: Any) -> Any:
    return text.upper() if isinstance(text, str) else None


@_define("lower case", "string")
def _lower(text: Any) -> Any:
    return text.lower() if isinstance(text, str) else None


@_define("substring before", "string", "match")
def _before(text: Any, match: Any) -> Any:
    if _str(text) is None or _str(match) is None:
        return None
    return text.split(match, 1)[0] if match and match in text else ""


@_define("substring after", "string", "match")
def _after(text: Any, match: Any) -> Any:
    if _str(text) is None or _str(match) is None:
        return None
    if not match:
        return text
    return text.split(match, 1)[1] if match in text else ""


@_define("contains", "string", "match")
def _contains(text: Any, match: Any) -> Any:
    return match in text if isinstance(text, str) and isinstance(match, str) else None


@_define("starts with", "string", "match")
def _starts(text: Any, match: Any) -> Any:
    return text.startswith(match) if isinstance(text, str) and isinstance(match, str) else None


@_define("ends with", "string", "match")
def _ends(text: Any, match: Any) -> Any:
    return text.endswith(match) if isinstance(text, str) and isinstance(match, str) else None


@_define("string join", "list", "delimiter")
def _join(items: Any, delimiter: Any = "") -> Any:
    if not isinstance(items, list) or not all(isinstance(i, str) or i is None for i in items):
        return None
    joined = (delimiter or "").join(i for i in items if i is not None)
    return joined if len(joined) <= MAX_STRING else None


# ----------------------------------------------------------------------------- numbers

@_define("number", "from", "grouping separator", "decimal separator")
def _number(text: Any, grouping: Any = None, decimal_sep: Any = None) -> Any:
    if not isinstance(text, str) or len(text) > 100:
        return None
    if grouping:
        text = text.replace(grouping, "")
    if decimal_sep:
        text = text.replace(decimal_sep, ".")
    return Decimal(text) if re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d{1,4})?", text) else None


@_define("decimal", "n", "scale")
def _decimal(n: Any, scale: Any) -> Any:
    value, places = number(n), number(scale)
    if value is None or places is None or not -6111 <= places <= 6176:
        return None
    return value.quantize(Decimal(1).scaleb(-int(places)), rounding=decimal.ROUND_HALF_EVEN)


def _rounded(n: Any, scale: Any, rounding: str) -> Any:
    value, places = number(n), number(0 if scale is None else scale)
    if value is None or places is None or not -6111 <= places <= 6176 or places != places.to_integral_value():
        return None
    return value.quantize(Decimal(1).scaleb(-int(places)), rounding=rounding)


@_define("floor", "n", "scale")
def _floor(n: Any, scale: Any = None) -> Any:
    return _rounded(n, scale, decimal.ROUND_FLOOR)


@_define("ceiling", "n", "scale")
def _ceiling(n: Any, scale: Any = None) -> Any:
    return _rounded(n, scale, decimal.ROUND_CEILING)


@_define("round up", "n", "scale")
def _round_up(n: Any, scale: Any = None) -> Any:
    return _rounded(n, scale, decimal.ROUND_UP)


@_define("round down", "n", "scale")
def _round_down(n: Any, scale: Any = None) -> Any:
    return _rounded(n, scale, decimal.ROUND_DOWN)


@_define("round half up", "n", "scale")
def _round_half_up(n: Any, scale: Any = None) -> Any:
    return _rounded(n, scale, decimal.ROUND_HALF_UP)


@_define("round half down", "n", "scale")
def _round_half_down(n: Any, scale: Any = None) -> Any:
    return _rounded(n, scale, decimal.ROUND_HALF_DOWN)


@_define("abs", "n")
def _abs(n: Any) -> Any:
    if isinstance(n, (dt.timedelta, YearsMonths)):
        return abs(n) if isinstance(n, dt.timedelta) else YearsMonths(abs(n.months))
    value = number(n)
    return None if value is None else abs(value)


@_define("modulo", "dividend", "divisor")
def _modulo(a: Any, b: Any) -> Any:
    x, y = number(a), number(b)
    if x is None or y is None or y == 0:
        return None
    return x - y * (x / y).to_integral_value(rounding=decimal.ROUND_FLOOR)


@_define("sqrt", "number")
def _sqrt(n: Any) -> Any:
    value = number(n)
    return None if value is None or value < 0 else value.sqrt()


@_define("odd", "number")
def _odd(n: Any) -> Any:
    value = number(n)
    return None if value is None or value != value.to_integral_value() else int(value) % 2 == 1


@_define("even", "number")
def _even(n: Any) -> Any:
    value = number(n)
    return None if value is None or value != value.to_integral_value() else int(value) % 2 == 0


# ----------------------------------------------------------------------------- lists

@_define("count", "list")
def _count(items: Any) -> Any:
    return Decimal(len(items)) if isinstance(items, list) else None


def _extreme(pick: int) -> Callable[..., Any]:
    def extreme(*args: Any) -> Any:
        items = _items(args)
        if not items:
            return None
        best = items[0]
        for item in items[1:]:
            order = compare(item, best)
            if order is None:
                return None
            if order == pick:
                best = item
        return best
    return extreme


_define("min", "list")(_extreme(-1))
_define("max", "list")(_extreme(1))


@_define("sum", "list")
def _sum(*args: Any) -> Any:
    items = _items(args)
    if items is None or any(number(i) is None for i in items):
        return None
    return sum((Decimal(i) for i in items), Decimal(0)) if items else None


@_define("mean", "list")
def _mean(*args: Any) -> Any:
    total, items = _sum(*args), _items(args)
    return None if total is None or not items else total / len(items)


@_define("all", "list")
def _all(*args: Any) -> Any:
    items = _items(args) or []
    if any(i is False for i in items):
        return False
    return True if all(i is True for i in items) else None


@_define("any", "list")
def _any(*args: Any) -> Any:
    items = _items(args) or []
    if any(i is True for i in items):
        return True
    return False if all(i is False for i in items) else None


@_define("list contains", "list", "element")
def _list_contains(items: Any, element: Any) -> Any:
    return any(equal(i, element) is True for i in items) if isinstance(items, list) else None


@_define("append", "list", "item")
def _append(items: Any, *more: Any) -> Any:
    return [*items, *more] if isinstance(items, list) else None


@_define("concatenate", "list")
def _concatenate(*lists: Any) -> Any:
    return [i for part in lists for i in part] if all(isinstance(p, list) for p in lists) else None


@_define("reverse", "list")
def _reverse(items: Any) -> Any:
    return list(reversed(items)) if isinstance(items, list) else None


@_define("index of", "list", "match")
def _index_of(items: Any, match: Any) -> Any:
    if not isinstance(items, list):
        return None
    return [Decimal(n) for n, i in enumerate(items, 1) if equal(i, match) is True]


@_define("distinct values", "list")
def _distinct(items: Any) -> Any:
    if not isinstance(items, list):
        return None
    kept: list[Any] = []
    for item in items:
        if not any(equal(item, k) is True for k in kept):
            kept.append(item)
    return kept


@_define("flatten", "list")
def _flatten(items: Any) -> Any:
    if not isinstance(items, list):
        return None
    flat: list[Any] = []
    for item in items:
        flat.extend(_flatten(item) if isinstance(item, list) else [item])
    return flat


@_define("get value", "m", "key")
def _get_value(context: Any, key: Any) -> Any:
    return context.get(key) if isinstance(context, dict) and isinstance(key, str) else None
