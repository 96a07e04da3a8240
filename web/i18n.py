"""Locale choice and formatting helpers for templates."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, request, session
from flask_babel import format_datetime, gettext

LOCALES = ("en", "ru")


def select_locale() -> str:
    actor = g.get("actor")
    if actor is not None and actor.locale in LOCALES:
        return actor.locale  # type: ignore[no-any-return]
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen  # type: ignore[no-any-return]
    return request.accept_languages.best_match(LOCALES) or "en"


def _when(value: datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_datetime(value, "short")


STATUS_LABELS = {
    "active": "Active", "won": "Won", "lost": "Lost", "incident": "Incident", "cancelled": "Cancelled",
}
EVENT_LABELS = {
    "started": "Cycle started", "created": "Task created", "assigned": "Assigned",
    "claimed": "Claimed", "released": "Released", "completed": "Completed", "passed": "Passed",
    "cancelled": "Task cancelled", "ended": "Cycle ended", "incident": "Incident", "retried": "Retried",
}


def template_globals() -> dict[str, Any]:
    return {"LOCALES": LOCALES}


def template_filters() -> dict[str, Any]:
    return {
        "when": _when,
        "status_label": lambda s: gettext(STATUS_LABELS.get(s, s)),
        "event_label": lambda s: gettext(EVENT_LABELS.get(s, s)),
    }


# Strings built at runtime, listed so extraction finds them.
def _catalogue() -> None:  # pragma: no cover
    gettext("Active"), gettext("Won"), gettext("Lost"), gettext("Incident"), gettext("Cancelled")
    gettext("Cycle started"), gettext("Task created"), gettext("Assigned"), gettext("Claimed")
    gettext("Released"), gettext("Completed"), gettext("Passed"), gettext("Task cancelled")
    gettext("Cycle ended"), gettext("Retried")
