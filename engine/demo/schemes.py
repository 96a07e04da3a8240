"""The demo motivation scheme: tables from bpmn/motivation/*.dmn (idempotent)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from engine.shared.access import Actor
from engine.shared.errors import NotFound

MOTIVATION_DIR = Path(__file__).resolve().parents[2] / "bpmn" / "motivation"
NAME = "sales_managers"
TERMS = {
    "effective_from": date(2026, 1, 1), "role": "manager", "basis": "won_amount", "currency": "RUB",
    "rounding": "ROUND_HALF_UP",
    "piece_rates": {"call": "150.00", "meeting": "500.00", "demo": "1000.00", "proposal": "300.00"},
    "settings": {"activity_cap": "1.2"},
}


def load_demo_scheme(platform, head: Actor) -> int:  # type: ignore[no-untyped-def]
    """Create and activate the demo scheme unless it exists; returns how many were added."""
    try:
        platform.motivation.scheme_versions(head, NAME)
        return 0
    except NotFound:
        pass
    tables = {path.stem: path.read_text(encoding="utf-8") for path in sorted(MOTIVATION_DIR.glob("*.dmn"))}
    created = platform.motivation.create_scheme(head, NAME, {**TERMS, "tables": tables})
    platform.motivation.activate_scheme(head, NAME, created.version)
    return 1
