"""FEEL expressions read into a tree, never evaluated as code (engine/regulation/decisions/feel_eval.py
walks the tree).

The grammar is the FEEL of DMN compliance level 2 and the everyday part of level 3:
literals (numbers as Decimal, "strings", true, false, null), names (names with spaces such as
``Full Name`` when the name is known in scope, ``Loan.amount`` paths), arithmetic
(``+ - * / **`` and unary minus), comparisons (``= != < <= > >=``, ``between .. and ..``,
``in`` a list, a range or a test), ``and`` / ``or`` (three-valued), ``if .. then .. else``,
function calls (positional or named arguments), lists ``[1, 2]``, ranges ``[1..10)``,
contexts ``{a: 1, "b c": a + 1}``, filters ``list[item > 1]`` and ``list[1]``.

Bounded: an expression of at most MAX_EXPRESSION_LENGTH characters, nested at most
MAX_DEPTH deep, lists and contexts of at most MAX_ITEMS items. ``FeelError`` says what is wrong.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.regulation.decisions import feel_builtins
from engine.regulation.decisions.feel import FeelError, _unquote
from engine.regulation.decisions.feel_temporal import temporal_literal

MAX_EXPRESSION_LENGTH = 20000
MAX_DEPTH = 64
#: how deep the tree may be, operator chains (1 + 2 + 3 ...) included: evaluation walks it recursively
MAX_TREE_DEPTH = 150
MAX_ITEMS = 10000

Node = tuple[Any, ...]

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<number>(?:\d+(?:\.\d+)?|\.\d+))
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<at>@"(?:[^"\\]|\\.)*")
  | (?P<op>\*\*|\.\.|<=|>=|!=|[-+*/=<>(),\[\]{}:.])
  | (?P<name>\?|[^\W\d][\w?']*)
""", re.VERBOSE | re.DOTALL)
KEYWORDS = frozenset({"and", "or", "if", "then", "else", "in", "between", "true", "false", "null",
                      "for", "return", "some", "every", "satisfies", "instance", "of", "function"})
_CONSTANTS = {"true": True, "false": False, "null": None}
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise FeelError(f"cannot read {text[pos:pos + 30]!r}" + (
                ": FEEL strings take double quotes" if text[pos] == "'" else ""))
        kind = match.lastgroup or ""
        if kind == "name" and "__" in match.group():
            raise FeelError(f"the name {match.group()!r} is refused: names with '__' could reach the "
                            "evaluator's internals")
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, match.group(), match.start(), match.end()))
        pos = match.end()
    return tokens


class Parser:
    """Recursive descent over the tokens; ``known`` names may hold spaces."""

    def __init__(self, text: str, known: Iterable[str] = ()) -> None:
        if len(text) > MAX_EXPRESSION_LENGTH:
            raise FeelError(f"the expression is {len(text)} characters long; the limit is {MAX_EXPRESSION_LENGTH}")
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.known = {" ".join(n.split()) for n in (*known, *feel_builtins.names()) if " " in n.strip()}
        self.longest = max((len(n.split()) for n in self.known), default=1)

    # -- tokens
    def peek(self, offset: int = 0) -> Token | None:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and token.kind in ("op", "name") and token.text in texts

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise FeelError("the expression ends too early")
        self.pos += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise FeelError(f"expected {text!r}, found {token.text!r}")

    def parse(self) -> Node:
        node = self.expression()
        token = self.peek()
        if token is not None:
            raise FeelError(f"unexpected {token.text!r} after a complete expression")
        check_depth(node)
        return node

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FeelError(f"the expression is nested more than {MAX_DEPTH} deep")

    # -- grammar
    def expression(self) -> Node:
        self._deeper()
        try:
            if self.at("if"):
                self.take()
                condition = self.expression()
                self.expect("then")
                then = self.expression()
                self.expect("else")
                return ("if", condition, then, self.expression())
            return self.disjunction()
        finally:
            self.depth -= 1

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.at("or"):
            self.take()
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.comparison()
        while self.at("and"):
            self.take()
            node = ("and", node, self.comparison())
        return node

    def comparison(self) -> Node:
        node = self.additive()
        token = self.peek()
        if token is None:
            return node
        if token.kind == "op" and token.text in COMPARISONS:
            self.take()
            return ("cmp", token.text, node, self.additive())
        if self.at("between"):
            self.take()
            low = self.additive()
            self.expect("and")
            return ("between", node, low, self.additive())
        if self.at("in"):
            self.take()
            if self.at("(") and not self._range_ahead():
                self.take()
                tests = [self.positive_test()]
                while self.at(","):
                    self.take()
                    tests.append(self.positive_test())
                self.expect(")")
                return ("in", node, tests)
            return ("in", node, [self.positive_test()])
        return node

    def _range_ahead(self) -> bool:
        """Whether the '(' opens a range such as (1..10]."""
        depth = 0
        for token in self.tokens[self.pos:]:
            if token.text in ("(", "[", "{"):
                depth += 1
            elif token.text in (")", "]", "}"):
                depth -= 1
                if depth <= 0:
                    return False
            elif token.text == ".." and depth == 1:
                return True
            elif token.text == "," and depth == 1:
                return False
        return False

    def positive_test(self) -> Node:
        """One test of ``x in ...``: ``< 5``, a range, a list or a value."""
        token = self.peek()
        if token is not None and token.kind == "op" and token.text in ("<", "<=", ">", ">=", "=", "!="):
            self.take()
            return ("test", token.text, self.additive())
        return ("test", "in", self.additive())

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.at("+", "-"):
            op = self.take().text
            node = ("arith", op, node, self.multiplicative())
        return node

    def multiplicative(self) -> Node:
        node = self.power()
        while self.at("*", "/"):
            op = self.take().text
            node = ("arith", op, node, self.power())
        return node

    def power(self) -> Node:
        node = self.unary()
        while self.at("**"):
            self.take()
            node = ("arith", "**", node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("-"):
            self.take()
            self._deeper()
            try:
                return ("neg", self.unary())
            finally:
                self.depth -= 1
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            if self.at("."):
                self.take()
                node = ("path", node, self.name_text())
            elif self.at("("):
                node = self.call(node)
            elif self.at("["):
                self.take()
                condition = self.expression()
                self.expect("]")
                node = ("filter", node, condition)
            else:
                return node

    def call(self, function: Node) -> Node:
        self.expect("(")
        args: list[Node] = []
        named: list[tuple[str, Node]] = []
        while not self.at(")"):
            if named or self._named_argument():
                name = self._context_key()
                self.expect(":")
                named.append((name, self.expression()))
            else:
                args.append(self.expression())
            if len(args) + len(named) > MAX_ITEMS:
                raise FeelError(f"more than {MAX_ITEMS} arguments")
            if not self.at(")"):
                self.expect(",")
        self.expect(")")
        return ("call", function, args, named)

    def _named_argument(self) -> bool:
        i = self.pos
        while i < len(self.tokens) and self.tokens[i].kind == "name":
            i += 1
        return i > self.pos and i < len(self.tokens) and self.tokens[i].text == ":"

    def name_text(self) -> str:
        """A name, joining the words of a known name with spaces (``Monthly Salary``)."""
        first = self.take()
        if first.kind != "name":
            raise FeelError(f"expected a name, found {first.text!r}")
        words = [first]
        i = self.pos
        while i < len(self.tokens) and len(words) < self.longest and self.tokens[i].kind in ("name", "number"):
            words.append(self.tokens[i])
            i += 1
        for size in range(len(words), 1, -1):
            candidate = " ".join(w.text for w in words[:size])
            if candidate in self.known:
                self.pos += size - 1
                return candidate
        return first.text

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise FeelError("the expression ends too early")
        if token.kind == "number":
            self.take()
            return ("const", Decimal(token.text))
        if token.kind == "string":
            self.take()
            return ("const", _unquote(token.text))
        if token.kind == "at":
            self.take()
            return ("const", temporal_literal(_unquote(token.text[1:])))
        if token.kind == "name" and token.text in _CONSTANTS:
            self.take()
            return ("const", _CONSTANTS[token.text])
        if token.kind == "name" and token.text in KEYWORDS:
            raise FeelError(f"{token.text!r} is not supported here")
        if token.kind == "name":
            return ("name", self.name_text())
        if token.text == "(":
            if self._range_ahead():
                return self.range()
            self.take()
            node = self.expression()
            self.expect(")")
            return node
        if token.text in ("[", "]"):
            return self.list_or_range()
        if token.text == "{":
            return self.context()
        raise FeelError(f"unexpected {token.text!r}")

    def range(self) -> Node:
        opening = self.take().text
        low = self.additive()
        self.expect("..")
        high = self.additive()
        closing = self.take().text
        if closing not in ("]", ")", "["):
            raise FeelError(f"a range ends with ']' or ')', found {closing!r}")
        return ("range", low, high, opening == "[", closing == "]")

    def list_or_range(self) -> Node:
        token = self.peek()
        if (token is not None and token.text == "]") or self._range_ahead():
            return self.range()
        self.expect("[")
        items: list[Node] = []
        while not self.at("]"):
            items.append(self.expression())
            if len(items) > MAX_ITEMS:
                raise FeelError(f"a list of more than {MAX_ITEMS} items")
            if not self.at("]"):
                self.expect(",")
        self.expect("]")
        return ("list", items)

    def context(self) -> Node:
        self.expect("{")
        entries: list[tuple[str, Node]] = []
        while not self.at("}"):
            token = self.peek()
            if token is not None and token.kind == "string":
                key = _unquote(self.take().text)
                if " " in key.strip():
                    self.known.add(" ".join(key.split()))
                    self.longest = max(self.longest, len(key.split()))
            else:
                key = self._context_key()
            self.expect(":")
            entries.append((key, self.expression()))
            if len(entries) > MAX_ITEMS:
                raise FeelError(f"a context of more than {MAX_ITEMS} entries")
            if not self.at("}"):
                self.expect(",")
        self.expect("}")
        return ("context", entries)

    def _context_key(self) -> str:
        words = []
        while self.peek() is not None and not self.at(":"):
            token = self.take()
            if token.kind not in ("name", "number"):
                raise FeelError(f"a context key is a name or a \"string\", found {token.text!r}")
            words.append(token.text)
        if not words:
            raise FeelError("a context entry has no key")
        key = " ".join(words)
        self.known.add(key)
        self.longest = max(self.longest, len(words))
        return key


def check_depth(tree: Node) -> None:
    """FeelError when the tree is deeper than MAX_TREE_DEPTH (measured without recursion)."""
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            raise FeelError(f"the expression is more than {MAX_TREE_DEPTH} operations deep; split it")
        if isinstance(node, (tuple, list)):
            stack.extend((child, depth + 1) for child in node if isinstance(child, (tuple, list)))


def parse(text: str, known: Iterable[str] = ()) -> Node:
    """The tree of a FEEL expression; FeelError says what cannot be read."""
    stripped = (text or "").strip()
    if not stripped:
        raise FeelError("the expression is empty")
    return Parser(stripped, known).parse()
