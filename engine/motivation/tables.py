"""Decision tables as the payout calculation sees them: inputs in, one number (and the row
that said so) out. Schemes use DMN tables (engine.motivation.scheme_terms); ``Tiers`` is a
plain-Python tier table for tests and defaults."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from engine.motivation.money import PayoutError


class TableFailed(PayoutError):
    """A decision table gave no answer (no matching rule, a bad cell): names table and inputs."""

    code = "decision_table_failed"


@dataclass(frozen=True)
class Hit:
    """What a decision table answered, and which row said so."""

    table: str
    value: Decimal
    rule: str | None = None  # the rule's number (1-based) or id
    annotation: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    condition: str | None = None  # the row's test in words: "attainment in [1..1.2)"

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "value": str(self.value), "rule": self.rule,
                "annotation": self.annotation, "condition": self.condition,
                "inputs": {k: json_value(v) for k, v in self.inputs.items()}}


class Table(Protocol):
    """A decision table as the calculation sees it: inputs in, one number (and its row) out.
    Raises TableFailed (or any error, which becomes one) when no rule matches."""

    @property
    def name(self) -> str: ...

    def __call__(self, inputs: Mapping[str, Any]) -> Hit: ...

    def thresholds(self) -> Sequence[Decimal]:
        """Numbers at which the answer may change (tier boundaries); may be empty."""
        ...


@dataclass(frozen=True)
class Tiers:
    """A tier table in plain Python: the value of the highest tier whose lower bound
    (inclusive) the input reaches. Tests and defaults use it; schemes use DMN tables."""

    name: str
    input: str
    tiers: tuple[tuple[Decimal, Decimal, str], ...]  # (from, value, annotation), ascending

    def __call__(self, inputs: Mapping[str, Any]) -> Hit:
        value = inputs.get(self.input)
        chosen = None
        if value is not None:
            for number, (lower, result, note) in enumerate(self.tiers, start=1):
                if Decimal(str(value)) >= lower:
                    chosen = (number, result, note)
        if chosen is None:
            raise TableFailed(f"decision table {self.name!r}: no rule matches {self.input}={value}",
                              {"table": self.name, "inputs": {self.input: json_value(value)}})
        return Hit(self.name, chosen[1], str(chosen[0]), chosen[2], {self.input: value},
                   condition=f"{self.input} >= {self.tiers[chosen[0] - 1][0]}")

    def thresholds(self) -> Sequence[Decimal]:
        return [lower for lower, _, _ in self.tiers]


def lookup(table: Table, inputs: Mapping[str, Any]) -> Hit:
    """Ask a table; whatever goes wrong becomes a TableFailed naming the table and the inputs."""
    try:
        return table(inputs)
    except TableFailed:
        raise
    except Exception as exc:
        shown = {k: json_value(v) for k, v in inputs.items()}
        text = str(getattr(exc, "message", None) or exc)
        if table.name not in text:
            text = f"decision table {table.name!r} failed for {shown}: {text}"
        raise TableFailed(text, {"table": table.name, "inputs": shown}) from None


def json_value(value: Any) -> Any:
    """A figure as JSON keeps it: Decimals as their text."""
    if isinstance(value, Decimal):
        return str(value)
    return value
