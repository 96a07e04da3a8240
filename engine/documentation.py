"""Task documentation from the diagram, rendered through Jinja's sandbox."""
from __future__ import annotations

from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

_ENV = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
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
        return str(_ENV.from_string(text).render(**variables))
    except TemplateError:
        return text
