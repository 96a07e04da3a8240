"""Texts people read that the engine owns (a figure's definition): written once, here in English,
marked with ``N_`` so that ``make extract`` puts them in the catalogue; the web translates them
with ``_()`` when it shows them, the JSON API gives them as written."""
from __future__ import annotations


def N_(text: str) -> str:
    """Marks ``text`` for the catalogue and returns it unchanged."""
    return text
