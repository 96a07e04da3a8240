"""The demo's motivation data: sales plans and the current month's draft statements (idempotent).

anna's first invoiced sale is paid (when the demo cycles were just created), so both sales
managers have won cycles; the plans are set from what they won so that anna lands in the
80–100 % tier of the demo scheme and boris above 120 % (the accelerator).
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from engine.motivation.indicators import to_decimal
from engine.platform.root import Reglament
from engine.shared import periods
from engine.shared.access import Actor
from storage.repositories import regulation as regulation_repo

#: the attainment each demo manager gets: anna in 80–100 %, boris in the accelerator tier
AIMS = {"anna": Decimal("0.9"), "boris": Decimal("1.3")}
ACTIVITIES = {"call": 10, "meeting": 6, "proposal": 3}
STEP = Decimal("10000")
DEFAULT_TARGET = Decimal("1000000")


def load_demo_motivation(platform: Reglament, actors: dict[str, Actor], new_cycles: bool) -> dict[str, int]:
    head = actors["head"]
    if new_cycles:
        _pay_first_invoice(platform, actors, "anna")
    added = 0
    now = platform.motivation.current_period()
    for period in sorted({now, "2026-11"}):
        if any(row.saved for row in platform.motivation.plan_grid(head, period).rows):
            continue
        platform.motivation.save_plans(head, period, "actual", _plans(platform, head, period))
        added += 1
    computed = platform.motivation.compute_statements(head, now)
    return {"plans": added, "statements": len(computed.statement_ids)}


def _pay_first_invoice(platform: Reglament, actors: dict[str, Actor], owner: str) -> None:
    """Confirm the payment of the owner's first sale waiting for it (as accounting does)."""
    for cycle in sorted(platform.regulation.cycles(actors[owner], "active"), key=lambda c: c.id):
        with platform.query() as s:
            task = next((t for t in regulation_repo.open_tasks_of_cycle(s, cycle.id)
                         if t.element_id == "Task_ConfirmPayment"), None)
        if task is None:
            continue
        amount = int(to_decimal(cycle.variables.get("amount")) or 0)
        platform.regulation.complete_task(actors["olga"], task.id, {
            "paid_amount": amount, "payment_date": platform.ctx.now().date().isoformat()})
        return


def _plans(platform: Reglament, head: Actor, period: str) -> dict[str, str]:
    start_end = periods.parse(period)
    won: dict[str, Decimal] = {}
    for cycle in platform.regulation.cycles(head, "won"):
        ended = cycle.ended_at
        owner = cycle.variables.get("owner")
        if ended and owner in AIMS and start_end.contains(ended):
            won[owner] = won.get(owner, Decimal(0)) + (to_decimal(cycle.variables.get("amount")) or Decimal(0))
    values: dict[str, Any] = {}
    for login, aim in AIMS.items():
        amount = won.get(login, Decimal(0))
        rounding = ROUND_CEILING if aim < 1 else ROUND_FLOOR  # keep the attainment on its side of the tier
        target = (amount / aim / STEP).quantize(Decimal(1), rounding=rounding) * STEP if amount else DEFAULT_TARGET
        values[f"user:{login}|revenue"] = str(max(target, STEP))
        values[f"user:{login}|won"] = "2"
        values.update({f"user:{login}|wt:{name}": str(count) for name, count in ACTIVITIES.items()})
    return values
