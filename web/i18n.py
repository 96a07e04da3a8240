"""Locale choice and formatting helpers for templates."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import Translations
from flask import g, request, session
from flask_babel import format_datetime, format_number, gettext

from engine.shared import days, notices
from engine.shared.errors import ReglamentError
from engine.shared.organization_defaults import environment_language

LOCALES = ("en", "ru")


def select_locale() -> str:
    actor = g.get("actor")
    if actor is not None and actor.locale in LOCALES:
        return actor.locale  # type: ignore[no-any-return]
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen  # type: ignore[no-any-return]
    return _organization_language() or request.accept_languages.best_match(LOCALES) or "en"


def _organization_language() -> str | None:
    """The language the organization set (the admin's, else REGLAMENT_LANGUAGE) for a visitor who
    has not signed in or chosen one (the login page of a Russian team is Russian); None when the
    organization set none, or the database is down (the outage page asks nothing of it)."""
    if g.get("database_down"):
        return None
    from web.app import platform  # the app module imports this one

    found = platform().accounts.organization_defaults()
    if found.stored_language in LOCALES:
        return found.stored_language
    return found.language if environment_language() else None


def select_timezone() -> str:
    """Times are shown in the user's time zone (stored in UTC)."""
    actor = g.get("actor")
    return actor.timezone if actor is not None else "UTC"


def user_zone() -> tzinfo:
    return days.zone(select_timezone())


def _local_input(value: datetime | None) -> str:
    """A stored time as the value of an <input type="datetime-local"> in the user's zone."""
    return value.astimezone(user_zone()).strftime("%Y-%m-%dT%H:%M") if value else ""


def parse_local_input(raw: str) -> datetime | None:
    """An <input type="datetime-local"> value, read in the user's time zone; None when empty.

    Raises ValueError when it is not a date and time."""
    raw = (raw or "").strip()
    if not raw:
        return None
    moment = datetime.fromisoformat(raw)
    return moment if moment.tzinfo else moment.replace(tzinfo=user_zone())


def _when(value: datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_datetime(value, "short")


STATUS_LABELS = {
    "active": "Active", "won": "Won", "lost": "Lost", "incident": "Incident", "cancelled": "Cancelled",
    "suspended": "Suspended",
}
EVENT_LABELS = {
    "started": "Cycle started", "created": "Task created", "assigned": "Assigned",
    "claimed": "Claimed", "released": "Released", "completed": "Completed", "passed": "Passed",
    "cancelled": "Task cancelled", "ended": "Cycle ended", "incident": "Incident", "retried": "Retried",
    "planned": "Planned", "contact": "Contact",
    "handover": "Handed over",
    "cycle_cancelled": "Cycle cancelled", "suspended": "Suspended", "resumed": "Resumed",
    "moved": "Token moved", "variables_edited": "Variables edited", "migrated": "Migrated",
    "message": "Message received", "signal": "Signal received", "external_failure": "External task failed",
    "bpmn_error": "Business error reported",
}


#: every per-field problem code of the engine (engine.shared.errors.FieldProblems and task forms),
#: rendered in the user's language: the one table of field messages
FIELD_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "required": lambda p: gettext("is required"),
    "min": lambda p: gettext("must be at least %(limit)s", limit=p.get("limit")),
    "max": lambda p: gettext("must be at most %(limit)s", limit=p.get("limit")),
    "minlength": lambda p: gettext("must be at least %(limit)s characters", limit=p.get("limit")),
    "maxlength": lambda p: gettext("must be at most %(limit)s characters", limit=p.get("limit")),
    "enum": lambda p: gettext("must be one of: %(allowed)s", allowed=p.get("allowed")),
    "choice": lambda p: gettext("must be one of: %(allowed)s", allowed=p.get("allowed")),
    "text": lambda p: gettext("must be text"),
    "boolean": lambda p: gettext("must be true or false"),
    "long": lambda p: gettext("must be a whole number"),
    "too_large": lambda p: gettext("is too large"),
    "date": lambda p: gettext("must be a date (YYYY-MM-DD)"),
    "unknown": lambda p: gettext("is not a field of this form"),
    "unknown_segment": lambda p: gettext("unknown segment “%(value)s”", value=p.get("value")),
    "unknown_user": lambda p: gettext("no user “%(value)s”", value=p.get("value")),
    "cannot_own": lambda p: gettext("%(value)s cannot own clients (not an active manager)", value=p.get("value")),
    "tax_not_digits": lambda p: gettext("must contain digits only"),
    "tax_company_length": lambda p: gettext("a company’s tax id (INN) has 10 digits, not %(digits)s",
                                            digits=p.get("digits")),
    "tax_person_length": lambda p: gettext("a person’s tax id (INN) has 12 digits, not %(digits)s",
                                           digits=p.get("digits")),
    "tax_checksum": lambda p: gettext("is not a valid tax id: its check digit does not match (a typo?)"),
    "phone_chars": lambda p: gettext("may contain only digits, spaces and + ( ) - ."),
    "phone_short": lambda p: gettext("is not a phone number: it needs at least %(digits)s digits",
                                     digits=p.get("digits")),
    "email": lambda p: gettext("is not an e-mail address like name@example.com"),
    "contact_empty": lambda p: gettext("give the contact’s name, phone or e-mail"),
    "timezone": lambda p: gettext("Choose a time zone from the list."),
    # the cockpit: operations on cycles and the cycles explorer (engine/regulation/explorer.py)
    "protected": lambda p: gettext("is set by the platform and cannot be edited"),
    "invalid_name": lambda p: gettext("is not a valid variable name"),
    "scalar": lambda p: gettext("must be text, a number, true/false or null"),
    "range": lambda p: gettext("must be from 1 to 1000"),
    "cursor": lambda p: gettext("is not a cursor this list gave"),
    "required_with": lambda p: gettext("needs a regulation"),
    # task forms: conditional required, money and file fields (engine/regulation/forms.py)
    "required_if": lambda p: gettext("is required when “%(field)s” is “%(value)s”",
                                     field=p.get("field"), value=p.get("value")),
    "money": lambda p: gettext("must be an amount, like 250000.50 or 250 000,50"),
    "money_negative": lambda p: gettext("must be an amount of zero or more"),
    "money_ambiguous": lambda p: gettext("is ambiguous: write thousands without a separator (1500) "
                                         "or decimals with two places (1,50)"),
    "file": lambda p: gettext("must be a file sent with the form"),
    "file_name": lambda p: gettext("needs a file name of at most %(limit)s characters", limit=p.get("limit")),
    "file_type": lambda p: gettext("must be a file of type %(allowed)s", allowed=p.get("allowed")),
    "file_size": lambda p: gettext("must be at most %(limit)s MB", limit=p.get("limit")),
    "file_empty": lambda p: gettext("is an empty file"),
    # motivation: plans, reversals, schemes (engine/motivation)
    "plan_row": lambda p: gettext("is not a manager or a team"),
    "plan_column": lambda p: gettext("is not a column of the plan"),
    "whole_number": lambda p: gettext("must be a whole number of zero or more"),
    "scenario_name": lambda p: gettext("must be lower-case letters, digits, “-” or “_”, at most 32"),
    "reversal_kind": lambda p: gettext("must be cancelled or refunded"),
    "already_cancelled": lambda p: gettext("the cycle was already cancelled as a whole"),
    "nothing_left": lambda p: gettext("nothing is left of the deal to cancel"),
    "more_than_left": lambda p: gettext("is more than what is left of the deal (%(left)s)", left=p.get("left")),
    "required_for_refund": lambda p: gettext("is required for a refund"),
    "positive": lambda p: gettext("must be more than zero"),
    "scheme_name": lambda p: gettext("must be 1-100 letters, digits, “_” or “-”, starting with a letter or digit"),
    "scheme_taken": lambda p: gettext("a scheme “%(value)s” exists: edit it to make a new version",
                                      value=p.get("value")),
    "unknown_team": lambda p: gettext("no team “%(value)s”", value=p.get("value")),
    "currency": lambda p: gettext("must be a three-letter currency code like RUB"),
    "role_or_team": lambda p: gettext("choose a role or a team, not both"),
    "piece_rates": lambda p: gettext("must map work types to amounts"),
    "work_type_name": lambda p: gettext("“%(value)s” is not a work type name (like call or site_visit)",
                                        value=p.get("value")),
    "piece_rate": lambda p: gettext("the rate of %(work_type)s must be an amount from 0 to %(limit)s, like 150.50",
                                    work_type=p.get("work_type"), limit=p.get("limit")),
    "settings_json": lambda p: gettext("must be valid JSON"),
    "settings_object": lambda p: gettext("must be a JSON object"),
    "table_name": lambda p: gettext("must be letters, digits and “_”, starting with a letter (like commission_rate)"),
}


def field_problems(exc: ReglamentError) -> list[dict[str, Any]]:
    """The error's per-field problems as the API gives them: ``{"field", "code", "message",
    "params"}`` each, the message in the user's language."""
    codes: dict[str, dict[str, Any]] = exc.details.get("codes") or {}
    out = []
    for name, message in translated_fields(exc).items():
        params = dict(codes.get(name) or {})
        code = params.pop("code", None) or "invalid"
        out.append({"field": name, "code": code, "message": message, "params": params})
    return out


def translated_fields(exc: ReglamentError) -> dict[str, str]:
    """The error's per-field problems in the user's language, by field (the engine's English where
    a code has no entry in FIELD_MESSAGES)."""
    fields: dict[str, str] = exc.details.get("fields") or {}
    codes: dict[str, dict[str, Any]] = exc.details.get("codes") or {}
    said: dict[str, dict[str, Any]] = exc.details.get("notices") or {}  # a field's problem as a notice
    out = {}
    for name, message in fields.items():
        params = codes.get(name) or {}
        render = FIELD_MESSAGES.get(params.get("code", ""))
        out[name] = render(params) if render else notice_text({**said.get(name, {}), "message": message})
    return out


def notice_text(value: Any) -> str:
    """What the engine wrote for people (an incident, its history event, a deploy problem: a
    mapping with ``message`` and, since notices, ``code`` and ``params``) in the reader's language;
    the stored English where the code is unknown."""
    if not value:
        return ""
    if not isinstance(value, Mapping):  # a read model with the same fields (a deploy Problem)
        value = {name: getattr(value, name, None) for name in ("message", "code", "params")}
    fallback = str(value.get("message") or "")
    if not value.get("code"):
        return fallback
    return notices.render(str(value["code"]), value.get("params") or {}, translate=gettext, show=_shown,
                          fallback=fallback)


def error_text(exc: ReglamentError) -> str:
    """An engine error's message in the reader's language where the engine gave it a code (its
    English otherwise)."""
    return notice_text({"message": exc.message, **(exc.notice.as_dict() if exc.notice else {})})


def with_texts(problems: Any) -> list[dict[str, Any]]:
    """Deploy problems or warnings as the API gives them: each keeps its English ``message``, its
    ``code`` and ``params``, and gets ``text``, the message in the reader's language."""
    return [{**problem, "text": notice_text(problem)} for problem in problems or [] if isinstance(problem, Mapping)]


def _shown(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return format_number(value)
    return str(value)


@lru_cache(maxsize=len(LOCALES))
def catalogue(language: str) -> Callable[[str], str]:
    """The gettext of ``language`` outside a request (the worker's e-mails): the app's catalogue."""
    found = Translations.load(str(Path(__file__).parent / "translations"), [language])
    return found.gettext


def template_globals() -> dict[str, Any]:
    return {"LOCALES": LOCALES}


def template_filters() -> dict[str, Any]:
    return {
        "when": _when,
        "local_input": _local_input,
        "status_label": lambda s: gettext(STATUS_LABELS.get(s, s)),
        "event_label": lambda s: gettext(EVENT_LABELS.get(s, s)),
        "notice": notice_text,
    }


# Strings built at runtime, listed so extraction finds them.
def _catalogue() -> None:  # pragma: no cover
    gettext("Active"), gettext("Won"), gettext("Lost"), gettext("Incident"), gettext("Cancelled")
    gettext("Cycle started"), gettext("Task created"), gettext("Assigned"), gettext("Claimed")
    gettext("Released"), gettext("Completed"), gettext("Passed"), gettext("Task cancelled")
    gettext("Cycle ended"), gettext("Retried"), gettext("Planned"), gettext("Contact")
    gettext("Handed over")
    gettext("Suspended"), gettext("Cycle cancelled"), gettext("Resumed"), gettext("Token moved")
    gettext("Variables edited"), gettext("Migrated")
