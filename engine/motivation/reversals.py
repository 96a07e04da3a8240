"""Reversals: the head records that a won cycle was cancelled or refunded.

The reversal happens now; it takes the deal's commission back in the statement of the
period it happens in (engine.indicators.landing_period: the next open period when that one
is already locked for the manager). A cancellation takes back the whole deal (or the amount
given); a refund takes back the refunded amount. The reversed amounts of a cycle never add up
to more than its deal; a cancelled cycle cannot be reversed again.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from engine.motivation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.motivation.indicators import to_decimal
from engine.motivation.money import AmountInvalid, parse_amount
from engine.motivation.read_models import CycleReversal
from engine.regulation import cycles
from engine.regulation.error_texts import cycle_state
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import FieldProblems, NotFound, TaskNotActionable
from engine.shared.notices import coded
from storage.models import Cycle, Reversal
from storage.repositories import motivation as motivation_repo

KINDS = ("cancelled", "refunded")
MAX_REASON = 300


def record(session: Session, actor: Actor, cycle_id: int, kind: str, amount: str | None, reason: str,
           now: datetime) -> Reversal:
    require(actor, HEADS, "record cancellations and refunds")
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise coded(NotFound, "reversal_cycle_unknown", {"cycle_id": str(cycle_id)})
    if cycle.status != "won":
        raise coded(TaskNotActionable, "reversal_not_won", {"state": cycle_state(cycle_id, cycle.status)})
    errors = FieldProblems()
    kind = (kind or "").strip()
    if kind not in KINDS:
        errors.add("kind", "reversal_kind", "must be cancelled or refunded")
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", "required", "is required")
    elif len(reason) > MAX_REASON:
        errors.add("reason", "maxlength", f"must be at most {MAX_REASON} characters", limit=MAX_REASON)
    value = _amount(amount, kind == "refunded", errors)
    earlier = list(motivation_repo.reversals_of_cycle(session, cycle_id))
    deal = to_decimal((cycle.variables or {}).get("amount"))
    if any(r.kind == "cancelled" and r.amount is None for r in earlier):
        errors.add("kind", "already_cancelled", "the cycle was already cancelled as a whole")
    elif deal is not None and earlier and value is None and kind == "cancelled":
        # the rest of a partly refunded deal: recorded as that amount, so the clawbacks add up to the deal
        left = deal - sum((r.amount or deal for r in earlier), Decimal(0))
        if left <= 0:
            errors.add("kind", "nothing_left", "nothing is left of the deal to cancel")
        else:
            value = left
    elif deal is not None and value is not None:
        left = deal - sum((r.amount or deal for r in earlier), Decimal(0))
        if value > left:
            errors.add("amount", "more_than_left", f"is more than what is left of the deal ({left:f})", left=f"{left:f}")
    errors.raise_if_any("the reversal cannot be recorded")
    reversal = Reversal(cycle_id=cycle_id, at=now, kind=kind, amount=value, reason=reason, created_by=actor.login)
    session.add(reversal)
    rec = cycles.Recorder(session, cycle, actor.login, now)
    rec.add("reversed", data={"kind": kind, "amount": None if value is None else str(value), "reason": reason})
    rec.write()
    session.flush()
    return reversal


def _amount(raw: str | None, required: bool, errors: FieldProblems) -> Decimal | None:
    """The refunded amount as typed (see engine.motivation.money: "150000.50", "150 000,50";
    rounded to 2 places, half up); None when left empty."""
    text = (raw or "").strip()
    if not text:
        if required:
            errors.add("amount", "required_for_refund", "is required for a refund")
        return None
    try:
        value = parse_amount(text, allow_negative=True)
    except AmountInvalid as exc:
        errors.add("amount", exc.code, exc.message)
        return None
    if value <= 0:
        errors.add("amount", "positive", "must be more than zero")
        return None
    return value


def of_cycle(session: Session, cycle_id: int) -> list[CycleReversal]:
    return [CycleReversal(r.id, r.at, r.kind, r.amount, r.reason, r.created_by)
            for r in motivation_repo.reversals_of_cycle(session, cycle_id)]
