"""Motivation scheme versions as payout terms: DMN decision tables become payout lookups.

The tables a scheme names: ``commission_rate`` (output: the rate, 0.05 = 5 %, by the input
``attainment``), ``quality_multiplier`` (by ``conversion`` and ``on_time``, the on-time
share) and ``intensity_multiplier`` (by ``activity_attainment``); shares are fractions
(1 = 100 %). Settings read here: ``activity_cap`` (default 1.2) and ``cycle_days_norm``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from engine.motivation import (
    error_texts,  # noqa: F401  (registers the codes raised here)
    schemes,
)
from engine.motivation.money import PayoutError
from engine.motivation.payout import COMMISSION_TABLE, MULTIPLIERS, Terms
from engine.motivation.read_models import SchemeChoice
from engine.motivation.tables import Hit, TableFailed
from engine.regulation.decisions import dmn
from engine.shared.errors import DmnError, NotFound
from engine.shared.notices import coded
from engine.shared.periods import Period
from storage.models import MotivationScheme, User
from storage.repositories import motivation as motivation_repo

ATTAINMENT = "attainment"


@dataclass(frozen=True)
class DmnTable:
    """A payout lookup over a loaded DMN decision table (single-result hit policies)."""

    name: str
    table: dmn.DecisionTable

    def __call__(self, inputs: Mapping[str, Any]) -> Hit:
        given = {name: inputs.get(name) for name in self.table.variables if name in inputs}
        try:
            result = self.table.evaluate(given)
        except DmnError as exc:
            raise TableFailed(exc.message, {**exc.details, "table": self.name,
                                            "inputs": {k: _shown(v) for k, v in given.items()}}) from None
        value = result.value
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise TableFailed(f"table {self.name}: gave {value!r} for {given}, not one number",
                              {"table": self.name, "inputs": {k: _shown(v) for k, v in given.items()}})
        match = result.matches[0] if len(result.matches) == 1 else None
        return Hit(self.name, Decimal(value), str(match.rule) if match else None,
                   match.annotation if match else None, dict(result.inputs),
                   condition=match.condition if match else result.explain())

    def thresholds(self) -> Sequence[Decimal]:
        """The numbers the ``attainment`` column tests against: where the rate may change."""
        found: set[Decimal] = set()
        for index, column in enumerate(self.table.inputs):
            if column.expression != ATTAINMENT:
                continue
            for rule in self.table.rules:
                for test in rule.tests[index].tests:
                    found.update(Decimal(v) for v in test.literals()
                                 if isinstance(v, (int, Decimal)) and not isinstance(v, bool))
        return sorted(found)


def _shown(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


@lru_cache(maxsize=256)
def _table(xml: str, name: str) -> dmn.DecisionTable:
    return dmn.load_table(xml, name)


def table(xml: str, name: str) -> DmnTable:
    """A scheme's table, loaded once per distinct XML."""
    return DmnTable(name, _table(xml, name))


def terms_of(scheme: MotivationScheme) -> Terms:
    """A stored scheme version as payout terms; PayoutError when it lacks its commission table."""
    tables: Mapping[str, Any] = scheme.tables or {}
    label = f"{scheme.name} v{scheme.version}"
    if COMMISSION_TABLE not in tables:
        raise PayoutError(f"scheme {label} has no {COMMISSION_TABLE} table")
    settings: Mapping[str, Any] = scheme.settings or {}
    multipliers = {name: table(str(tables[table_name]), table_name)
                   for name, table_name, _ in MULTIPLIERS if tables.get(table_name)}
    return Terms(name=scheme.name, version=scheme.version,
                 commission=table(str(tables[COMMISSION_TABLE]), COMMISSION_TABLE),
                 basis=scheme.basis, currency=scheme.currency, rounding=scheme.rounding,
                 piece_rates=dict(scheme.piece_rates or {}), multipliers=multipliers,
                 activity_cap=_cap(settings.get("activity_cap")),
                 cycle_days_norm=_decimal(settings.get("cycle_days_norm"), None), scheme_id=scheme.id)


def _cap(value: Any) -> Decimal:
    """The activity cap setting (default 1.2: done/target counts at most 120 % per work type)."""
    found = _decimal(value, None)
    return found if found is not None else Decimal("1.2")


def _decimal(value: Any, default: Decimal | None) -> Decimal | None:
    if value in (None, ""):
        return default
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return default


class StoredSchemes:
    """The SchemeBook of the statements: the stored schemes, as engine.schemes says which is in
    force. A period is paid under the scheme in force on its last day."""

    def in_force(self, session: Session, user: User, period: Period) -> Terms | None:
        found = schemes.in_force(session, period.last, login=user.login)
        return terms_of(found) if found is not None else None

    def version(self, session: Session, scheme_id: int) -> Terms:
        scheme = session.get(MotivationScheme, scheme_id)
        if scheme is None:
            raise coded(NotFound, "scheme_version_id_unknown", {"scheme_id": str(scheme_id)})
        return terms_of(scheme)


BOOK = StoredSchemes()


def choices(session: Session) -> list[SchemeChoice]:
    """Scheme versions to pick from in what-if: drafts first, then the others, newest first."""
    rank = {"draft": 0, "active": 1}
    rows = sorted(motivation_repo.motivation_scheme_versions(session),
                  key=lambda s: (rank.get(s.status, 2), s.name, -s.version))
    return [SchemeChoice(s.id, f"{s.name} v{s.version}", s.status, s.effective_from) for s in rows]
