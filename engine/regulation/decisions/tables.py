"""Decision tables: the model of a DMN table (inputs, outputs, rules, hit policy) and its
evaluation with Decimal arithmetic; ``dmn`` loads and checks them from DMN XML."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.regulation import expressions
from engine.regulation.decisions import feel, feel_eval
from engine.shared.errors import DmnError, ExpressionError

DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",  # 1.1
    "http://www.omg.org/spec/DMN/20180521/MODEL/",   # 1.2
    "https://www.omg.org/spec/DMN/20191111/MODEL/",  # 1.3
    "https://www.omg.org/spec/DMN/20211108/MODEL/",  # 1.4
    "https://www.omg.org/spec/DMN/20230324/MODEL/",  # 1.5
)
HIT_POLICIES = ("UNIQUE", "FIRST", "ANY", "PRIORITY", "COLLECT", "RULE ORDER", "OUTPUT ORDER")
SINGLE = ("UNIQUE", "FIRST", "ANY", "PRIORITY")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
NUMBER_TYPES = frozenset({"number", "integer", "long", "double", "decimal", "int", "float", "short"})
TYPES = {**dict.fromkeys(NUMBER_TYPES, "number"), "string": "string", "boolean": "boolean"}
MAX_RULES = 5000
MAX_COLUMNS = 100
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")


# ----------------------------------------------------------------------------- model

@dataclass(frozen=True)
class Input:
    number: int
    id: str | None
    label: str
    expression: str
    type_ref: str | None
    #: the variables the expression reads
    names: frozenset[str]
    #: the FEEL tree, when the expression is FEEL rather than the safe evaluator's language
    tree: Any = None

    @property
    def kind(self) -> str | None:
        return TYPES.get((self.type_ref or "").lower())


@dataclass(frozen=True)
class Output:
    number: int
    id: str | None
    name: str
    label: str
    type_ref: str | None
    #: the output's allowed values in priority order (PRIORITY, OUTPUT ORDER)
    priorities: tuple[Any, ...] = ()

    @property
    def kind(self) -> str | None:
        return TYPES.get((self.type_ref or "").lower())


@dataclass(frozen=True)
class OutputEntry:
    id: str | None
    text: str
    is_literal: bool
    value: Any = None
    #: the FEEL tree, when the entry is a FEEL expression
    tree: Any = None


@dataclass(frozen=True)
class Rule:
    number: int
    id: str | None
    annotation: str
    tests: tuple[feel.UnaryTests, ...]
    entries: tuple[OutputEntry, ...]
    test_ids: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Match:
    """One rule that matched, with what it gave and why."""

    rule: int
    rule_id: str | None
    annotation: str
    outputs: dict[str, Any]
    #: "attainment in [1..1.2)" (or "any" when every input entry is "-")
    condition: str

    def explain(self, table: str) -> str:
        given = ", ".join(f"{name} {feel.show(value)}" for name, value in self.outputs.items())
        text = f"table {table}, rule {self.rule}: {self.condition} → {given}"
        return f"{text} ({self.annotation})" if self.annotation else text


@dataclass(frozen=True)
class Result:
    table: str
    hit_policy: str
    aggregation: str | None
    #: the evaluated input values, by input expression
    inputs: dict[str, Any]
    #: a dict of output name -> value; a list of them for COLLECT, RULE ORDER and OUTPUT
    #: ORDER without aggregation
    outputs: dict[str, Any] | list[dict[str, Any]]
    matches: tuple[Match, ...]

    @property
    def rules(self) -> tuple[int, ...]:
        """The numbers (1-based) of the rules that matched, in rule order."""
        return tuple(sorted(m.rule for m in self.matches))

    @property
    def rule_ids(self) -> tuple[str | None, ...]:
        return tuple(m.rule_id for m in sorted(self.matches, key=lambda m: m.rule))

    @property
    def annotations(self) -> tuple[str, ...]:
        return tuple(m.annotation for m in sorted(self.matches, key=lambda m: m.rule))

    @property
    def value(self) -> Any:
        """The only output's value of a single result (or aggregation); else the outputs."""
        if isinstance(self.outputs, dict) and len(self.outputs) == 1:
            return next(iter(self.outputs.values()))
        return self.outputs

    def explain(self) -> str:
        """``table commission_rate, rule 4: attainment in [1..1.2) → rate 0.07 (...)``; one
        line per rule that decided the result."""
        if not self.matches:
            return f"table {self.table}: no rule matches {_inputs_text(self.inputs)}"
        lines = [m.explain(self.table) for m in self.matches]
        if self.aggregation:
            lines.append(f"table {self.table}: {self.aggregation} → {feel.show(self.value)}")
        return "\n".join(lines)


def _inputs_text(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={feel.show(value)}" for name, value in values.items()) or "no inputs"


def _rules_text(numbers: list[int]) -> str:
    if len(numbers) == 2:
        return f"rules {numbers[0]} and {numbers[1]} both"
    return f"rules {', '.join(str(n) for n in numbers[:-1])} and {numbers[-1]} all"


@dataclass(frozen=True)
class DecisionTable:
    name: str
    decision_id: str | None
    decision_name: str
    hit_policy: str
    aggregation: str | None
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]
    rules: tuple[Rule, ...]

    @property
    def variables(self) -> tuple[str, ...]:
        """Every variable the table reads, in input order."""
        seen: dict[str, None] = {}
        for inp in self.inputs:
            for name in sorted(inp.names):
                seen.setdefault(name, None)
        return tuple(seen)

    def error(self, message: str, **details: Any) -> DmnError:
        return DmnError(f"table {self.name}: {message}", {"table": self.name, **details})

    # -- evaluation
    def evaluate(self, inputs: Mapping[str, Any], strict: bool = True) -> Result:
        """Apply the table; DmnError names a missing input, no match, an ambiguous match.

        ``strict=False`` is the DMN standard's reading: no matching rule gives no outputs
        (null) instead of an error, and a value a test cannot compare matches nothing."""
        variables = self._variables(inputs)
        values = {inp.expression: self._input_value(inp, variables) for inp in self.inputs}
        matched = [rule for rule in self.rules if self._matches(rule, values, strict)]
        if self.hit_policy in SINGLE:
            if not matched and not strict:
                return Result(self.name, self.hit_policy, None, values, {}, ())
            return self._single(matched, values, variables)
        return self._multiple(matched, values, variables)

    def _variables(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return {str(k): feel.normalize(v) for k, v in inputs.items()}
        except feel.FeelError as exc:
            raise self.error(f"input {exc.message}") from None

    def _input_value(self, inp: Input, variables: dict[str, Any]) -> Any:
        return _typed(inp, self._raw_input_value(inp, variables))

    def _raw_input_value(self, inp: Input, variables: dict[str, Any]) -> Any:
        missing = sorted(inp.names - variables.keys())
        if missing:
            raise self.error(f"missing input {', '.join(missing)}"
                             + ("" if inp.expression in missing else f" (for input {inp.expression})"),
                             input=inp.number, missing=missing)
        if inp.expression in variables:
            return variables[inp.expression]
        if inp.tree is not None:
            try:
                return feel.normalize(feel_eval.run(inp.tree, variables))
            except feel.FeelError as exc:
                raise self.error(f"input {inp.number} ({inp.expression}): {exc.message}",
                                 input=inp.number) from None
        try:
            return feel.normalize(expressions.evaluate(inp.expression, variables, exact=True))
        except (ExpressionError, feel.FeelError) as exc:
            raise self.error(f"input {inp.number} ({inp.expression}): {exc.message}", input=inp.number) from None

    def _matches(self, rule: Rule, values: dict[str, Any], strict: bool = True) -> bool:
        for inp, test in zip(self.inputs, rule.tests):
            value = values[inp.expression]
            try:
                if not test.matches(value):
                    return False
            except feel.FeelTypeError:
                if not strict:
                    return False
                raise self.error(f"rule {rule.number}: cannot compare {inp.expression}={feel.show(value)} "
                                 f"with {test.text}", rule=rule.number, input=inp.number,
                                 cell=test.text) from None
        return True

    def _outputs(self, rule: Rule, variables: dict[str, Any]) -> dict[str, Any]:
        given: dict[str, Any] = {}
        for out, entry in zip(self.outputs, rule.entries):
            if entry.is_literal:
                value = entry.value
            elif entry.tree is not None:
                try:
                    value = feel.normalize(feel_eval.run(entry.tree, variables))
                except feel.FeelError as exc:
                    raise self.error(f"rule {rule.number}, output {out.name}: {exc.message}",
                                     rule=rule.number, output=out.name, cell=entry.text) from None
            else:
                try:
                    value = feel.normalize(expressions.evaluate(entry.text, variables, exact=True))
                except (ExpressionError, feel.FeelError) as exc:
                    raise self.error(f"rule {rule.number}, output {out.name}: {exc.message}",
                                     rule=rule.number, output=out.name, cell=entry.text) from None
                if feel.kind(value) == "other" or (out.kind and value is not None and feel.kind(value) != out.kind):
                    raise self.error(f"rule {rule.number}, output {out.name}: {entry.text} gave "
                                     f"{feel.show(value)}, not a {out.kind or 'number, string or boolean'}",
                                     rule=rule.number, output=out.name, cell=entry.text)
            given[out.name] = value
        return given

    def _match(self, rule: Rule, variables: dict[str, Any]) -> Match:
        parts = [test.describe(inp.expression) for inp, test in zip(self.inputs, rule.tests) if not test.is_any]
        return Match(rule.number, rule.id, rule.annotation, self._outputs(rule, variables),
                     ", ".join(parts) or "any")

    def _single(self, matched: list[Rule], values: dict[str, Any], variables: dict[str, Any]) -> Result:
        if not matched:
            raise self.error(f"no rule matches {_inputs_text(values)}", inputs=_shown(values))
        numbers = [r.number for r in matched]
        if self.hit_policy == "UNIQUE" and len(matched) > 1:
            raise self.error(f"{_rules_text(numbers)} match {_inputs_text(values)} (hit policy UNIQUE)",
                             rules=numbers, inputs=_shown(values))
        if self.hit_policy == "FIRST":
            chosen = self._match(matched[0], variables)
        else:
            matches = [self._match(rule, variables) for rule in matched]
            if self.hit_policy == "ANY" and any(m.outputs != matches[0].outputs for m in matches[1:]):
                raise self.error(f"{_rules_text(numbers)} match {_inputs_text(values)} with different "
                                 "outputs (hit policy ANY)", rules=numbers, inputs=_shown(values))
            chosen = min(matches, key=self._priority) if self.hit_policy == "PRIORITY" else matches[0]
        return Result(self.name, self.hit_policy, None, values, dict(chosen.outputs), (chosen,))

    def _priority(self, match: Match) -> tuple[int, ...]:
        ranks = []
        for out in self.outputs:
            if not out.priorities:
                continue
            value = match.outputs[out.name]
            if value not in out.priorities:
                raise self.error(f"rule {match.rule}, output {out.name}: {feel.show(value)} is not one of "
                                 f"its output values, so it has no priority", rule=match.rule, output=out.name)
            ranks.append(out.priorities.index(value))
        return tuple(ranks)

    def _multiple(self, matched: list[Rule], values: dict[str, Any], variables: dict[str, Any]) -> Result:
        matches = [self._match(rule, variables) for rule in matched]
        if self.hit_policy == "OUTPUT ORDER":
            matches.sort(key=self._priority)
        if not self.aggregation:
            return Result(self.name, self.hit_policy, None, values, [dict(m.outputs) for m in matches],
                          tuple(matches))
        out = self.outputs[0]
        found = [m.outputs[out.name] for m in matches if m.outputs[out.name] is not None]
        total: Any
        if self.aggregation == "COUNT":
            total = Decimal(len(matches))
        elif any(feel.kind(v) != "number" for v in found):
            raise self.error(f"{self.aggregation} needs numbers, rules {', '.join(str(m.rule) for m in matches)} "
                             f"gave {', '.join(feel.show(v) for v in found)}", rules=[m.rule for m in matches])
        elif self.aggregation == "SUM":
            total = sum(found, Decimal(0))
        elif found:
            total = min(found) if self.aggregation == "MIN" else max(found)
        else:
            total = None
        return Result(self.name, self.hit_policy, self.aggregation, values, {out.name: total}, tuple(matches))


DATE_TYPES = frozenset({"date"})
DATETIME_TYPES = frozenset({"datetime", "date and time"})


def _typed(inp: Input, value: Any) -> Any:
    """A date form field is text (2026-07-01): an input typed date or dateTime reads it as one."""
    kind = (inp.type_ref or "").lower()
    if isinstance(value, str) and len(value) <= 40 and kind in DATE_TYPES | DATETIME_TYPES:
        try:
            if kind in DATE_TYPES:
                return dt.date.fromisoformat(value[:10])
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


def _shown(values: Mapping[str, Any]) -> dict[str, str]:
    return {name: feel.show(value) for name, value in values.items()}
