"""The terms of a motivation scheme version as a head types them, checked: every field
that is wrong is named, nothing is stored until all are right.

Piece rates are money: typed as people write amounts ("150", "150.50", "1 500,50"; see
engine.motivation.money) and stored rounded to 2 places, half up."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.motivation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.motivation.money import ROUNDINGS as ROUNDING_RULES
from engine.motivation.money import AmountInvalid, parse_amount
from engine.motivation.payout import BASES
from engine.motivation.scheme_tables import checked_xml, table_name
from engine.shared import days
from engine.shared.access import ROLES
from engine.shared.errors import FieldProblems, InputInvalid
from engine.shared.notices import coded
from storage.models import Team
from storage.repositories import organization as organization_repo

#: the payout's own (engine.money): what a scheme may name is what the calculation knows
ROUNDINGS = tuple(ROUNDING_RULES)
FIELDS = ("effective_from", "role", "team", "basis", "currency", "rounding", "piece_rates", "tables", "settings")
MAX_TABLES = 20
MAX_SETTINGS_CHARS = 20_000
MAX_RATE = Decimal("1000000000")
_WORK_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def validated(session: Session, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes as column values; InputInvalid naming every field that is wrong."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise coded(InputInvalid, "scheme_fields_unknown", {"fields": ", ".join(unknown)})
    errors = FieldProblems()
    values: dict[str, Any] = {}
    for key, value in changes.items():
        try:
            if key == "team":
                values["team_id"] = team(session, value).id if value not in (None, "") else None
            else:
                values[key] = _CHECKS[key](value)
        except TermInvalid as exc:
            errors.add(key, exc.problem, exc.message, **exc.params)
    if values.get("role") and values.get("team_id"):
        errors.add("team", "role_or_team", "choose a role or a team, not both")
    elif "role" in values and values["role"] and "team_id" not in values:
        values["team_id"] = None  # a role replaces the team
    elif values.get("team_id") and "role" not in values:
        values["role"] = None
    errors.raise_if_any("The scheme cannot be saved")
    return values


class TermInvalid(InputInvalid):
    """One term of a scheme that is wrong: its problem code and parameters (web/i18n.py renders them)."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.problem, self.params = code, params


def _effective_from(value: Any) -> date:
    try:
        return days.to_date(value)
    except ValueError:
        raise TermInvalid("date", "a day like 2026-01-01 is needed") from None


def _role(value: Any) -> str | None:
    role = (value or "").strip() if isinstance(value, str) or value is None else value
    if not role:
        return None
    if role not in ROLES:
        raise TermInvalid("choice", f"{role!r} is not a role; use one of {', '.join(ROLES)}", allowed=", ".join(ROLES))
    return str(role)


def team(session: Session, value: Any) -> Team:
    found = None
    if isinstance(value, int) and not isinstance(value, bool):
        found = session.get(Team, value)
    elif isinstance(value, str) and value.strip():
        found = organization_repo.team_by_name(session, value.strip())
    if found is None:
        raise TermInvalid("unknown_team", f"there is no team {value!r}", value=str(value))
    return found


def _choice(options: tuple[str, ...]) -> Any:
    def check(value: Any) -> str:
        text = str(value or "").strip()
        if text not in options:
            raise TermInvalid("choice", f"{text!r} is not one of {', '.join(options)}", allowed=", ".join(options))
        return text

    return check


def _currency(value: Any) -> str:
    text = str(value or "").strip().upper()
    if not _CURRENCY.match(text):
        raise TermInvalid("currency", "a three-letter currency code like RUB is needed")
    return text


def _piece_rates(value: Any) -> dict[str, str]:
    """Work type -> rate as text with two places ("150.00"): typed as amounts are (see
    engine.motivation.money), rounded to 2 places, half up; empty rates are dropped."""
    if not isinstance(value, Mapping):
        raise TermInvalid("piece_rates", "piece rates are a mapping of work type to amount")
    rates: dict[str, str] = {}
    for work_type, raw in value.items():
        if not isinstance(work_type, str) or not _WORK_TYPE.match(work_type):
            raise TermInvalid("work_type_name", f"{work_type!r} is not a work type name (like call or site_visit)",
                              value=str(work_type)[:60])
        if isinstance(raw, float):
            raise TermInvalid("piece_rate", f"the rate of {work_type} must be given as text or Decimal, like "
                              "\"150.50\", not a float", work_type=work_type, limit=f"{MAX_RATE:f}")
        text = str(raw if raw is not None else "").strip()
        if not text:
            continue
        try:
            amount = parse_amount(raw if isinstance(raw, Decimal | int) else text)
        except AmountInvalid as exc:
            raise TermInvalid("piece_rate", f"the rate of {work_type} is {text!r}: it {exc.message}",
                              work_type=work_type, limit=f"{MAX_RATE:f}") from None
        if amount > MAX_RATE:
            raise TermInvalid("piece_rate", f"the rate of {work_type} must be an amount from 0 to {MAX_RATE}",
                              work_type=work_type, limit=f"{MAX_RATE:f}")
        rates[work_type] = f"{amount:f}"
    return dict(sorted(rates.items()))


def _settings(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError as exc:
            raise TermInvalid("settings_json", f"settings are not valid JSON: {exc}") from None
    if not isinstance(value, Mapping):
        raise TermInvalid("settings_object", "settings must be a JSON object")
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TermInvalid("settings_json", f"settings must be plain JSON: {exc}") from None
    if len(text) > MAX_SETTINGS_CHARS:
        raise TermInvalid("maxlength", f"settings are {len(text):,} characters long; the limit is "
                          f"{MAX_SETTINGS_CHARS:,}", limit=MAX_SETTINGS_CHARS)
    return json.loads(text)  # type: ignore[no-any-return]


def _tables(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise coded(InputInvalid, "scheme_tables_shape", {})
    if len(value) > MAX_TABLES:
        raise coded(InputInvalid, "scheme_tables_max", {"limit": str(MAX_TABLES)})
    return {table_name(name): checked_xml(xml, name) for name, xml in value.items()}


_CHECKS: dict[str, Any] = {
    "effective_from": _effective_from, "role": _role, "basis": _choice(BASES), "currency": _currency,
    "rounding": _choice(ROUNDINGS), "piece_rates": _piece_rates, "tables": _tables, "settings": _settings,
}
