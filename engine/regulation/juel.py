"""JUEL as Camunda 7 writes it, translated to the Python subset the safe evaluator runs.

Nothing here evaluates anything: a JUEL text becomes Python source that
``expressions`` parses and checks against its AST whitelist like any other expression.

- ``${...}`` / ``#{...}`` wrappers; mixed text such as ``sales_${region}`` becomes a
  concatenation of the literal parts and the expressions coerced to text (null as "").
- Operators ``eq ne lt gt le ge and or not div mod``, ``&&``, ``||``, ``!``, ``empty``,
  the ternary ``a ? b : c``; ``!`` and ``empty`` bind to their operand as in JUEL, the word
  ``not`` reaches as far as in Python (``not x in y``), which Python-style conditions rely on.
- Property access ``order.price`` is the subscript ``order['price']`` (a missing key is null).
- Method calls ``x.name(args)`` only for the pure methods of ``juel_functions.METHODS``;
  any other method is refused naming it.

Python forms that existing regulations use (``x if c else y``, ``in``, ``is``, list and dict
literals, the functions ``len``, ``lower``...) pass through unchanged. A text this translator
does not understand raises ``Unsupported``: the caller falls back to the plain operator
translation, whose result the whitelist then judges (and refuses with its own message).
"""
from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass

from engine.regulation.juel_functions import EMPTY, METHODS, TEXT, VARIABLES, method_name
from engine.shared.errors import ExpressionError

MAX_NESTING = 40
#: a variable named like a Python keyword (``${continue}``) is read under this suffix
KEYWORD_SUFFIX = "__kw"


class Unsupported(Exception):
    """Not JUEL this translator reads; the caller falls back to the plain translation."""


@dataclass(frozen=True)
class Token:
    kind: str  # num, str, name, op
    text: str


_TOKEN = re.compile(r"""
 (?P<ws>\s+)
|(?P<num>(?:\d+\.\d+|\d+)(?:[eE][+-]?\d+)?)
|(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
|(?P<name>[A-Za-z_][A-Za-z0-9_]*)
|(?P<op>&&|\|\||==|!=|<=|>=|\*\*|//|[-+*/%<>!?:()\[\]{},.])
""", re.VERBOSE | re.DOTALL)

#: JUEL word operators -> Python
_WORDS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "and": "and", "or": "or",
          "div": "/", "mod": "%", "in": "in", "is": "is", "if": "if", "else": "else"}
_SYMBOLS = {"&&": "and", "||": "or", "==": "==", "!=": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">=",
            "+": "+", "-": "-", "*": "*", "/": "/", "%": "%", "**": "**", "//": "//"}
#: JUEL's only escapes in a string: \\ \' \" (any other backslash is itself)
_UNESCAPE = re.compile(r"\\([\\'\"])")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise Unsupported(f"unexpected {text[position]!r}")
        position = match.end()
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, match.group()))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def at(self, *ops: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "op" and tok.text in ops

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise Unsupported("the expression ends too early")
        self.i += 1
        return tok

    def expect(self, op: str) -> None:
        if not self.at(op):
            raise Unsupported(f"expected {op!r}")
        self.i += 1

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpressionError(f"the expression is nested more than {MAX_NESTING} levels deep")

    def ternary(self, stops: frozenset[str]) -> str:
        self.nest()
        cond = self.sequence(stops | {"?"})
        if self.at("?"):
            self.i += 1
            then = self.ternary(stops | {":"})
            self.expect(":")
            other = self.ternary(stops)
            cond = f"(({then}) if ({cond}) else ({other}))"
        self.depth -= 1
        return cond

    def sequence(self, stops: frozenset[str]) -> str:
        parts = [self.operand()]
        while True:
            tok = self.peek()
            if tok is None or (tok.kind == "op" and tok.text in stops):
                return " ".join(parts)
            self.i += 1
            if tok.kind == "op" and tok.text in _SYMBOLS:
                parts.append(_SYMBOLS[tok.text])
            elif tok.kind == "name" and tok.text in _WORDS:
                parts.append(_WORDS[tok.text])
                if tok.text == "is" and self._word("not"):
                    parts.append("not")
            elif tok.kind == "name" and tok.text == "not" and self._word("in"):
                parts.append("not in")
            else:
                raise Unsupported(f"unexpected {tok.text!r}")
            parts.append(self.operand())

    def _execution_variable(self) -> bool:
        ahead = self.tokens[self.i:self.i + 3]
        return [t.text for t in ahead] == [".", "getVariable", "("]

    def _word(self, word: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "name" and tok.text == word:
            self.i += 1
            return True
        return False

    def operand(self) -> str:
        self.nest()
        tok = self.take()
        if tok.kind == "op" and tok.text == "!":
            out = f"(not {self.operand()})"
        elif tok.kind == "name" and tok.text == "not":  # Python's reach, as the Python forms expect:
            out = f"not {self.operand()}"  # not x in y, not a == b (JUEL writes not(...) or !)
        elif tok.kind == "name" and tok.text == "empty" and not self.at("(", ")", ",", "]", "}", ":", "?"):
            out = f"{EMPTY}({self.operand()})"
        elif tok.kind == "op" and tok.text in ("-", "+"):
            out = f"({tok.text}{self.operand()})"
        else:
            out = self.postfix(self.primary(tok))
        self.depth -= 1
        return out

    def primary(self, tok: Token) -> str:
        if tok.kind == "num":
            return tok.text
        if tok.kind == "str":
            return repr(_UNESCAPE.sub(r"\1", tok.text[1:-1]))
        if tok.kind == "name":
            if tok.text.startswith("_"):
                raise Unsupported("a name starting with '_'")
            if tok.text in _WORDS or tok.text in ("not", "empty", "lambda", "for"):
                raise Unsupported(f"unexpected {tok.text!r}")
            if self.at("("):
                self.i += 1
                return f"{tok.text}({self.items(')')})"
            if keyword.iskeyword(tok.text) and tok.text not in ("True", "False", "None"):
                return f"{tok.text}{KEYWORD_SUFFIX}"
            return tok.text
        if tok.text == "(":
            inner = self.ternary(frozenset({")"}))
            self.expect(")")
            return f"({inner})"
        if tok.text == "[":
            return f"[{self.items(']')}]"
        if tok.text == "{":
            return "{" + self.items("}", mapping=True) + "}"
        raise Unsupported(f"unexpected {tok.text!r}")

    def items(self, close: str, mapping: bool = False) -> str:
        """Comma-separated items up to ``close`` (consumed); ``key: value`` pairs in braces."""
        out: list[str] = []
        stops = frozenset({",", close, ":"} if mapping else {",", close})
        while not self.at(close):
            item = self.ternary(stops)
            if mapping and self.at(":"):
                self.i += 1
                item = f"{item}: {self.ternary(frozenset({',', close}))}"
            out.append(item)
            if not self.at(close):
                self.expect(",")
        self.expect(close)
        return ", ".join(out)

    def postfix(self, value: str) -> str:
        if value == "execution" and self._execution_variable():
            self.i += 3
            variable = self.ternary(frozenset({")"}))
            self.expect(")")
            value = f"{VARIABLES}[{variable}]"  # Camunda's execution.getVariable('x'): a variable by name
        while True:
            if self.at("."):
                self.i += 1
                name = self.take()
                if name.kind != "name" or name.text.startswith("_"):
                    raise Unsupported("a property name")
                if self.at("("):
                    if name.text not in METHODS:
                        raise ExpressionError(
                            f"the method {name.text!r} may not be called; only the methods "
                            f"{', '.join(sorted(METHODS))} may be called")
                    self.i += 1
                    args = self.items(")")
                    value = f"{method_name(name.text)}({value}{', ' if args else ''}{args})"
                else:
                    value = f"{value}[{name.text!r}]"
            elif self.at("["):
                self.i += 1
                key = self.ternary(frozenset({"]", ":"}))
                if self.at(":"):  # a Python slice
                    self.i += 1
                    upper = "" if self.at("]") else self.ternary(frozenset({"]"}))
                    key = f"{key}:{upper}"
                self.expect("]")
                value = f"{value}[{key}]"
            else:
                return value


def translate(body: str) -> str:
    """One JUEL expression (without its wrapper) as Python source; Unsupported if not read."""
    tokens = tokenize(body)
    if not tokens:
        return ""
    parser = _Parser(tokens)
    try:
        out = parser.ternary(frozenset())
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply") from None
    if parser.peek() is not None:
        raise Unsupported(f"unexpected {parser.peek()!r}")
    return out


@dataclass(frozen=True)
class Part:
    text: str
    expression: bool


def split_template(text: str) -> list[Part] | None:
    """Literal text and ``${...}`` parts of a Camunda value, or None when it has no ``${``/``#{``.

    Braces inside quoted strings do not count; an unclosed ``${`` is an ExpressionError."""
    if "${" not in text and "#{" not in text:
        return None
    parts: list[Part] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith(("${", "#{"), i):
            end = _closing_brace(text, i + 2)
            if end is None:
                raise ExpressionError(f"{text[i:i + 40]!r} opens an expression with {text[i:i + 2]!r} "
                                      "that is never closed with '}'")
            if literal:
                parts.append(Part("".join(literal), False))
                literal = []
            parts.append(Part(text[i + 2:end], True))
            i = end + 1
        else:
            literal.append(text[i])
            i += 1
    if literal:
        parts.append(Part("".join(literal), False))
    return parts


def _closing_brace(text: str, start: int) -> int | None:
    depth, quote, i = 0, "", start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return None


def template_python(parts: list[Part], translate_one: Callable[[str], str]) -> str:
    """A mixed-text value as one Python concatenation (``translate_one`` translates a part)."""
    pieces = [f"{TEXT}({translate_one(p.text)})" if p.expression else repr(p.text) for p in parts]
    return " + ".join(pieces)

