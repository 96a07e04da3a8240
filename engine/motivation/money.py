"""Money in motivation: Decimal amounts with a currency, the rounding rules a scheme may name,
and amounts as people type them (``parse_amount``, from engine.shared.amounts, which task
forms share).
"""
from __future__ import annotations

import decimal
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.shared.amounts import (  # re-exported: motivation's amounts are the shared ones
    AMBIGUOUS,
    AMOUNT_ROUNDING,
    CENT,
    MAX_AMOUNT,
    NEGATIVE,
    NOT_AN_AMOUNT,
    TOO_LARGE,
    AmountInvalid,
    amount_text,
    normalize_number,
    parse_amount,
)
from engine.shared.errors import InputInvalid

__all__ = ["AMBIGUOUS", "AMOUNT_ROUNDING", "CENT", "MAX_AMOUNT", "NEGATIVE", "NOT_AN_AMOUNT", "ROUNDINGS",
           "TOO_LARGE", "AmountInvalid", "CurrencyMismatch", "Money", "PayoutError", "amount_text",
           "normalize_number", "parse_amount", "parse_rate", "round_money"]

ROUNDINGS = {name: getattr(decimal, name) for name in (
    "ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_HALF_DOWN", "ROUND_UP", "ROUND_DOWN", "ROUND_CEILING",
    "ROUND_FLOOR")}


class PayoutError(InputInvalid):
    code = "payout_error"


class CurrencyMismatch(PayoutError):
    code = "currency_mismatch"


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot add {other} to {self}: the currencies differ")
        return Money(self.amount + other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def rounded(self, rule: str = "ROUND_HALF_UP") -> Money:
        return Money(round_money(self.amount, rule), self.currency)

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"


def round_money(amount: Decimal, rule: str = "ROUND_HALF_UP") -> Decimal:
    if rule not in ROUNDINGS:
        raise PayoutError(f"unknown rounding rule {rule!r}: use one of {', '.join(ROUNDINGS)}")
    return amount.quantize(CENT, rounding=ROUNDINGS[rule])


def parse_rate(text: Any, currency: str, what: str) -> Decimal:
    """A piece rate as the scheme stores it: "150.00" or "150.00 RUB" (then in the scheme's currency)."""
    raw = str(text).strip()
    found = re.fullmatch(r"(-?\d+(?:[.,]\d+)?)\s*([A-Za-z]{3})?", raw)
    if not found:
        raise PayoutError(f"the piece rate of {what} is {raw!r}, not an amount like 150.00")
    if found.group(2) and found.group(2).upper() != currency:
        raise CurrencyMismatch(f"the piece rate of {what} is in {found.group(2).upper()} but the scheme "
                               f"pays in {currency}")
    return Decimal(found.group(1).replace(",", "."))
