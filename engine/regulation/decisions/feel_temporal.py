"""FEEL's temporal functions: ``date``, ``time``, ``date and time``, ``duration``,
``years and months duration``, and the properties of temporal values (``date.year``)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from engine.regulation.decisions import feel_registry
from engine.regulation.decisions.feel import FeelError
from engine.regulation.decisions.feel_registry import _define
from engine.regulation.decisions.feel_values import YearsMonths, kind, number

_DURATION = re.compile(r"^(-)?P(?:(\d{1,6})Y)?(?:(\d{1,7})M)?(?:(\d{1,7})D)?"
                       r"(?:T(?:(\d{1,9})H)?(?:(\d{1,11})M)?(?:(\d{1,12}(?:\.\d{1,9})?)S)?)?$")


@_define("date", "from")
def _date(value: Any, month: Any = None, day: Any = None) -> Any:
    if month is not None:
        y, m, d = number(value), number(month), number(day)
        return None if None in (y, m, d) else dt.date(int(y), int(m), int(d))  # type: ignore[arg-type]
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    return None


@_define("time", "from")
def _time(value: Any, minute: Any = None, second: Any = None) -> Any:
    if minute is not None:
        h, m, s = number(value), number(minute), number(second)
        return None if None in (h, m, s) else dt.time(int(h), int(m), int(s))  # type: ignore[arg-type]
    if isinstance(value, dt.datetime):
        return value.timetz()
    if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?", value):
        return dt.time.fromisoformat(value.replace("Z", "+00:00"))
    return None


@_define("date and time", "from")
def _date_and_time(value: Any, time: Any = None) -> Any:
    if time is not None:
        if isinstance(value, dt.date) and isinstance(time, dt.time):
            return dt.datetime.combine(value, time)
        return None
    if isinstance(value, str) and len(value) <= 40 and re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?",
                                                                     value):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return None


@_define("duration", "from")
def _duration(value: Any) -> Any:
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or value in ("P", "-P") or value.endswith("T"):
        return None
    sign, years, months, days, hours, minutes, seconds = match.groups()
    factor = -1 if sign else 1
    if years or months:
        if days or hours or minutes or seconds:
            return None
        return YearsMonths(factor * (int(years or 0) * 12 + int(months or 0)))
    return factor * dt.timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0),
                                 seconds=float(seconds or 0))


@_define("years and months duration", "from", "to")
def _years_and_months(start: Any, end: Any) -> Any:
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        return None
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and end.day < start.day:
        months -= 1
    elif months < 0 and end.day > start.day:
        months += 1
    return YearsMonths(months)


_PROPERTIES = {
    "year": lambda v: v.year, "month": lambda v: v.month, "day": lambda v: v.day,
    "weekday": lambda v: v.isoweekday(), "hour": lambda v: v.hour, "minute": lambda v: v.minute,
    "second": lambda v: v.second,
}


def property_of(value: Any, name: str) -> Any:
    """``date.year``, ``duration.days`` and the like; null for anything else."""
    if isinstance(value, (dt.date, dt.time)) and name in _PROPERTIES:
        try:
            return Decimal(_PROPERTIES[name](value))
        except AttributeError:
            return None
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        parts = {"days": seconds // 86400, "hours": seconds % 86400 // 3600, "minutes": seconds % 3600 // 60,
                 "seconds": seconds % 60}
        return Decimal(parts[name]) if name in parts else None
    if isinstance(value, YearsMonths):
        parts = {"years": int(value.months / 12), "months": value.months - int(value.months / 12) * 12}
        return Decimal(parts[name]) if name in parts else None
    if name == "type" and kind(value) != "other":
        return kind(value)
    return None


def temporal_literal(text: str) -> Any:
    """``@"2026-07-01"``, ``@"10:30:00"``, ``@"2026-07-01T10:30:00"``, ``@"P3D"``: FEEL's at-literals."""
    if text.lstrip("-").startswith("P"):
        kind = "duration"
    elif "T" in text:
        kind = "date and time"
    elif ":" in text:
        kind = "time"
    else:
        kind = "date"
    function = feel_registry.function(kind)
    value = function.call(text) if function is not None else None
    if value is None:
        raise FeelError(f"@{text!r} is not a date, time or duration FEEL can read")
    return value
