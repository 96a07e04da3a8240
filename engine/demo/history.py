"""Twelve months of demo history: a believable department's year, made by running the real engine
under a moving clock, so that the dashboard, the funnel, durations and loss reasons show
something true about the data after ``reglament demo``.

What is in it (seeded, so every run makes the same year): about eleven new clients a month, each
with a cycle of the demo regulation; anna converts better than boris; Manufacturing clients take
longer at every step and Public sector longer still; clients refuse at qualification, the
presentation, the negotiation or the signature, with reasons named as the loss-reason catalogue
names them; cycles started in the last weeks are still open at the stage they reached.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.platform.root import Reglament
from engine.shared.access import Actor
from storage.repositories import regulation as regulation_repo

SEED = 20261203
MONTHS = 12
PER_MONTH = 11
NAMES = ("Aurora", "Baltic", "Cedar", "Dnepr", "Elbrus", "Fortuna", "Granit", "Horizon", "Irtysh", "Kama",
         "Ladoga", "Meridian", "Neva", "Oka", "Pechora", "Quant", "Rubin", "Saturn", "Taiga", "Ural",
         "Vesta", "Volga", "Yenisei", "Zenit")
KINDS = ("Trading", "Foods", "Steel", "Logistics", "Pharma", "Motors", "Textiles", "Clinic", "Energy", "Systems",
         "Construction", "Dairy", "Electronics", "Hotels", "Paper", "Telecom", "Glass", "Chemicals")
#: segment -> how much longer every step takes
SLOWER = {"Retail": 1.0, "Manufacturing": 1.8, "Public sector": 2.5}
#: manager -> chance a client refuses at each decision point (anna sells better)
REFUSES = {"anna": 0.14, "boris": 0.26}
#: where a client refuses: (task, the values the manager submits, reasons as the catalogue names them)
REASONS = {
    "Task_QualificationCall": ("No budget", "No need", "Not now, later"),
    "Task_Presentation": ("Chose a competitor", "No need", "Too expensive"),
    "Task_Negotiation": ("Too expensive", "Chose a competitor", "Not now, later"),
    "Task_SignContract": ("Chose a competitor", "No budget"),
}
#: the path of a sale: (task, days it usually takes: low, high)
PATH: tuple[tuple[str, float, float], ...] = (
    ("Task_QualificationCall", 0.2, 2.5), ("Task_PrepareDemo", 1, 4), ("Task_Presentation", 1, 5),
    ("Task_Proposal", 1, 6), ("Task_Negotiation", 2, 12), ("Task_ContractReview", 1, 4),
    ("Task_SignContract", 1, 4), ("Task_IssueInvoice", 0.5, 2), ("Task_ConfirmPayment", 2, 12),
)


class MovingClock:
    """The engine clock of the history: set to each moment a step happens."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Made:
    clients: int = 0
    cycles: int = 0
    won: int = 0
    lost: int = 0


def load_history(platform: Reglament, months: int = MONTHS, seed: int = SEED) -> dict[str, int]:
    """A year of cycles ending now (the platform's clock); returns counts of what was added."""
    now = platform.ctx.now().replace(microsecond=0)
    clock = MovingClock(now)
    past = Reglament(platform.db, platform.secret_key, clock=clock, settings=platform.settings)
    actors = {a.login: a for a in past.accounts.users()}
    head = actors["head"]
    past.control.ensure_loss_reasons()
    rnd = random.Random(seed)
    made = Made()
    first = (now - timedelta(days=30 * months)).replace(hour=9, minute=0, second=0)
    starts = sorted(first + timedelta(days=rnd.uniform(0, 30 * months), hours=rnd.uniform(0, 8))
                    for _ in range(months * PER_MONTH))
    for number, started in enumerate(starts):
        owner = "anna" if rnd.random() < 0.5 else "boris"
        segment = rnd.choice(tuple(SLOWER))
        clock.now = started
        name = f"{rnd.choice(NAMES)} {rnd.choice(KINDS)} {number + 1:03d}"
        client = past.clients.create_client(head, name, segment, owner)
        made.clients += 1
        cycle_id = int(past.regulation.start_cycle(actors[owner], client.id, "new_client_sale").id)
        made.cycles += 1
        outcome = _run(past, actors, clock, rnd, cycle_id, owner, segment, now)
        made.won += outcome == "won"
        made.lost += outcome == "lost"
    clock.now = now
    for actor in actors.values():  # the year's notifications are old news
        past.notify.mark_notifications_read(actor)
    return {"history_clients": made.clients, "history_cycles": made.cycles, "history_won": made.won,
            "history_lost": made.lost}


def _run(platform: Reglament, actors: dict[str, Actor], clock: MovingClock, rnd: random.Random, cycle_id: int,
         owner: str, segment: str, now: datetime) -> str | None:
    """Walks one cycle along the path until it is decided or its next step would be after now."""
    amount = rnd.randrange(150, 900) * 1000
    for element_id, low, high in PATH:
        step = timedelta(days=rnd.uniform(low, high) * SLOWER[segment])
        if clock.now + step >= now:
            return None  # still open, at this task
        clock.now += step
        reasons = REASONS.get(element_id)
        refused = bool(reasons) and rnd.random() < REFUSES[owner]
        values = _refusal(element_id, rnd.choice(reasons)) if refused and reasons else _values(element_id, amount, clock.now)
        status = _complete(platform, actors, cycle_id, element_id, values)
        if status != "active":
            return status  # decided (a timer may have decided it first: 30 days silent)
    return "won"


def _values(element_id: str, amount: int, at: datetime) -> dict[str, Any]:
    values: dict[str, dict[str, Any]] = {
        "Task_QualificationCall": {"contact_person": "Maria", "budget": amount * 2, "result": "qualified"},
        "Task_PrepareDemo": {"demo_date": at.date().isoformat(), "demo_notes": "Reporting and pipeline"},
        "Task_Presentation": {"result": "interested"},
        "Task_Proposal": {"amount": amount, "discount_pct": 5},
        "Task_Negotiation": {"result": "agreed"},
        "Task_ContractReview": {"contract_number": f"C-{at:%Y%m%d}", "approved": True},
        "Task_SignContract": {"result": "signed"},
        "Task_IssueInvoice": {"invoice_number": f"INV-{at:%Y%m%d%H%M}"},
        "Task_ConfirmPayment": {"paid_amount": amount, "payment_date": at.date().isoformat()},
    }
    return values[element_id]


def _refusal(element_id: str, reason: str) -> dict[str, Any]:
    if element_id == "Task_QualificationCall":
        return {"contact_person": "Ivan", "result": "refused", "loss_reason": reason}
    return {"result": "refused", "loss_reason": reason}


def _complete(platform: Reglament, actors: dict[str, Actor], cycle_id: int, element_id: str,
              values: dict[str, Any]) -> str | None:
    """Completes the open task of the element (claiming a group task first); returns the cycle's
    status after, or before when the task is not open (a timer took the cycle elsewhere)."""
    with platform.query() as s:
        task = next((t for t in regulation_repo.open_tasks_of_cycle(s, cycle_id) if t.element_id == element_id), None)
        if task is None:
            return str(platform.regulation.cycle(actors["head"], cycle_id).status)
        who = task.assignee or next(a.login for a in actors.values()
                                    if a.candidate_keys & set(task.candidate_groups) and "manager" in a.roles)
    actor = actors[who]
    if task.assignee is None:
        platform.regulation.claim_task(actor, task.id)
    return str(platform.regulation.complete_task(actor, task.id, values).status)
