"""Task forms from ``camunda:formData``: field definitions and validation.

SpiffWorkflow parses form fields as untyped strings and enforces nothing; a
submission is validated here against the field types (string, long, boolean,
date, enum) and constraints (required, min, max, minlength, maxlength,
readonly). Errors are reported per field and nothing is stored until all pass.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engine.shared.errors import FormInvalid

MAX_TEXT = 10_000
_WHOLE = re.compile(r"[+-]?[0-9]{1,19}")
_TRUE = {"true", "on", "1", "yes"}
_FALSE = {"false", "off", "0", "no", ""}


class FieldError(ValueError):
    """One field's problem: a code and parameters for translation, and an English message."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.params = code, message, params


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    type: str = "string"
    required: bool = False
    readonly: bool = False
    min: float | None = None
    max: float | None = None
    minlength: int | None = None
    maxlength: int | None = None
    default: str | None = None
    options: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "type": self.type, "required": self.required,
            "readonly": self.readonly, "min": self.min, "max": self.max,
            "minlength": self.minlength, "maxlength": self.maxlength, "default": self.default,
            "options": [{"id": k, "name": v} for k, v in self.options],
        }


def fields_of(task_spec: Any) -> list[FormField]:
    """Form fields of a SpiffWorkflow Camunda user task spec (empty for other tasks)."""
    form = getattr(task_spec, "form", None)
    if form is None:
        return []
    out = []
    for f in form.fields:
        checks = {v.name: v.config for v in f.validation}
        out.append(FormField(
            id=f.id,
            label=f.label or f.id,
            type=f.type or "string",
            required="required" in checks,
            readonly="readonly" in checks,
            min=_number(checks.get("min")),
            max=_number(checks.get("max")),
            minlength=_int(checks.get("minlength")),
            maxlength=_int(checks.get("maxlength")),
            default=f.default_value or None,
            options=tuple((o.id, o.name or o.id) for o in getattr(f, "options", [])),
        ))
    return out


def _number(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None


def _int(value: str | None) -> int | None:
    return int(float(value)) if value not in (None, "") else None


def validate(fields: list[FormField], submitted: Mapping[str, Any],
             current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Typed values for every field, or FormInvalid with one message per bad field.

    ``current`` holds the cycle's variables: a read-only field keeps its value.
    Keys that are not fields of the form are refused, so a submission cannot set
    other cycle variables (such as ``owner``).
    """
    errors: dict[str, FieldError] = {}
    values: dict[str, Any] = {}
    known = {f.id for f in fields}
    for key in submitted:
        if key not in known:
            errors[key] = FieldError("unknown", "is not a field of this form")
    for f in fields:
        if f.readonly:
            values[f.id] = (current or {}).get(f.id, _parse_default(f))
            continue
        raw = submitted.get(f.id)
        try:
            values[f.id] = _coerce(f, raw)
        except FieldError as exc:
            errors[f.id] = exc
    if errors:
        raise FormInvalid({k: e.message for k, e in errors.items()},
                          {k: (e.code, e.params) for k, e in errors.items()})
    return values


def _parse_default(f: FormField) -> Any:
    if f.default is None:
        return None
    try:
        return _coerce(f, f.default)
    except FieldError:
        return None


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _coerce(f: FormField, raw: Any) -> Any:
    if f.type == "boolean":
        return _boolean(raw)
    if _blank(raw):
        if f.required:
            raise FieldError("required", "is required")
        return None
    if f.type == "long":
        value = _long(raw)
        if f.min is not None and value < f.min:
            raise FieldError("min", f"must be at least {_fmt(f.min)}", limit=_fmt(f.min))
        if f.max is not None and value > f.max:
            raise FieldError("max", f"must be at most {_fmt(f.max)}", limit=_fmt(f.max))
        return value
    if f.type == "date":
        return _date(raw)
    if f.type == "enum":
        allowed = [k for k, _ in f.options]
        if not isinstance(raw, str) or raw not in allowed:
            raise FieldError("enum", f"must be one of: {', '.join(allowed)}", allowed=", ".join(allowed))
        return raw
    if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
        raise FieldError("text", "must be text")
    text = str(raw).strip()
    limit = f.maxlength if f.maxlength is not None else MAX_TEXT
    if f.minlength is not None and len(text) < f.minlength:
        raise FieldError("minlength", f"must be at least {f.minlength} characters", limit=f.minlength)
    if len(text) > limit:
        raise FieldError("maxlength", f"must be at most {limit} characters", limit=limit)
    return text


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _boolean(raw: Any) -> bool:
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _TRUE:
        return True
    if isinstance(raw, str) and raw.strip().lower() in _FALSE:
        return False
    raise FieldError("boolean", "must be true or false")


def _long(raw: Any) -> int:
    if isinstance(raw, bool):
        raise FieldError("long", "must be a whole number")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    elif isinstance(raw, str):
        text = raw.strip().replace(" ", "").replace("\u00a0", "")
        if not _WHOLE.fullmatch(text):
            raise FieldError("long", "must be a whole number")
        value = int(text)
    else:
        raise FieldError("long", "must be a whole number")
    if abs(value) > 2**63 - 1:
        raise FieldError("too_large", "is too large")
    return value


def _date(raw: Any) -> str:
    if not isinstance(raw, str):
        raise FieldError("date", "must be a date (YYYY-MM-DD)")
    text = raw.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        raise FieldError("date", "must be a date (YYYY-MM-DD)") from None
