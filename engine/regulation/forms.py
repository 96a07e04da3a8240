"""Task forms from ``camunda:formData``: field definitions and validation.

SpiffWorkflow parses form fields as untyped strings and enforces nothing; a
submission is validated here against the field types (string, long, boolean,
date, enum, and Reglament's ``money`` and ``file``, which Camunda Modeler writes as a
custom type) and constraints (required, min, max, minlength, maxlength, readonly,
``required_if``). Errors are reported per field and nothing is stored until all pass.

- ``money``: an amount as people type it (``250 000,50``, ``250000.50``; see
  engine.shared.amounts), read as a Decimal rounded to kopecks, half up, at most
  MAX_MONEY; the field's ``currency`` property names the currency (default RUB). In the
  cycle's data it is the float whose shortest repr is that amount (SpiffWorkflow stores task
  data as JSON without converters; up to 15 significant digits a float's repr round-trips
  exactly; a whole amount is an int), so conditions compare it as a number and the safe evaluator does its arithmetic
  in Decimal from that repr; readers take ``Decimal(repr(value))`` (see ``money_value``).
- ``file``: an upload (``Upload``) bounded by MAX_FILE_BYTES and by its kind (FILE_SUFFIXES,
  or the field's ``accept`` property, like ``.pdf,.docx``); once stored it is a ``FileRef``.
- ``required_if`` (config ``other`` or ``other=value[,value...]``): the field is required
  when the other field of the form has a value (one of those values).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from engine.shared import amounts
from engine.shared.amounts import AmountInvalid, parse_amount
from engine.shared.errors import FormInvalid

MAX_TEXT = 10_000
#: a file field's upload at most (the request body is limited to 8 MiB)
MAX_FILE_BYTES = 5 * 1024 * 1024
#: the kinds of file a file field takes unless its ``accept`` property narrows them
FILE_SUFFIXES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".rtf", ".txt", ".csv",
                 ".png", ".jpg", ".jpeg", ".zip")
MAX_FILE_NAME = 200
#: the largest amount a money field takes (15 significant digits: exact as the float it is stored as)
MAX_MONEY = Decimal("999999999999.99")
_WHOLE = re.compile(r"[+-]?[0-9]{1,19}")
_TRUE = {"true", "on", "1", "yes"}
_FALSE = {"false", "off", "0", "no", ""}


class FieldError(ValueError):
    """One field's problem: a code and parameters for translation, and an English message."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.params = code, message, params


@dataclass(frozen=True)
class Upload:
    """A file sent for a ``file`` field, not stored yet."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


class FileRef(dict[str, Any]):
    """A stored file as a cycle variable: ``{"file_id", "name", "size"}``. Only the engine makes
    one (after storing the upload), so a JSON submission cannot point a field at a file."""

    @classmethod
    def of(cls, file_id: int, name: str, size: int) -> FileRef:
        return cls(file_id=file_id, name=name, size=size)


@dataclass(frozen=True)
class RequiredIf:
    """``required_if``: required when ``other`` has a value (one of ``values``, when given)."""

    other: str
    values: tuple[str, ...] = ()

    @classmethod
    def parse(cls, config: str | None) -> RequiredIf | None:
        other, _, listed = (config or "").partition("=")
        if not other.strip():
            return None
        return cls(other.strip(), tuple(v.strip() for v in listed.split(",") if v.strip()))

    def applies(self, value: Any) -> bool:
        if value is None or value is False or (isinstance(value, str) and not value.strip()):
            return False
        return not self.values or str(value).strip().lower() in {v.lower() for v in self.values} or (
            value is True and "true" in {v.lower() for v in self.values})


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
    required_if: RequiredIf | None = None
    currency: str | None = None  # money fields: RUB unless the ``currency`` property says otherwise
    accept: tuple[str, ...] = ()  # file fields: the suffixes taken (FILE_SUFFIXES when empty)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "type": self.type, "required": self.required,
            "readonly": self.readonly, "min": self.min, "max": self.max,
            "minlength": self.minlength, "maxlength": self.maxlength, "default": self.default,
            "options": [{"id": k, "name": v} for k, v in self.options],
            "required_if": ({"field": self.required_if.other, "values": list(self.required_if.values)}
                            if self.required_if else None),
            "currency": self.currency, "accept": list(self.accept_suffixes) if self.type == "file" else None,
        }

    @property
    def accept_suffixes(self) -> tuple[str, ...]:
        return self.accept or FILE_SUFFIXES


def fields_of(task_spec: Any) -> list[FormField]:
    """Form fields of a SpiffWorkflow Camunda user task spec (empty for other tasks)."""
    form = getattr(task_spec, "form", None)
    if form is None:
        return []
    out = []
    for f in form.fields:
        checks = {v.name: v.config for v in f.validation}
        props = {p.id: p.value for p in getattr(f, "properties", [])}
        ftype = f.type or "string"
        out.append(FormField(
            id=f.id,
            label=f.label or f.id,
            type=ftype,
            required="required" in checks,
            readonly="readonly" in checks,
            min=_number(checks.get("min")),
            max=_number(checks.get("max")),
            minlength=_int(checks.get("minlength")),
            maxlength=_int(checks.get("maxlength")),
            default=f.default_value or None,
            options=tuple((o.id, o.name or o.id) for o in getattr(f, "options", [])),
            required_if=RequiredIf.parse(checks.get("required_if")),
            currency=((props.get("currency") or "RUB").strip().upper()[:3] if ftype == "money" else None),
            accept=_suffixes(props.get("accept")) if ftype == "file" else (),
        ))
    return out


def _suffixes(value: str | None) -> tuple[str, ...]:
    found = ("." + s.strip().lower().lstrip(".") for s in (value or "").split(","))
    return tuple(s for s in found if len(s) > 1)


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
            value = _coerce(f, raw)
        except FieldError as exc:
            errors[f.id] = exc
            continue
        if value is not None or f.type != "file":  # no file sent: no variable (a file sent before stays)
            values[f.id] = value
    by_id = {f.id: f for f in fields}
    for f in fields:
        rule = f.required_if
        if rule is None or f.id in errors or f.readonly or values.get(f.id) is not None:
            continue
        other = by_id.get(rule.other)
        if rule.applies(values.get(rule.other) if other else (current or {}).get(rule.other)):
            label = other.label if other else rule.other
            errors[f.id] = FieldError(
                "required_if", f"is required when {label} is {_shown(values.get(rule.other), other)}",
                field=label, value=_shown(values.get(rule.other), other))
    if errors:
        raise FormInvalid({k: e.message for k, e in errors.items()},
                          {k: (e.code, e.params) for k, e in errors.items()})
    return values


def _shown(value: Any, other: FormField | None) -> str:
    """The other field's value as its form shows it (an enum option's name)."""
    names = dict(other.options) if other else {}
    return str(names.get(str(value), value))


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
    if _blank(raw) or (f.type == "file" and isinstance(raw, Upload) and not raw.filename and not raw.data):
        if f.required:
            raise FieldError("required", "is required")
        return None
    if f.type == "money":
        return _money(f, raw)
    if f.type == "file":
        return _file(f, raw)
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


def money_value(value: Any) -> Decimal | None:
    """A money field's stored value as the Decimal that was typed (None when it is not one)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value))
    except ArithmeticError:
        return None
    return number.quantize(amounts.CENT) if number.is_finite() else None


def _money(f: FormField, raw: Any) -> int | float:
    if isinstance(raw, float):  # JSON numbers: as written, never through binary fractions
        raw = repr(raw)
    try:
        value = parse_amount(raw, allow_negative=f.min is not None)  # then the min's own message
    except AmountInvalid as exc:
        raise FieldError(_MONEY_CODES.get(exc.message, "money"), exc.message) from None
    if f.min is not None and value < Decimal(str(f.min)):
        raise FieldError("min", f"must be at least {_fmt(f.min)}", limit=_fmt(f.min))
    if f.max is not None and value > Decimal(str(f.max)):
        raise FieldError("max", f"must be at most {_fmt(f.max)}", limit=_fmt(f.max))
    if abs(value) > MAX_MONEY:
        raise FieldError("max", f"must be at most {MAX_MONEY}", limit=str(MAX_MONEY))
    return int(value) if value == value.to_integral_value() else float(value)  # 500000 stays a whole number


_MONEY_CODES = {amounts.NOT_AN_AMOUNT: "money", amounts.NEGATIVE: "money_negative",
                amounts.TOO_LARGE: "too_large", amounts.AMBIGUOUS: "money_ambiguous"}


def _file(f: FormField, raw: Any) -> Upload | FileRef:
    if isinstance(raw, FileRef):
        return raw
    if not isinstance(raw, Upload):
        raise FieldError("file", "must be a file sent with the form")
    name = raw.filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or len(name) > MAX_FILE_NAME:
        raise FieldError("file_name", f"needs a file name of at most {MAX_FILE_NAME} characters",
                         limit=MAX_FILE_NAME)
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in f.accept_suffixes:
        raise FieldError("file_type", f"must be a file of type {', '.join(f.accept_suffixes)}",
                         allowed=", ".join(f.accept_suffixes))
    if len(raw.data) > MAX_FILE_BYTES:
        raise FieldError("file_size", f"must be at most {MAX_FILE_BYTES // (1024 * 1024)} MB",
                         limit=MAX_FILE_BYTES // (1024 * 1024))
    if not raw.data:
        raise FieldError("file_empty", "is an empty file")
    return Upload(name, raw.data, raw.content_type)
