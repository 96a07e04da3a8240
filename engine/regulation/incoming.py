"""Variables that arrive from outside (a worker's completion, a message, a start): bounded and named.

Every value is JSON (the API decodes it); here its names, count, nesting and size are checked,
and the variables that identify the cycle itself cannot be overwritten from outside.
"""
from __future__ import annotations

import json
import re
from typing import Any

from engine.shared.errors import InputInvalid

MAX_VARIABLES = 100
MAX_DEPTH = 8
MAX_BYTES = 64 * 1024
MAX_NAME = 64
#: variables the engine sets for the cycle itself
PROTECTED = frozenset({"cycle_id", "client_id"})
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max([_depth(v, level + 1) for v in value.values()], default=level + 1)
    if isinstance(value, list):
        return max([_depth(v, level + 1) for v in value], default=level + 1)
    return level


def check_variables(variables: Any, what: str = "variables", protect: bool = True) -> dict[str, Any]:
    """The variables as a dict, or InputInvalid naming the first thing wrong and the limit."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise InputInvalid(f"{what} must be an object of name: value")
    if len(variables) > MAX_VARIABLES:
        raise InputInvalid(f"{what} holds {len(variables)} variables; the limit is {MAX_VARIABLES}")
    for name in variables:
        if not isinstance(name, str) or not _NAME.match(name) or len(name) > MAX_NAME:
            raise InputInvalid(f"{what}: {name!r} is not a variable name (a letter, then letters, digits or '_', "
                               f"at most {MAX_NAME} characters)")
        if protect and name in PROTECTED:
            raise InputInvalid(f"{what}: {name!r} identifies the cycle and cannot be set from outside")
    if _depth(variables) > MAX_DEPTH:
        raise InputInvalid(f"{what} nest deeper than {MAX_DEPTH} levels")
    size = len(json.dumps(variables, default=str).encode())
    if size > MAX_BYTES:
        raise InputInvalid(f"{what} take {size:,} bytes as JSON; the limit is {MAX_BYTES:,}")
    return dict(variables)


MAX_BUSINESS_KEY = 200


def check_business_key(value: Any) -> str | None:
    """A business key (an order or invoice number): text of at most MAX_BUSINESS_KEY characters."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InputInvalid("the business key must be text")
    value = value.strip()
    if len(value) > MAX_BUSINESS_KEY:
        raise InputInvalid(f"the business key is longer than {MAX_BUSINESS_KEY} characters")
    return value or None
