"""Opaque keyset cursors for lists read a page at a time: the sort key of the last row of a page,
as URL-safe text. A cursor that this list did not give is a field problem on ``after``."""
from __future__ import annotations

import base64
import json
from typing import Any

from engine.shared.errors import FieldProblems, InputInvalid

#: longer text is not a cursor any list gives
MAX_CURSOR = 1000


def encode(*key: str | int | None) -> str:
    """The cursor of the page after the row whose sort key is ``key``."""
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str, *shape: type | tuple[type, ...]) -> tuple[Any, ...]:
    """The sort key in ``cursor``, each part of the type ``shape`` names (None allowed where the
    type tuple includes ``type(None)``)."""
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError("too long")
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(key, list) or len(key) != len(shape):
            raise ValueError("wrong shape")
        for value, kind in zip(key, shape, strict=True):
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError("wrong type")
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise refused(str(exc)) from None
    return tuple(key)


def refused(reason: str) -> InputInvalid:
    """The error for a cursor this list did not give (a field problem on ``after``)."""
    problems = FieldProblems()
    problems.add("after", "cursor", "is not a cursor this list gave")
    return InputInvalid(f"after is not a cursor this list gave ({reason})", problems.details())
