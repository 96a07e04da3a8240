"""Normalised keys of client names, phones and e-mails: what search and duplicate detection
compare. Stored beside the original values (``name_key``, ``phone_key``, ``email_key``).
Migrations use them to fill the keys of existing rows, so they live in storage."""
from __future__ import annotations

import re
import unicodedata

# legal forms that say nothing about who the client is
_LEGAL_FORMS = {
    "llc", "ltd", "inc", "corp", "co", "plc", "gmbh", "ag", "sa", "jsc", "pjsc", "cjsc", "ojsc", "oy", "ab",
    "ооо", "оао", "зао", "пао", "ао", "ип", "нко", "гуп", "муп", "фгуп",
}
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_SPACES = re.compile(r"\s+")


def name_key(name: str | None) -> str:
    """Lower-case, without quotes, punctuation, legal forms and repeated spaces; ё as е."""
    text = unicodedata.normalize("NFKC", name or "").lower().replace("ё", "е")
    words = [w for w in _SPACES.split(_PUNCT.sub(" ", text)) if w and w not in _LEGAL_FORMS]
    return " ".join(words)[:300]


def phone_key(phone: str | None) -> str | None:
    """Digits only; a Russian 11-digit number starting 8 is read as +7; None without digits."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    elif len(digits) == 10 and digits.startswith("9"):  # a Russian mobile written without +7
        digits = "7" + digits
    return digits[:20] or None


def email_key(email: str | None) -> str | None:
    text = (email or "").strip().lower()
    return text[:254] or None
