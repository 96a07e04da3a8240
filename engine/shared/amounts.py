"""Amounts as people type them, for every form that takes money (task forms, plans, rates).

Amounts typed into task forms (``money`` fields), plans, piece rates and reversals
(``parse_amount``) are read as a
Russian or an English user writes them: ``250000.50``, ``250 000,50``, ``250 000.50``,
``1,500,000.50`` or ``1.500.000,50`` (spaces, no-break spaces and apostrophes group
digits; with both ``.`` and ``,`` the last one is the decimal separator; a single one of
them is a decimal separator, except in ``1,500`` or ``1.500``, which is refused as
ambiguous). The value is a Decimal **rounded to 2 places
(kopecks), half up** — the rule the forms state next to the inputs. Never a float.
"""
from __future__ import annotations

import decimal
import re
from decimal import Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
#: how typed amounts are rounded (stated on the forms): to kopecks, half up
AMOUNT_ROUNDING = decimal.ROUND_HALF_UP
MAX_AMOUNT = Decimal("9999999999999999.99")  # Numeric(18, 2)

#: what the amount parser reports (the web layer translates these texts)
NOT_AN_AMOUNT = "must be an amount, like 250000.50 or 250 000,50"
NEGATIVE = "must be an amount of zero or more"
TOO_LARGE = "is too large"
AMBIGUOUS = "is ambiguous: write thousands without a separator (1500) or decimals with two places (1,50)"

_GROUPS = re.compile(r"[\s\u00a0\u202f\u2009'’]")
_PLAIN = re.compile(r"^-?\d+(?:\.\d+)?$")


#: the per-field problem code of each text above (web/i18n.py FIELD_MESSAGES renders them)
CODES = {NOT_AN_AMOUNT: "money", NEGATIVE: "money_negative", TOO_LARGE: "too_large", AMBIGUOUS: "money_ambiguous"}


class AmountInvalid(ValueError):
    """A typed amount that is not one; ``message`` is one of the texts above, ``code`` its code."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = CODES.get(message, "money")



def normalize_number(text: str) -> str | None:
    """The digits of a typed number with a point as its decimal separator ("250 000,50" ->
    "250000.50"); None when the text is not a number as people write one; AmountInvalid
    (AMBIGUOUS) for "1,500" or "1.500", which reads as 1.5 to some and 1500 to others."""
    raw = _GROUPS.sub("", text.strip())
    sign = ""
    if raw[:1] in ("-", "+"):
        sign, raw = ("-" if raw[0] == "-" else ""), raw[1:]
    if not re.fullmatch(r"\d[\d.,]*", raw) or not raw[-1].isdigit():
        return None
    kinds = {c for c in raw if c in ".,"}
    if not kinds:
        return sign + raw
    if len(kinds) == 1:
        mark = kinds.pop()
        if raw.count(mark) == 1:
            whole, fraction = raw.split(mark)
            if len(fraction) == 3 and len(whole) <= 3 and whole[0] != "0":
                raise AmountInvalid(AMBIGUOUS)  # 1,500: one and a half, or fifteen hundred?
            return sign + whole + "." + fraction  # 250000.50, 250000,50, 0.125
        return sign + raw.replace(mark, "") if _grouped(raw) else None  # 1,500,000 or 1.500.000
    last = max(raw.rfind("."), raw.rfind(","))
    whole, fraction = raw[:last], raw[last + 1:]
    if raw[last] in whole or not _grouped(whole):
        return None  # the decimal separator once, after digits grouped by the other one
    return sign + re.sub(r"[.,]", "", whole) + "." + fraction


def _grouped(digits: str) -> bool:
    """1,500,000 / 1.500.000: groups of three after a first group of one to three digits."""
    parts = re.split(r"[.,]", digits)
    return 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


def parse_amount(value: Any, allow_negative: bool = False) -> Decimal:
    """A typed amount as Decimal rounded to 2 places, half up (see the module's notes);
    AmountInvalid when it is not one."""
    if isinstance(value, bool) or value is None:
        raise AmountInvalid(NOT_AN_AMOUNT)
    if isinstance(value, Decimal | int):
        text = str(value)
    elif isinstance(value, str):
        normalized = normalize_number(value)
        if normalized is None:
            raise AmountInvalid(NOT_AN_AMOUNT)
        text = normalized
    else:
        raise AmountInvalid(NOT_AN_AMOUNT)
    if not _PLAIN.match(text):
        raise AmountInvalid(NOT_AN_AMOUNT)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise AmountInvalid(NOT_AN_AMOUNT) from None
    if number < 0 and not allow_negative:
        raise AmountInvalid(NEGATIVE)
    rounded = number.quantize(CENT, rounding=AMOUNT_ROUNDING)
    if abs(rounded) > MAX_AMOUNT:
        raise AmountInvalid(TOO_LARGE)
    return rounded


def amount_text(value: Decimal) -> str:
    """An amount as a form shows it again: 1200000, 900000.5, 0.05."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
