"""Overlapping rules of a decision table, found statically when the table is saved.

A UNIQUE table whose rules overlap fails only when an input lands in the overlap ("rules 2
and 3 both match"), perhaps months later, on a payroll day. ``overlaps`` finds every pair of
rules that some input matches both of, and where: the region of each input ("attainment in
[0.8..0.9]") and an example value.

How: the inputs are grouped by the variables they read. A group of columns that read one
variable by its bare name (``attainment``; the same name in two columns is one group) is
**decided exactly**: the literals of its cells cut the variable's values into elementary
segments (engine.regulation.decisions.segments) (each literal, the open gaps between them, below the first and above the last, and
null); every cell is the set of segments it matches (FEEL semantics as engine.feel
evaluates them: numbers or strings ordered, string lists, booleans, ``not(...)``, ``null``),
a rule is the intersection of its cells, two rules overlap in the group when their sets
share a segment. Segments that hold no value (the gap between 1 and 2 of an ``integer``
input, between "a" and "a\\0") are left out. Two rules overlap when they share a segment in
every group.

What cannot be decided statically is left to evaluation (which still says "rules 2 and 3
both match" for the inputs given): a column over an expression (``amount / 1000``), columns
sharing a variable with such a column, a column whose cells test values of several kinds
(numbers and strings), or a table too big to compare within the work budget. In such a
group two rules are taken to overlap only when one of them is ``-`` in all its columns (then
the other's own cells are the overlap); otherwise the pair is not reported.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import TYPE_CHECKING, Any

from engine.regulation.decisions import feel
from engine.regulation.decisions.segments import Exact, Opaque

if TYPE_CHECKING:
    from engine.regulation.decisions.tables import DecisionTable, Input, Rule

INTEGER_TYPES = frozenset({"integer", "long", "int", "short"})
#: set bits visited while finding candidates; beyond it the static check gives up (see above)
WORK_BUDGET = 2_000_000
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Overlap:
    """Two rules an input matches both of: where (per input, FEEL unary tests) and an example."""

    rules: tuple[int, int]
    rule_ids: tuple[str | None, str | None]
    #: input expression -> where both rules match it ("[0.8..0.9]", ">= 1.2", "\"Retail\""); inputs
    #: where both match anything are left out
    region: dict[str, str]
    #: input expression -> a value both rules match, in FEEL ("0.8"), where one is easy to name
    example: dict[str, str] = field(default_factory=dict)

    def where(self) -> str:
        """``attainment in [0.8..0.9] and segment = "Retail"`` (or ``any input``)."""
        if not self.region:
            return "any input"
        return " and ".join(_phrase(name, tests) for name, tests in self.region.items())

    def text(self) -> str:
        first, second = self.rules
        out = f"rules {first} and {second} both match {self.where()}"
        if self.example:
            out += " (for example " + ", ".join(f"{k}={v}" for k, v in self.example.items()) + ")"
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"rules": list(self.rules), "rule_ids": list(self.rule_ids), "region": dict(self.region),
                "example": dict(self.example), "text": self.text()}


def _phrase(name: str, tests: str) -> str:
    if tests.startswith(("<", ">", "!=", "not(")):
        return f"{name} {tests}"
    if "," not in tests and not tests.startswith(("[", "(", "]")):
        return f"{name} = {tests}"
    return f"{name} in {tests}"


@dataclass(frozen=True)
class Found:
    """The overlapping pairs of a table (the first ``limit`` of them) and how many there are."""

    pairs: tuple[Overlap, ...]
    total: int
    #: False when the table was too big to compare within the budget (nothing was decided)
    complete: bool = True


# ----------------------------------------------------------------------------- the table

def _groups(table: DecisionTable) -> list[Exact | Opaque]:
    inputs = table.inputs
    parent = list(range(len(inputs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_name: dict[str, int] = {}
    for i, inp in enumerate(inputs):
        for name in sorted(inp.names):
            if name in by_name:
                parent[root(i)] = root(by_name[name])
            else:
                by_name[name] = i
    members: dict[int, list[int]] = {}
    for i in range(len(inputs)):
        members.setdefault(root(i), []).append(i)
    return [_group(table, columns) for _, columns in sorted(members.items())]


_SEGMENTED = (feel.Equals, feel.NotEquals, feel.Compare, feel.Interval)


def _group(table: DecisionTable, columns: list[int]) -> Exact | Opaque:
    inputs: list[Input] = [table.inputs[i] for i in columns]
    names = {inp.expression.strip() for inp in inputs}
    if len(names) != 1 or not _IDENTIFIER.match(next(iter(names))) or any(not inp.names for inp in inputs):
        return Opaque(columns)
    declared = {inp.kind for inp in inputs if inp.kind}
    if len(declared) > 1:
        return Opaque(columns)
    cells = [rule.tests[i] for rule in table.rules for i in columns]
    if any(not isinstance(t, _SEGMENTED) for cell in cells for t in cell.tests):
        return Opaque(columns)  # expressions as tests (decisions/feel_tests.py): left to evaluation
    literal_kinds = {k for cell in cells for k in cell.literal_kinds()} - {"null"}
    kinds = declared | literal_kinds
    if len(kinds) > 1 or kinds - {"number", "string", "boolean"}:
        return Opaque(columns)
    integer = any((inp.type_ref or "").lower() in INTEGER_TYPES for inp in inputs)
    return Exact(columns, next(iter(names)), next(iter(kinds), None), integer, cells)


def _bits(mask: int) -> Iterable[int]:
    """The positions of the set bits, lowest first."""
    text = bin(mask)[:1:-1]  # lowest bit first
    index = text.find("1")
    while index != -1:
        yield index
        index = text.find("1", index + 1)


def overlaps(table: DecisionTable, limit: int = 10) -> Found:
    """Every pair of rules of the table that one input can match both of (the first ``limit``
    described), as far as it can be decided statically (see the module's notes)."""
    rules: Sequence[Rule] = table.rules
    groups = _groups(table)
    exact = [g for g in groups if isinstance(g, Exact)]
    opaque = [g for g in groups if isinstance(g, Opaque)]
    n = len(rules)
    everyone = (1 << n) - 1
    masks: list[list[int]] = [[0] * n for _ in exact]  # group -> rule -> segments
    alive = everyone  # rules that can match at all
    for g, group in enumerate(exact):
        for r, rule in enumerate(rules):
            mask = group.valid
            for column in group.columns:
                mask &= group.cell(rule.tests[column])
            masks[g][r] = mask
            if not mask:
                alive &= ~(1 << r)
    free: list[int] = []  # opaque group -> rules that are "-" in all its columns
    for lump in opaque:
        found = 0
        for r, rule in enumerate(rules):
            if all(rule.tests[c].is_any for c in lump.columns):
                found |= 1 << r
        free.append(found)
    work = 0
    covering: list[dict[int, int]] = []  # group -> segment -> rules matching it (not counting "-")
    anything: list[int] = []  # group -> rules matching any value of it
    for g, group in enumerate(exact):
        per_segment: dict[int, int] = {}
        any_rules = 0
        for r in range(n):
            if masks[g][r] == group.valid:
                any_rules |= 1 << r
                continue
            work += masks[g][r].bit_count()
            if work > WORK_BUDGET:
                return Found((), 0, complete=False)
            for segment in _bits(masks[g][r]):
                per_segment[segment] = per_segment.get(segment, 0) | (1 << r)
        covering.append(per_segment)
        anything.append(any_rules)
    pairs: list[Overlap] = []
    total = 0
    for r in range(n):
        if not alive >> r & 1:
            continue
        candidates = alive & ~((1 << (r + 1)) - 1)
        for g, group in enumerate(exact):
            if not candidates:
                break
            mask = masks[g][r]
            if mask == group.valid:
                continue
            work += mask.bit_count()
            if work > WORK_BUDGET:
                return Found((), 0, complete=False)
            reach = anything[g]
            for segment in _bits(mask):
                reach |= covering[g].get(segment, 0)
            candidates &= reach
        for g in range(len(opaque)):
            candidates &= everyone if free[g] >> r & 1 else free[g]
        if not candidates:
            continue
        total += candidates.bit_count()
        for other in _bits(candidates):
            if len(pairs) >= limit:
                break
            pairs.append(_describe(table, exact, opaque, masks, free, r, other))
    return Found(tuple(pairs), total)


def _describe(table: DecisionTable, exact: list[Exact], opaque: list[Opaque], masks: list[list[int]],
              free: list[int], first: int, second: int) -> Overlap:
    region: dict[str, str] = {}
    example: dict[str, str] = {}
    shown: dict[int, tuple[str, str | None]] = {}  # column -> (tests, example)
    for g, group in enumerate(exact):
        tests, value = group.describe(masks[g][first] & masks[g][second])
        if tests is not None:
            shown[group.columns[0]] = (tests, value)
    for g, lump in enumerate(opaque):
        constrained = second if free[g] >> first & 1 else first
        for column in lump.columns:
            cell = table.rules[constrained].tests[column]
            if not cell.is_any:
                shown[column] = (cell.text, None)
    for column in sorted(shown):
        name = table.inputs[column].expression
        tests, value = shown[column]
        region[name] = tests
        if value is not None:
            example[name] = value
    a, b = table.rules[first], table.rules[second]
    return Overlap((a.number, b.number), (a.id, b.id), region, example)


# ----------------------------------------------------------------------------- refusing a table

#: overlapping pairs named in the message (all of them, up to the limit, are in ``details``)
SHOWN_OVERLAPS = 3


def refuse_overlaps(table: DecisionTable) -> None:
    """DmnError naming the rules (by number), the region where they overlap and an example,
    for a UNIQUE table with overlapping rules or an ANY table whose overlapping rules give
    different (literal) outputs. Overlaps that cannot be decided statically (see
    engine.regulation.decisions.overlap) are left to evaluation."""
    if table.hit_policy not in ("UNIQUE", "ANY"):
        return
    found = overlaps(table, limit=10 if table.hit_policy == "UNIQUE" else 500)
    pairs, total = list(found.pairs), found.total
    if table.hit_policy == "ANY":
        pairs = [p for p in pairs if _outputs_differ(table, p.rules)]
        total = len(pairs)
    if not pairs:
        return
    shown = "; ".join(p.text() for p in pairs[:SHOWN_OVERLAPS])
    more = total - min(len(pairs), SHOWN_OVERLAPS)
    if more > 0:
        shown += f"; and {more} more overlapping pair{'s' if more > 1 else ''}"
    if table.hit_policy == "UNIQUE":
        why = ("hit policy UNIQUE: one rule at most may match an input; make the ranges meet without "
               "overlapping, like [0.8..1) and [1..1.2), or choose the hit policy FIRST")
    else:
        why = "hit policy ANY lets overlapping rules match only when they give the same outputs"
    first = pairs[0]
    second_rule = table.rules[first.rules[1] - 1]
    cell_id = next((cell_id for cell_id, test in zip(second_rule.test_ids, second_rule.tests)
                    if not test.is_any), None)
    raise table.error(f"{shown} ({why})", hit_policy=table.hit_policy, rules=list(first.rules),
                      overlaps=[p.as_dict() for p in pairs], overlapping_pairs=total, cell_id=cell_id,
                      rule_id=second_rule.id)


def _outputs_differ(table: DecisionTable, numbers: tuple[int, int]) -> bool:
    first, second = (table.rules[n - 1] for n in numbers)
    if not all(e.is_literal for e in (*first.entries, *second.entries)):
        return False  # computed outputs: only evaluation can tell
    return any(a.value != b.value or feel.kind(a.value) != feel.kind(b.value)
               for a, b in zip(first.entries, second.entries))


# ----------------------------------------------------------------------------- gaps

#: input combinations a gap search visits at most; beyond it nothing is decided
MAX_COMBINATIONS = 20_000


@dataclass(frozen=True)
class Gap:
    """Inputs no rule of the table matches: where (per input, FEEL unary tests) and an example."""

    region: dict[str, str]
    example: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        where = " and ".join(_phrase(name, tests) for name, tests in self.region.items()) or "any input"
        out = f"no rule matches {where}"
        if self.example:
            out += " (for example " + ", ".join(f"{k}={v}" for k, v in self.example.items()) + ")"
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"region": dict(self.region), "example": dict(self.example), "text": self.text()}


def first_gap(table: DecisionTable, lowest: Any = None) -> Gap | None:
    """The first input combination (in the order of the inputs' values) that no rule matches,
    as far as it can be decided statically: every input a bare variable (see the module's
    notes) and at most MAX_COMBINATIONS combinations, else None. Null inputs are left out, and
    so are numbers below ``lowest`` (a Decimal; None: no bound)."""
    groups = _groups(table)
    if not groups or any(isinstance(g, Opaque) for g in groups):
        return None
    exact = [g for g in groups if isinstance(g, Exact)]
    rules: Sequence[Rule] = table.rules
    choices: list[list[tuple[int, int]]] = []  # group -> (segment, rules matching it)
    total = 1
    for group in exact:
        per_segment: list[tuple[int, int]] = []
        for segment in _bits(group.valid & ~(1 << group.null)):
            if lowest is not None and group.kind == "number" and _below(group, segment, lowest):
                continue
            matching = 0
            for r, rule in enumerate(rules):
                mask = group.valid
                for column in group.columns:
                    mask &= group.cell(rule.tests[column])
                if mask >> segment & 1:
                    matching |= 1 << r
            per_segment.append((segment, matching))
        total *= max(len(per_segment), 1)
        if total > MAX_COMBINATIONS:
            return None
        choices.append(per_segment)
    everyone = (1 << len(rules)) - 1
    for combination in product(*choices):
        hit = everyone
        for _, matching in combination:
            hit &= matching
        if not hit:
            region: dict[str, str] = {}
            example: dict[str, str] = {}
            for g, (group, (segment, _)) in enumerate(zip(exact, combination)):
                others = everyone
                for h, (_, their) in enumerate(combination):
                    if h != g:
                        others &= their
                mask = 1 << segment
                following = [c for c in choices[g] if c[0] > segment]
                for expected, (next_segment, next_matching) in enumerate(following, start=segment + 1):
                    if next_segment != expected or next_matching & others:
                        break
                    mask |= 1 << next_segment  # the gap goes on: one region, "[0.8..0.85)"
                tests, value = group.describe(mask)
                name = table.inputs[group.columns[0]].expression
                if tests is not None:
                    region[name] = tests
                if value is not None:
                    example[name] = value
            return Gap(region, example)
    return None


def _below(group: Exact, segment: int, lowest: Any) -> bool:
    """Whether every value of a number segment is below ``lowest``."""
    points = group.points
    index, is_point = divmod(segment, 2)
    if is_point:
        return bool(points[index] < lowest)
    return index < len(points) and bool(points[index] <= lowest)
