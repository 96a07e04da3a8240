"""The payout calculation: pure functions, no session, no clock.

Given a manager's indicators, the plan's targets, the scheme's terms (decision tables as
lookups) and the reversals landing in the period, ``calculate`` returns explainable lines
and their total.

The model, as a manager reads it on his statement:

1. **Commission** = basis total × rate. The basis is the scheme's: the amount of cycles won
   in the period (``won_amount``) or the payments received in it (``paid_amount``). The rate
   comes from the ``commission_rate`` table evaluated ONCE on the period's total plan
   attainment (basis total / revenue target), never deal by deal. Accelerators are simply
   the higher tiers of that table (over 100 % a higher rate applies to the whole basis);
   there is no separate factor on the part above 100 %.
2. **KPI multipliers** multiply the commission line only (not piece rates, not clawback):
   first ``quality_multiplier`` (by conversion and on-time share), then
   ``intensity_multiplier`` (by activity attainment). Each has its own line showing the
   difference it makes: quality = C × (q − 1), intensity = C × q × (i − 1), so the
   commission with its multiplier lines is C × q × i. A multiplier whose indicators are
   unknown (no decided cycle, no deadline, no activity target) is not applied; a note says why.
3. **Piece rates**: count of done work of each work type × that type's rate.
4. **Clawback**: each reversal landing in the period gives a negative line: the reversed
   amount (the refund, or the whole deal) × the rate the deal's commission was paid at (the
   rate recorded in the original statement line; when none is found, this period's rate).
   A reversal whose own period was already locked lands in the next open period as a
   ``correction`` line.

Money is Decimal with an explicit currency; every line is rounded to 0.01 by the scheme's
rule (ROUND_HALF_UP unless the scheme says otherwise); the total is the sum of the rounded
lines.

Money and rounding live in engine.motivation.money, decision-table lookups in
engine.motivation.tables; their names are re-exported here for callers of the calculation.
"""
from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.motivation.indicators import (
    Indicators,
    ReversalItem,
    activity_attainment,
    revenue_attainment,
)
from engine.motivation.money import (
    CENT,
    ROUNDINGS,
    CurrencyMismatch,
    Money,
    PayoutError,
    parse_rate,
    round_money,
)
from engine.motivation.tables import Hit, Table, TableFailed, Tiers, json_value, lookup

#: re-exported for the callers of the calculation (they lived here before the split)
__all__ = [
    "BASES", "CENT", "COMMISSION_TABLE", "MULTIPLIERS", "ROUNDINGS", "CurrencyMismatch", "Hit", "Line",
    "Money", "NextTier", "OriginalRates", "Payout", "PayoutError", "Table", "TableFailed", "Targets",
    "Terms", "Tiers", "calculate", "lookup", "next_tier", "parse_rate", "reversed_amount", "round_money",
    "table_inputs",
]

BASES = ("won_amount", "paid_amount")
COMMISSION_TABLE = "commission_rate"
#: multiplier name -> (its table, the indicators it needs), in the order they apply
MULTIPLIERS = (("quality", "quality_multiplier", ("conversion", "on_time_share")),
               ("intensity", "intensity_multiplier", ("activity_attainment",)))
_STEP = Decimal("0.0001")  # probing just above a tier boundary (exclusive lower bounds)


# ---------------------------------------------------------------- terms, targets, result

@dataclass(frozen=True)
class Terms:
    """A motivation scheme version as the calculation needs it."""

    name: str
    version: int
    commission: Table
    basis: str = "won_amount"
    currency: str = "RUB"
    rounding: str = "ROUND_HALF_UP"
    piece_rates: Mapping[str, Any] = field(default_factory=dict)  # work type -> "150.00"
    multipliers: Mapping[str, Table] = field(default_factory=dict)  # "quality", "intensity"
    activity_cap: Decimal = Decimal("1.2")  # done/target counts at most this much per work type
    cycle_days_norm: Decimal | None = None
    scheme_id: int | None = None

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


@dataclass(frozen=True)
class Targets:
    """The plan a statement measures against."""

    revenue: Decimal = Decimal(0)
    won: int = 0
    activities: Mapping[str, int] = field(default_factory=dict)
    currency: str = "RUB"
    scenario: str = "actual"


@dataclass(frozen=True)
class Line:
    kind: str  # commission, multiplier, piece, clawback, correction
    key: str  # stable across recomputations: comments stay on their line
    description: str
    amount: Decimal
    quantity: Decimal | None = None
    rate: Decimal | None = None
    explanation: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NextTier:
    """What it takes to reach the next higher commission rate."""

    amount: Decimal  # more basis needed
    rate: Decimal
    attainment: Decimal
    basis: str
    currency: str

    def as_dict(self) -> dict[str, Any]:
        return {"amount": str(self.amount), "rate": str(self.rate), "attainment": str(self.attainment),
                "basis": self.basis, "currency": self.currency}


@dataclass(frozen=True)
class Payout:
    currency: str
    lines: tuple[Line, ...]
    basis_total: Decimal
    attainment: Decimal | None
    activity_attainment: Decimal | None
    rate: Hit
    next_tier: NextTier | None
    #: why something was not paid: {"code": "no_target" | "multiplier_skipped", "text": English, ...}
    notes: tuple[dict[str, Any], ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    def subtotal(self, *kinds: str) -> Decimal:
        return sum((line.amount for line in self.lines if line.kind in kinds), Decimal("0.00"))


#: the original rate of a reversed deal's commission: cycle id -> (rate, where it was read)
OriginalRates = Mapping[int, tuple[Decimal, str]]


def calculate(ind: Indicators, plan: Targets | None, terms: Terms,
              original_rates: OriginalRates | None = None) -> Payout:
    """The payout of one manager's period (see the module's notes for the model)."""
    if terms.basis not in BASES:
        raise PayoutError(f"scheme {terms.label}: the basis must be one of {', '.join(BASES)}, "
                          f"not {terms.basis!r}")
    if plan is not None and plan.currency != terms.currency:
        raise CurrencyMismatch(f"the plan of {ind.login} for {ind.period} is in {plan.currency} but the "
                               f"scheme {terms.label} pays in {terms.currency}",
                               {"plan": plan.currency, "scheme": terms.currency})
    rule = terms.rounding
    round_money(Decimal(0), rule)  # an unknown rule fails before anything is computed
    notes: list[dict[str, Any]] = []
    basis_total = ind.basis_total(terms.basis)
    target = plan.revenue if plan is not None else None
    attainment = revenue_attainment(basis_total, target)
    activity = activity_attainment(ind.work_done, plan.activities if plan else {}, terms.activity_cap)
    if attainment is None:
        notes.append({"code": "no_target",
                      "text": "no revenue target for the period: the commission rate is that of 0 % attainment"})
    inputs = table_inputs(ind, attainment, activity, terms)
    rate = lookup(terms.commission, inputs)
    lines: list[Line] = []
    commission = basis_total * rate.value
    lines.append(Line(
        "commission", "commission",
        f"Commission {_pct(rate.value)} of {Money(basis_total, terms.currency)} "
        f"({'won cycles' if terms.basis == 'won_amount' else 'payments received'}{_late_note(ind, terms.basis)})",
        round_money(commission, rule), quantity=basis_total, rate=rate.value,
        explanation={"basis": terms.basis, "basis_total": str(basis_total), **_basis_items(ind, terms.basis),
                     "target": json_value(target), "attainment": json_value(attainment), "rate": str(rate.value),
                     **rate.as_dict(), "scheme": terms.label}))
    lines.extend(_multiplier_lines(commission, ind, inputs, terms, notes))
    lines.extend(_piece_lines(ind, terms))
    lines.extend(_clawback_lines(ind.reversals, rate, terms, original_rates or {}))
    return Payout(currency=terms.currency, lines=tuple(lines), basis_total=basis_total, attainment=attainment,
                  activity_attainment=activity, rate=rate,
                  next_tier=next_tier(terms, inputs, basis_total, target, rate), notes=tuple(notes))


def table_inputs(ind: Indicators, attainment: Decimal | None, activity: Decimal | None,
                 terms: Terms) -> dict[str, Any]:
    """What every table is given; a table reads the inputs it names."""
    values: dict[str, Any] = {
        "attainment": attainment if attainment is not None else Decimal(0),
        "conversion": ind.conversion, "on_time_share": ind.on_time_share, "on_time": ind.on_time_share,
        "activity_attainment": activity, "won_count": ind.won_count,
        "won_amount": ind.won_amount, "paid_amount": ind.paid_amount,
        "avg_cycle_days": ind.avg_cycle_days, "cycle_days_norm": terms.cycle_days_norm,
    }
    return values


def _basis_items(ind: Indicators, basis: str) -> dict[str, Any]:
    """The deals or payments the commission is on; one that happened in a period locked early,
    after its lock, carries ``late_from`` (that period)."""
    if basis == "paid_amount":
        return {"payments": [{"cycle_id": p.cycle_id, "task_id": p.task_id, "client": p.client,
                              "amount": json_value(p.amount), "at": p.done_at.isoformat(),
                              **({"late_from": p.late_from} if p.late_from else {})} for p in ind.payments]}
    return {"cycles": [{"id": d.cycle_id, "client": d.client, "amount": json_value(d.amount),
                        "ended_at": d.ended_at.isoformat(), **({"late_from": d.late_from} if d.late_from else {})}
                       for d in ind.won]}


def _late_note(ind: Indicators, basis: str) -> str:
    """", including 1 from 2026-11, locked before it ended" for the commission's description."""
    items = ind.payments if basis == "paid_amount" else ind.won
    late: dict[str, int] = {}
    for item in items:
        if item.late_from:
            late[item.late_from] = late.get(item.late_from, 0) + 1
    return "".join(f", including {count} from {key}, locked before it ended" for key, count in sorted(late.items()))


def _multiplier_lines(commission: Decimal, ind: Indicators, inputs: Mapping[str, Any], terms: Terms,
                      notes: list[dict[str, Any]]) -> list[Line]:
    lines: list[Line] = []
    running = commission
    for name, _table_name, needs in MULTIPLIERS:
        table = terms.multipliers.get(name)
        if table is None:
            continue
        missing = [n for n in needs if inputs.get(n) is None]
        if missing:
            notes.append({"code": "multiplier_skipped", "multiplier": name, "missing": missing,
                          "text": f"the {name} multiplier is not applied: no {', '.join(missing)} in the period"})
            continue
        if commission == 0:
            continue
        hit = lookup(table, inputs)
        difference = running * (hit.value - 1)
        lines.append(Line(
            "multiplier", f"multiplier:{name}",
            f"{name.capitalize()} multiplier ×{hit.value.normalize():f} on the commission",
            round_money(difference, terms.rounding), quantity=running.quantize(CENT), rate=hit.value,
            explanation={"multiplier": name, "applies_to": "commission", "base": str(running.quantize(CENT)),
                         **hit.as_dict(), "indicators": {n: json_value(inputs.get(n)) for n in needs}}))
        running += difference
    return lines


def _piece_lines(ind: Indicators, terms: Terms) -> list[Line]:
    lines = []
    for work_type, raw in sorted(terms.piece_rates.items()):
        rate = parse_rate(raw, terms.currency, work_type)
        work = ind.work.get(work_type)
        if work is None or not work.count or not rate:
            continue
        lines.append(Line(
            "piece", f"piece:{work_type}",
            f"{work.count} × {work_type} at {Money(rate, terms.currency)}",
            round_money(rate * work.count, terms.rounding), quantity=Decimal(work.count), rate=rate,
            explanation={"work_type": work_type, "count": work.count, "rate": str(rate),
                         "tasks": list(work.task_ids), "activities": list(work.activity_ids)}))
    return lines


def reversed_amount(item: ReversalItem, basis: str) -> Decimal:
    """How much of the basis the reversal takes back: the refund, else the whole deal."""
    if item.amount is not None:
        return item.amount
    whole = item.paid_amount if basis == "paid_amount" else item.cycle_amount
    return whole if whole is not None else (item.cycle_amount or Decimal(0))


def _clawback_lines(reversals: Sequence[ReversalItem], current: Hit, terms: Terms,
                    original_rates: OriginalRates) -> list[Line]:
    lines = []
    for item in reversals:
        amount = reversed_amount(item, terms.basis)
        if item.cycle_id in original_rates:
            rate, source = original_rates[item.cycle_id]
        else:
            rate, source = current.value, "the current period's rate (no earlier statement paid it)"
        kind = "correction" if item.late else "clawback"
        what = "refunded" if item.kind == "refunded" else "cancelled"
        lines.append(Line(
            kind, f"reversal:{item.id}",
            f"Clawback: cycle #{item.cycle_id} ({item.client}) {what}, {Money(amount, terms.currency)} "
            f"at {_pct(rate)}" + (f" (happened in {item.happened_in}, already locked)" if item.late else ""),
            round_money(-amount * rate, terms.rounding), quantity=amount, rate=rate,
            explanation={"reversal_id": item.id, "cycle_id": item.cycle_id, "client": item.client,
                         "kind": item.kind, "reason": item.reason, "at": item.at.isoformat(),
                         "reversed_amount": str(amount), "rate": str(rate), "rate_source": source,
                         "happened_in": item.happened_in, "late": item.late}))
    return lines


def next_tier(terms: Terms, inputs: Mapping[str, Any], basis_total: Decimal, target: Decimal | None,
              current: Hit) -> NextTier | None:
    """The least extra basis that lifts the commission rate above the current one; None at the
    top tier or without a target. Probes the table at its boundaries (and just above each,
    for boundaries that exclude their value)."""
    if not target or target <= 0:
        return None
    attainment = inputs.get("attainment") or Decimal(0)
    try:
        bounds = sorted({Decimal(str(b)) for b in terms.commission.thresholds()})
    except Exception:
        return None
    for bound in bounds:
        for probe in (bound, bound + _STEP):
            if probe <= attainment:
                continue
            try:
                hit = terms.commission({**inputs, "attainment": probe})
            except Exception:
                continue
            if hit.value > current.value:
                needed = (probe * target - basis_total).quantize(CENT, rounding=decimal.ROUND_CEILING)
                return NextTier(max(needed, CENT), hit.value, probe, terms.basis, terms.currency)
    return None


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"
