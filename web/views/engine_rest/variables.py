"""Camunda 7's variable format, both ways: {"name": {"value": ..., "type": "String", "valueInfo": {}}}.

Types read: String, Boolean, Integer, Short, Long, Double, Json (a JSON text or a value), Date
(``yyyy-MM-dd'T'HH:mm:ss.SSSZ`` or ISO 8601, kept as ISO 8601 text), Null; without a type the
JSON value is taken as it is (what the Python client sends). Object, File, Bytes and Xml are
refused by name: a cycle's variables are JSON.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from engine.shared.errors import InputInvalid

INT32 = 2**31 - 1
MAX_JSON_TEXT = 64 * 1024


def _date(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InputInvalid(f"variable {name!r}: a Date is a text like 2026-12-03T10:00:00.000+0000")
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, fmt).isoformat()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        raise InputInvalid(f"variable {name!r}: {value!r} is not a date like 2026-12-03T10:00:00.000+0000") from None


def _one(name: str, spec: Any) -> Any:
    if not isinstance(spec, dict) or "value" not in spec and spec.get("type") not in ("Null", "null"):
        raise InputInvalid(f"variable {name!r} must be an object like {{\"value\": ..., \"type\": \"String\"}}")
    value, kind = spec.get("value"), str(spec.get("type") or "").lower()
    if not kind or value is None and kind != "json":
        return value
    if kind == "string":
        if not isinstance(value, str):
            raise InputInvalid(f"variable {name!r}: a String value must be text")
        return value
    if kind == "boolean":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise InputInvalid(f"variable {name!r}: a Boolean value must be true or false")
        return value
    if kind in ("integer", "short", "long"):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) <= 20:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputInvalid(f"variable {name!r}: a {spec.get('type')} value must be a whole number")
        return value
    if kind == "double":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputInvalid(f"variable {name!r}: a Double value must be a number")
        return float(value)
    if kind == "json":
        if isinstance(value, str):
            if len(value) > MAX_JSON_TEXT:
                raise InputInvalid(f"variable {name!r}: the Json text is longer than {MAX_JSON_TEXT:,} characters")
            try:
                return json.loads(value)
            except ValueError:
                raise InputInvalid(f"variable {name!r}: the Json value is not valid JSON") from None
        return value
    if kind == "date":
        return _date(name, value)
    if kind == "null":
        return None
    raise InputInvalid(f"variable {name!r} has type {spec.get('type')!r}; supported are String, Boolean, Integer, "
                       "Short, Long, Double, Json, Date and Null (cycle variables are JSON, never Java objects)")


def read(variables: Any, what: str = "variables") -> dict[str, Any]:
    """Camunda's variables as plain values (InputInvalid naming the variable and what is wrong)."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise InputInvalid(f"{what} must be an object of name: {{\"value\", \"type\"}}")
    return {str(name): _one(str(name), spec) for name, spec in variables.items()}


def typed(value: Any) -> dict[str, Any]:
    """A plain value as Camunda writes it."""
    if value is None:
        return {"type": "Null", "value": None, "valueInfo": {}}
    if isinstance(value, bool):
        return {"type": "Boolean", "value": value, "valueInfo": {}}
    if isinstance(value, int):
        return {"type": "Integer" if abs(value) <= INT32 else "Long", "value": value, "valueInfo": {}}
    if isinstance(value, float):
        return {"type": "Double", "value": value, "valueInfo": {}}
    if isinstance(value, str):
        return {"type": "String", "value": value, "valueInfo": {}}
    return {"type": "Json", "value": json.dumps(value, default=str), "valueInfo": {}}


def write(variables: dict[str, Any]) -> dict[str, Any]:
    return {name: typed(value) for name, value in variables.items()}


def moment(value: datetime | None) -> str | None:
    """Camunda's date format: 2026-12-03T10:00:00.000+0000."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"
