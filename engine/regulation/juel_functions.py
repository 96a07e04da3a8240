"""The pure functions and methods JUEL expressions may call, as plain Python functions.

``juel`` translates ``x.equals('y')`` to ``_juel_equals(x, 'y')`` and ``empty x`` to
``_juel_empty(x)``; the evaluator is given these functions by name. The date functions
(``now()``, ``dateTime()`` and its ``plusDays(n)``... ``toDate()``) read the engine clock
(engine/shared/clock), so a cycle's due dates and timers follow the clock of its command.
Every function is pure apart from the clock, bounded, and refuses a receiver of the wrong type.
"""
from __future__ import annotations

import calendar
from collections.abc import Callable, Sized
from datetime import date, datetime, timedelta
from typing import Any

from engine.regulation import bounds
from engine.shared import clock

PREFIX = "_juel_"
EMPTY = f"{PREFIX}empty"
TEXT = f"{PREFIX}text"
#: the name under which the evaluator holds the cycle's variables, for ``execution.getVariable('x')``
VARIABLES = f"{PREFIX}variables"
#: the largest step a date may move by in one call (days, hours... as written)
MAX_DATE_STEP = 100_000


def method_name(name: str) -> str:
    return f"{PREFIX}{name}"


def empty(value: Any) -> bool:
    """JUEL ``empty``: null, an empty text, collection or map."""
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, dict, set)):
        return len(value) == 0
    return False


def text(value: Any) -> str:
    """A value in a mixed text (``sales_${region}``), as JUEL writes it: null is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if not isinstance(value, str):
        bounds.check_size(value, "a value in a text")
    return str(value)


def _string(value: Any, method: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{method}() applies to a text, not to {type(value).__name__}")
    return value


def _moment(value: Any, method: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=clock.now().tzinfo)
    raise TypeError(f"{method}() applies to a date, not to {type(value).__name__}")


def _step(amount: Any, method: str) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"{method}() takes a whole number, not {type(amount).__name__}")
    if abs(amount) > MAX_DATE_STEP:
        raise ValueError(f"{method}({amount}) moves the date too far; the limit is {MAX_DATE_STEP:,}")
    return amount


def _plus_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _shift(unit: str, sign: int) -> Callable[[Any, Any], datetime]:
    method = f"{'plus' if sign > 0 else 'minus'}{unit.capitalize()}"

    def shift(value: Any, amount: Any) -> datetime:
        moment, n = _moment(value, method), sign * _step(amount, method)
        if unit == "months":
            return _plus_months(moment, n)
        if unit == "years":
            return _plus_months(moment, 12 * n)
        return moment + timedelta(**{unit: n})

    return shift


def _length(value: Any) -> int:
    if isinstance(value, (str, list, tuple, dict)):
        return len(value)
    raise TypeError(f"length() applies to a text, not to {type(value).__name__}")


def _contains(value: Any, item: Any) -> bool:
    if isinstance(value, str):
        return _string(item, "contains") in value
    if isinstance(value, (list, tuple, dict, set)):
        return item in value
    raise TypeError(f"contains() applies to a text or a list, not to {type(value).__name__}")


def _size(value: Any) -> int:
    if isinstance(value, Sized) and not isinstance(value, (bytes, bytearray)):
        return len(value)
    raise TypeError(f"size() applies to a list or a map, not to {type(value).__name__}")


def _substring(value: Any, begin: Any, end: Any = None) -> str:
    """Java's ``substring(begin[, end])``: positions within the text, else an error as in Java."""
    text_value = _string(value, "substring")
    stop = len(text_value) if end is None else end
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (begin, stop)) \
            or not 0 <= begin <= stop <= len(text_value):
        raise ValueError(f"substring({begin}, {stop}) is outside a text of {len(text_value)} characters")
    return text_value[begin:stop]


def _prop(value: Any, name: Any) -> Any:
    """Camunda Spin's ``json.prop('name')``: the member of a JSON object (variables are JSON here)."""
    if not isinstance(value, dict):
        raise TypeError(f"prop() applies to a JSON object, not to {type(value).__name__}")
    return value.get(name)


def _typed(kind: type | tuple[type, ...], method: str) -> Callable[[Any], Any]:
    """Spin's ``numberValue()``, ``stringValue()``, ``boolValue()``, ``elements()``: the value itself."""
    def read(value: Any) -> Any:
        if not isinstance(value, kind) or (method == "numberValue" and isinstance(value, bool)):
            raise TypeError(f"{method}() applies to a JSON {method[:-5] or 'list'}, not to {type(value).__name__}")
        return value

    return read


def _equals_ignore_case(value: Any, other: Any) -> bool:
    return isinstance(value, str) and isinstance(other, str) and value.casefold() == other.casefold()


#: method name -> function of (receiver, *arguments)
METHODS: dict[str, Callable[..., Any]] = {
    "equals": lambda value, other: value == other,
    "equalsIgnoreCase": _equals_ignore_case,
    "contains": _contains,
    "startsWith": lambda value, prefix: _string(value, "startsWith").startswith(_string(prefix, "startsWith")),
    "endsWith": lambda value, suffix: _string(value, "endsWith").endswith(_string(suffix, "endsWith")),
    "toUpperCase": lambda value: _string(value, "toUpperCase").upper(),
    "toLowerCase": lambda value: _string(value, "toLowerCase").lower(),
    "trim": lambda value: _string(value, "trim").strip(),
    "concat": lambda value, other: _string(value, "concat") + _string(other, "concat"),
    "substring": _substring,
    "indexOf": lambda value, part: _string(value, "indexOf").find(_string(part, "indexOf")),
    "toString": text,
    "length": _length,
    "isEmpty": lambda value: _length(value) == 0,
    "size": _size,
    "toDate": lambda value: _moment(value, "toDate"),
    "prop": _prop,
    "numberValue": _typed((int, float), "numberValue"),
    "stringValue": _typed(str, "stringValue"),
    "boolValue": _typed(bool, "boolValue"),
    "elements": _typed(list, "elements"),
    **{f"{verb}{unit.capitalize()}": _shift(unit, sign)
       for verb, sign in (("plus", 1), ("minus", -1))
       for unit in ("minutes", "hours", "days", "weeks", "months", "years")},
}


def now() -> datetime:
    """``now()``: the engine clock's time."""
    return clock.now()


#: what the evaluator is given besides its own functions: the methods under their prefixed
#: names, ``empty``, the text coercion of mixed values, and the date functions by their JUEL names
FUNCTIONS: dict[str, Callable[..., Any]] = {
    **{method_name(name): function for name, function in METHODS.items()},
    EMPTY: empty, TEXT: text, "now": now, "dateTime": now,
}
