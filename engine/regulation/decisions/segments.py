"""The values of one input of a decision table cut into segments by the literals its cells
test, so that every cell is a set of segments (a bit mask) and two cells overlap when their
masks share a bit: used by engine.regulation.decisions.overlap.

For a number or string input with literals p1 < p2 < ... < pm the segments are: below p1,
p1, between p1 and p2, p2, ..., pm, above pm, and null (segment 2m + 1); a boolean input has
false, true and null. A gap that holds no value (between 1 and 2 of an integer input,
between "a" and "a\\0") is not ``valid``. Cells are read with the semantics engine.feel
evaluates them: equality by kind, ordered comparisons and intervals that never match null,
lists, ``not(...)`` as the complement.
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from engine.regulation.decisions import feel


class Exact:
    """Columns reading one variable by name: its values cut into segments by the cells' literals."""

    def __init__(self, columns: list[int], name: str, kind: str | None, integer: bool,
                 cells: list[feel.UnaryTests]) -> None:
        self.columns, self.name, self.kind, self.integer = columns, name, kind, integer
        if kind in ("number", "string"):
            points = {lit for cell in cells for test in cell.tests for lit in test.literals()
                      if feel.kind(lit) == kind}
            self.points: list[Any] = sorted(points)
            self.null = 2 * len(self.points) + 1
        elif kind == "boolean":
            self.points = [False, True]
            self.null = 2
        else:  # no literal but null: "a value" and null
            self.points = []
            self.null = 1
        self.position = {point: i for i, point in enumerate(self.points)}
        self.all = (1 << (self.null + 1)) - 1
        self.valid = self._valid()

    @property
    def ordered(self) -> bool:
        return self.kind in ("number", "string")

    def _valid(self) -> int:
        if not self.ordered:
            return self.all
        mask = self.all
        m = len(self.points)
        for i in range(m + 1):  # gaps: 2i (below point i; 2m above the last)
            low = self.points[i - 1] if i > 0 else None
            high = self.points[i] if i < m else None
            if not self._gap_has_values(low, high):
                mask &= ~(1 << (2 * i))
        if self.integer:
            for i, point in enumerate(self.points):
                if point != point.to_integral_value():
                    mask &= ~(1 << (2 * i + 1))
        return mask

    def _gap_has_values(self, low: Any, high: Any) -> bool:
        if self.kind == "string":
            if high is None:
                return True
            if low is None:
                return bool(high != "")
            return bool(low + "\0" < high)
        if not self.integer or low is None or high is None:
            return True
        return bool(low.to_integral_value(ROUND_FLOOR) + 1 < high)

    # -- a cell as a set of segments
    def _index(self, literal: Any) -> int:
        return self.position[literal] if self.ordered else (1 if literal else 0)

    def _point(self, literal: Any) -> int:
        if literal is None:
            return 1 << self.null
        if self.kind is None or feel.kind(literal) != self.kind:
            return 0
        return 1 << (2 * self._index(literal) + 1 if self.ordered else self._index(literal))

    def _range(self, first: int, last: int) -> int:
        """Segments first..last (ordered segments only)."""
        if last < first:
            return 0
        return ((1 << (last + 1)) - 1) & ~((1 << first) - 1)

    def _test(self, test: feel.Test) -> int:
        if isinstance(test, feel.Equals):
            return self._point(test.literal)
        if isinstance(test, feel.NotEquals):
            return self.all & ~self._point(test.literal)
        top = 2 * len(self.points)
        if isinstance(test, feel.Compare):
            p = 2 * self._index(test.literal) + 1
            return {"<": self._range(0, p - 1), "<=": self._range(0, p),
                    ">": self._range(p + 1, top), ">=": self._range(p, top)}[test.op]
        if isinstance(test, feel.Interval):
            low = 2 * self._index(test.low) + 1
            high = 2 * self._index(test.high) + 1
            return self._range(low if test.low_closed else low + 1, high if test.high_closed else high - 1)
        raise TypeError(test)

    def cell(self, tests: feel.UnaryTests) -> int:
        if tests.is_any:
            return self.valid
        hit = 0
        for test in tests.tests:
            hit |= self._test(test)
        return (self.all & ~hit if tests.negated else hit) & self.valid

    # -- a set of segments in words
    def describe(self, mask: int) -> tuple[str | None, str | None]:
        """(FEEL unary tests, an example value) of a set of segments; (None, None) for all of them."""
        if mask == self.valid:
            return None, None
        parts: list[str] = []
        example: str | None = None
        if self.ordered:
            top = 2 * len(self.points)
            runs = self._runs(mask, top)
            for first, last in runs:
                parts.append(self._run_text(first, last, top))
                if example is None:
                    example = self._example(first, last, top)
        elif self.kind == "boolean":
            for value in (True, False):
                if mask & self._point(value):
                    parts.append(feel.show(value))
                    example = example or feel.show(value)
        elif mask & 1:
            parts.append("not(null)")
        if mask & (1 << self.null):
            parts.append("null")
            example = example or "null"
        return ", ".join(parts), example

    def _runs(self, mask: int, top: int) -> list[tuple[int, int]]:
        runs: list[tuple[int, int]] = []
        start: int | None = None
        last_set = -1
        for index in range(top + 2):
            inside = index <= top and (mask >> index & 1 or not self.valid >> index & 1)
            if inside:
                if start is None:
                    start = index
                if mask >> index & 1:
                    last_set = index
                continue
            if start is not None and last_set >= start:
                first = next(i for i in range(start, last_set + 1) if mask >> i & 1)
                runs.append((first, last_set))
            start = None
        return runs

    def _run_text(self, first: int, last: int, top: int) -> str:
        if first == last and first % 2:
            return feel.show(self.points[first // 2])
        low = None if first == 0 else self.points[first // 2] if first % 2 else self.points[first // 2 - 1]
        high = None if last == top else self.points[last // 2]
        low_closed, high_closed = bool(first % 2), bool(last % 2)
        if low is None and high is None:
            return "not(null)"
        if low is None:
            return f"{'<=' if high_closed else '<'} {feel.show(high)}"
        if high is None:
            return f"{'>=' if low_closed else '>'} {feel.show(low)}"
        return f"{'[' if low_closed else '('}{feel.show(low)}..{feel.show(high)}{']' if high_closed else ')'}"

    def _example(self, first: int, last: int, top: int) -> str | None:
        if first % 2:
            return feel.show(self.points[first // 2])
        if self.kind != "number":
            return None  # a string between two others: the region says it better
        low: Decimal | None = self.points[first // 2 - 1] if first > 0 else None
        high: Decimal | None = self.points[first // 2] if first < top else None
        value: Decimal
        if low is None and high is None:
            value = Decimal(0)
        elif low is None:
            assert high is not None
            value = high.to_integral_value(ROUND_CEILING) - 1
        elif high is None or self.integer:
            value = low.to_integral_value(ROUND_FLOOR) + 1
        else:
            value = (low + high) / 2
        return feel.show(value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1)))


class Opaque:
    """Columns whose values cannot be reasoned about (an expression, mixed kinds)."""

    def __init__(self, columns: list[int]) -> None:
        self.columns = columns
