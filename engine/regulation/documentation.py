"""Task documentation from the diagram, rendered through Jinja's sandbox."""
from __future__ import annotations

from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment


class _BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, also refusing arithmetic that builds huge values ("a" * 10**9)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 100:
            raise OverflowError("exponent too large")
        if operator == "*" and (isinstance(left, (str, list)) or isinstance(right, (str, list))):
            size = len(left) * right if isinstance(left, (str, list)) else len(right) * left
            if isinstance(size, int) and size > MAX_LENGTH:
                raise OverflowError("result too long")
        if operator == "%" and isinstance(left, str):
            raise TypeError("string formatting with % is not available in documentation")
        return super().call_binop(context, operator, left, right)


_ENV = _BoundedSandbox(autoescape=False, undefined=StrictUndefined)
MAX_LENGTH = 20_000


def render(text: str | None, variables: dict[str, Any]) -> str:
    """Documentation with cycle variables filled in; the raw text if it cannot render.

    The sandbox blocks attribute walks to Python internals. The result is plain
    text: whoever shows it as HTML escapes it (Jinja's autoescape in web/).
    """
    if not text:
        return ""
    text = text[:MAX_LENGTH]
    try:
        rendered = str(_ENV.from_string(text).render(**variables))
    except (TemplateError, ArithmeticError, TypeError, ValueError, KeyError, AttributeError,
            MemoryError, RecursionError, OverflowError):
        return text  # a broken template shows as written; it never breaks the task page
    return rendered[:MAX_LENGTH]
