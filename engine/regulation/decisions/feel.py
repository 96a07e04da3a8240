"""FEEL, the little of it decision-table cells need: simple unary tests and literals, parsed into test
objects at load time, never evaluated as code: ``-`` or empty (any value), literals (numbers, ``"strings"``,
``true``/``false``, ``null``), comparisons (``< 0.8``, ``>= 1``, ``!= "x"``, ``= 5``), intervals (``[0..0.8)``,
``(1..1.2]``, ``]a..b[``), comma-separated lists of these, and ``not(...)`` of such a list. Numbers are Decimal,
read as written."""
from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

MAX_CELL_LENGTH = 2000


class FeelError(ValueError):
    """A cell that is not one of the supported FEEL forms; ``message`` says what is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FeelTypeError(ValueError):
    """A value that a test cannot compare with its literal (a string against ``< 0.8``)."""

    def __init__(self, value: Any, literal: Any) -> None:
        super().__init__(f"cannot compare {show(value)} with {show(literal)}")
        self.value, self.literal = value, literal


_TOKEN = re.compile(r"""
    \s*(?:
        (?P<range>\.\.)
      | (?P<number>-?(?:\d+(?:\.\d+)?|\.\d+))(?![A-Za-z0-9_])
      | (?P<string>"(?:[^"\\\n]|\\.)*")
      | (?P<op><=|>=|!=|<|>|=)
      | (?P<punct>[\[\]\(\),])
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""", re.VERBOSE)
_NUMBER = re.compile(r"^-?(?:\d+(?:\.\d+)?|\.\d+)$")
_STRING = re.compile(r'^"(?:[^"\\\n]|\\.)*"$', re.DOTALL)
_KEYWORDS: dict[str, Any] = {"true": True, "false": False, "null": None}
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "'": "'"}


# ----------------------------------------------------------------------------- values

def kind(value: Any) -> str:
    """FEEL's type of a (normalized) value: number, string, boolean, null or other."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    return "other"


def normalize(value: Any) -> Any:
    """Numbers as Decimal (a float by its shortest repr, so 0.8 stays 0.8); others as given."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FeelError(f"{value} is not a finite number")
        return Decimal(repr(value))
    if isinstance(value, Decimal) and not value.is_finite():
        raise FeelError(f"{value} is not a finite number")
    return value


def show(value: Any) -> str:
    """A value as FEEL writes it: 1.35, "Retail", true, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def parse_literal(text: str) -> tuple[bool, Any]:
    """``(True, value)`` when the whole text is a FEEL literal, else ``(False, None)``."""
    text = text.strip()
    if _NUMBER.match(text):
        return True, Decimal(text)
    if _STRING.match(text):
        return True, _unquote(text)
    if text in _KEYWORDS:
        return True, _KEYWORDS[text]
    return False, None


def _unquote(token: str) -> str:
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt not in _ESCAPES:
                raise FeelError(f"unknown escape \\{nxt} in {token}")
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _same_kind(value: Any, literal: Any) -> bool:
    return kind(value) == kind(literal)


# ----------------------------------------------------------------------------- tests

class Test(Protocol):
    @property
    def text(self) -> str: ...

    def matches(self, value: Any) -> bool: ...

    def literals(self) -> tuple[Any, ...]: ...


@dataclass(frozen=True)
class Equals:
    literal: Any
    text: str

    def matches(self, value: Any) -> bool:
        return _same_kind(value, self.literal) and value == self.literal

    def literals(self) -> tuple[Any, ...]:
        return (self.literal,)


@dataclass(frozen=True)
class NotEquals:
    literal: Any
    text: str

    def matches(self, value: Any) -> bool:
        return not (_same_kind(value, self.literal) and value == self.literal)

    def literals(self) -> tuple[Any, ...]:
        return (self.literal,)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _ordered(value: Any, literal: Any) -> bool:
    """Whether an ordering test applies; null never matches, other kinds cannot be compared."""
    if value is None:
        return False
    if not _same_kind(value, literal) or kind(literal) not in ("number", "string"):
        raise FeelTypeError(value, literal)
    return True


@dataclass(frozen=True)
class Compare:
    op: str
    literal: Any
    text: str

    def matches(self, value: Any) -> bool:
        return _ordered(value, self.literal) and _ORDER[self.op](value, self.literal)

    def literals(self) -> tuple[Any, ...]:
        return (self.literal,)


@dataclass(frozen=True)
class Interval:
    low: Any
    high: Any
    low_closed: bool
    high_closed: bool
    text: str

    def matches(self, value: Any) -> bool:
        if not _ordered(value, self.low):
            return False
        above = value >= self.low if self.low_closed else value > self.low
        below = value <= self.high if self.high_closed else value < self.high
        return bool(above and below)

    def literals(self) -> tuple[Any, ...]:
        return (self.low, self.high)


@dataclass(frozen=True)
class UnaryTests:
    """One input entry: any of ``tests`` matches (none of them, when ``negated``)."""

    text: str
    tests: tuple[Test, ...] = ()
    negated: bool = False

    @property
    def is_any(self) -> bool:
        return not self.tests and not self.negated

    def matches(self, value: Any) -> bool:
        if self.is_any:
            return True
        hit = any(test.matches(value) for test in self.tests)
        return not hit if self.negated else hit

    def literal_kinds(self) -> set[str]:
        return {kind(lit) for test in self.tests for lit in test.literals()}

    def describe(self, name: str) -> str:
        """The test in words for an explanation: ``attainment in [1..1.2)``."""
        if self.is_any:
            return f"{name} any"
        if not self.negated and len(self.tests) == 1:
            test = self.tests[0]
            joiner = " = " if isinstance(test, Equals) else " " if isinstance(test, (Compare, NotEquals)) else " in "
            return f"{name}{joiner}{test.text}"
        if self.negated:
            return f"{name} not in {', '.join(t.text for t in self.tests)}"
        return f"{name} in {', '.join(t.text for t in self.tests)}"


ANY = UnaryTests("-")


# ----------------------------------------------------------------------------- parser

@dataclass
class _Token:
    kind: str
    text: str
    value: Any = None


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            rest = text[pos:].strip()
            raise FeelError(f"cannot read {rest[:30]!r}" + (_hint(rest) or "; input entries are tests such as "
                                                            '< 0.8, [1..1.2), "Retail", not("a", "b") or -'))
        for name in ("range", "number", "string", "op", "punct", "name"):
            token = match.group(name)
            if token is not None:
                value: Any = None
                if name == "number":
                    value = Decimal(token)
                elif name == "string":
                    value = _unquote(token)
                tokens.append(_Token(name, token, value))
                break
        pos = match.end()
    return tokens


def _hint(rest: str) -> str:
    if rest.startswith("'"):
        return ": FEEL strings take double quotes"
    return ""


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise FeelError("the test ends too early")
        self.pos += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise FeelError(f"expected {text!r}, found {token.text!r}")

    def parse(self) -> UnaryTests:
        first = self.peek()
        nxt = self.tokens[1] if len(self.tokens) > 1 else None
        if first is not None and first.kind == "name" and first.text == "not" and nxt is not None \
                and nxt.text == "(":
            self.pos += 2
            tests = self.tests()
            self.expect(")")
            self.end()
            return UnaryTests(self.text, tests, negated=True)
        tests = self.tests()
        self.end()
        return UnaryTests(self.text, tests)

    def end(self) -> None:
        token = self.peek()
        if token is not None:
            raise FeelError(f"unexpected {token.text!r} after a complete test")

    def tests(self) -> tuple[Test, ...]:
        tests = [self.test()]
        while (token := self.peek()) is not None and token.text == ",":
            self.take()
            tests.append(self.test())
        return tuple(tests)

    def test(self) -> Test:
        start = self.pos
        token = self.take()
        if token.kind == "op":
            literal = self.literal()
            if token.text in _ORDER and kind(literal) not in ("number", "string"):
                raise FeelError(f"{token.text} {show(literal)} compares nothing: use it with a number "
                                'or a "string"')
            text = f"{token.text} {show(literal)}"
            if token.text == "=":
                return Equals(literal, show(literal))
            if token.text == "!=":
                return NotEquals(literal, text)
            return Compare(token.text, literal, text)
        if token.text in ("[", "(", "]"):
            low = self.literal()
            self.expect_range()
            high = self.literal()
            close = self.take()
            if close.text not in ("]", ")", "["):
                hint = "; write decimals with a point (1.2, not 1,2)" if close.text == "," else ""
                raise FeelError(f"an interval ends with ']', ')' or '[', found {close.text!r}{hint}")
            interval = Interval(low, high, token.text == "[", close.text == "]",
                                f"{token.text}{show(low)}..{show(high)}{close.text}")
            self._check_interval(interval)
            return interval
        self.pos = start
        literal = self.literal()
        return Equals(literal, show(literal))

    def expect_range(self) -> None:
        token = self.take()
        if token.kind != "range":
            raise FeelError(f"an interval is written [low..high], found {token.text!r} instead of '..'")

    def literal(self) -> Any:
        token = self.take()
        if token.kind in ("number", "string"):
            return token.value
        if token.kind == "name" and token.text in _KEYWORDS:
            return _KEYWORDS[token.text]
        if token.kind == "name":
            raise FeelError(f"{token.text!r} is not a literal: write strings in double quotes "
                            f'("{token.text}"); variables and functions are not supported in tests')
        raise FeelError(f"expected a number, a \"string\", true, false or null, found {token.text!r}")

    @staticmethod
    def _check_interval(interval: Interval) -> None:
        kinds = {kind(interval.low), kind(interval.high)}
        if len(kinds) != 1 or kinds & {"null", "boolean"}:
            raise FeelError(f"interval {interval.text} needs two numbers or two strings")
        if interval.low > interval.high:
            raise FeelError(f"interval {interval.text} is empty: its start is above its end")


def parse_unary_tests(text: str) -> UnaryTests:
    """Parse an input entry; raise FeelError saying what is not supported."""
    stripped = (text or "").strip()
    if stripped in ("", "-"):
        return ANY
    if len(stripped) > MAX_CELL_LENGTH:
        raise FeelError(f"the cell is {len(stripped)} characters long; the limit is {MAX_CELL_LENGTH}")
    try:
        return _Parser(stripped).parse()
    except FeelError:
        from engine.regulation.decisions import feel_tests  # expressions as tests: dates, ?, functions

        try:
            return feel_tests.parse(stripped)
        except FeelError:
            pass
        raise
