"""Whole numbers typed by people: ASCII digits only, of a bounded length.

``str.isdigit()`` accepts Unicode digits ('²', '٣') that ``int()`` then refuses or reads in a
script nobody typed; every place that turns a text box or a query parameter into a number goes
through here instead."""
from __future__ import annotations

from engine.shared.errors import FieldProblems, InputInvalid

ASCII_DIGITS = frozenset("0123456789")


def is_whole_number(text: str | None, maximum_digits: int = 18) -> bool:
    """True when ``text`` is 1 to ``maximum_digits`` ASCII digits (no sign, no spaces)."""
    return bool(text) and len(text or "") <= maximum_digits and set(text or "") <= ASCII_DIGITS


def parse_whole_number(text: str | None, maximum_digits: int = 18) -> int | None:
    """The number ``text`` spells, or None when it is not a whole number (see ``is_whole_number``)."""
    return int(text) if text is not None and is_whole_number(text, maximum_digits) else None


def whole_number(text: str | None, field: str, maximum_digits: int = 18) -> int:
    """The number ``text`` spells; otherwise InputInvalid naming ``field`` (code ``long``)."""
    number = parse_whole_number(text, maximum_digits)
    if number is None:
        problems = FieldProblems()
        problems.add(field, "long", "must be a whole number")
        raise InputInvalid(f"{field} must be a whole number", problems.details())
    return number
