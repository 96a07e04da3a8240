"""Russian tax ids (ИНН): 10 digits for a company, 12 for a person, with check digits.

A pure function: a value and the client's kind in, the problem (or None) out. The problem is a
code for the UI's language and English text for the API.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
LENGTHS = {"company": 10, "person": 12}


@dataclass(frozen=True)
class TaxIdProblem:
    code: str  # not_digits, company_length, person_length, checksum
    text: str


def normalise(value: str | None) -> str:
    """Spaces and dashes people type inside the number dropped."""
    return re.sub(r"[\s-]+", "", value or "")


def check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10


def has_valid_checksum(digits: str) -> bool:
    """The check digits of a 10- or 12-digit tax id agree with the other digits."""
    if len(digits) == 10:
        return check_digit(digits, _WEIGHTS_10) == int(digits[9])
    if len(digits) == 12:
        return (check_digit(digits, _WEIGHTS_11) == int(digits[10])
                and check_digit(digits, _WEIGHTS_12) == int(digits[11]))
    return False


def problem(value: str, kind: str) -> TaxIdProblem | None:
    """What is wrong with ``value`` (already normalised) as the tax id of a ``kind`` client."""
    if not value.isdigit() or not value.isascii():
        return TaxIdProblem("not_digits", "must contain digits only")
    expected = LENGTHS.get(kind, 10)
    if len(value) != expected:
        if kind == "person":
            return TaxIdProblem("person_length", f"a person's tax id has 12 digits, not {len(value)}"
                                + (" (10 digits is a company's)" if len(value) == 10 else ""))
        return TaxIdProblem("company_length", f"a company's tax id has 10 digits, not {len(value)}"
                            + (" (12 digits is a person's)" if len(value) == 12 else ""))
    if not has_valid_checksum(value):
        return TaxIdProblem("checksum", "is not a valid tax id: its check digit does not match (a typo?)")
    return None


def with_check_digits(prefix: str) -> str:
    """A valid tax id from its first 9 (company) or 10 (person) digits: demo data and tests."""
    if len(prefix) == 9:
        return prefix + str(check_digit(prefix, _WEIGHTS_10))
    if len(prefix) == 10:
        eleven = prefix + str(check_digit(prefix, _WEIGHTS_11))
        return eleven + str(check_digit(eleven, _WEIGHTS_12))
    raise ValueError("give 9 digits (a company) or 10 (a person)")
