"""The engine's error hierarchy; ``web`` translates it to HTTP in one place."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.shared.notices import Notice, Noticed, render


class ReglamentError(Noticed):
    code = "error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a diagram, named by element."""

    element_id: str | None
    message: str
    line: int | None = None
    element_name: str | None = None
    code: str | None = None  # with ``params``: the message in any language (engine.shared.notices)
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def coded(cls, element_id: str | None, code: str, params: Mapping[str, Any] | None = None,
              line: int | None = None, element_name: str | None = None) -> Problem:
        notice = Notice(code, dict(params or {}))
        return cls(element_id, notice.text, line, element_name, code, notice.as_dict()["params"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "element_id": self.element_id,
            "element_name": self.element_name,
            "message": self.message,
            "line": self.line,
            "code": self.code,
            "params": dict(self.params),
        }

    def rendered(self, translate: Callable[[str], str], show: Callable[[Any], str] = str) -> str:
        """The message in the reader's language (``translate``: gettext) where it has a code."""
        if not self.code:
            return self.message
        return render(self.code, self.params, translate=translate, show=show, fallback=self.message)

    def __str__(self) -> str:
        where = self.element_id or "document"
        if self.element_name:
            where = f"{where} ({self.element_name})"
        if self.line:
            where = f"{where}, line {self.line}"
        return f"{where}: {self.message}"


class RegulationInvalid(ReglamentError):
    code = "regulation_invalid"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        text = "; ".join(str(p) for p in problems)
        super().__init__(
            f"The regulation cannot be deployed: {text}",
            {"problems": [p.as_dict() for p in problems]},
        )


class NotFound(ReglamentError):
    code = "not_found"


class Forbidden(ReglamentError):
    code = "forbidden"


class Unauthenticated(ReglamentError):
    code = "unauthenticated"


class TaskNotActionable(ReglamentError):
    """The task is no longer open (completed, cancelled) or the cycle is not active."""

    code = "task_not_open"


class ConcurrentChange(ReglamentError):
    code = "concurrent_change"


class FormInvalid(ReglamentError):
    code = "form_invalid"

    def __init__(self, field_errors: dict[str, str],
                 codes: dict[str, tuple[str, dict[str, Any]]] | None = None) -> None:
        self.field_errors = field_errors
        #: per field: (code, parameters), for the UI to translate
        self.codes = codes or {}
        super().__init__(
            "Some values are not valid: " + "; ".join(f"{k}: {v}" for k, v in field_errors.items()),
            {"fields": field_errors,
             "codes": {name: {"code": code, **params} for name, (code, params) in self.codes.items()}},
        )


class InputInvalid(ReglamentError):
    """Bad input to a command other than a task form (missing client name, unknown group...).

    Per-field problems travel in ``details``: ``fields`` (English text, for the API and logs) and
    ``codes`` (per field ``{"code": ..., **parameters}``, for the UI's translation table)."""

    code = "invalid"


@dataclass
class FieldProblems:
    """The one convention for per-field problems: a code and its parameters for the UI to translate
    (``web/i18n.py`` renders every code in one table), English text for the API and logs."""

    text: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, name: str, code: str, text: str, **params: Any) -> None:
        """Record the first problem of a field (later ones for the same field are dropped)."""
        if name not in self.text:
            self.text[name] = text
            self.codes[name] = {"code": code, **params}

    def __bool__(self) -> bool:
        return bool(self.text)

    def details(self) -> dict[str, Any]:
        return {"fields": dict(self.text), "codes": dict(self.codes)}

    def raise_if_any(self, what: str) -> None:
        if self.text:
            raise InputInvalid(f"{what}: " + "; ".join(f"{k} {v}" for k, v in self.text.items()), self.details())


class DuplicateClient(ReglamentError):
    """A new client looks like existing ones; ``details["duplicates"]`` lists them with reasons.
    Sent again with "create anyway" it is created all the same."""

    code = "duplicate_client"


class ClientMerged(NotFound):
    """The client was merged into another; ``details["merged_into_id"]`` names the survivor."""

    code = "client_merged"


class ExpressionError(ReglamentError):
    code = "expression_error"


class DmnError(InputInvalid):
    """A decision table that cannot be loaded or evaluated; the message names the table, and
    where known the rule, the input and the cell text (also in ``details``)."""

    code = "dmn_invalid"
