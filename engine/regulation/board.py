"""The deal board: open cycles as cards in columns by stage, with the deal amount and totals.

A card is a cycle that is active or in incident; its amount is the cycle's ``amount`` (the
money field the proposal records), None until then. Columns follow the stage order of the
regulations' ``stages`` lists (newest regulations' first), then any stage no list names, then
cycles without a stage. A manager sees his own clients' deals; heads, analysts and admins
everyone's, or one manager's with ``owner``. At most MAX_DEALS cards (the newest), and the
board says when it holds fewer than there are.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.regulation import error_texts  # noqa: F401  (registers the codes raised here)
from engine.regulation.forms import money_value
from engine.shared.access import SELLERS, Actor, require
from engine.shared.errors import InputInvalid
from engine.shared.notices import coded
from storage.repositories import accounts as accounts_repo
from storage.repositories import board as board_repo

MAX_DEALS = 2000
NO_STAGE = ""
#: the most cycles one call of ``deal_amounts`` reads (a list's page is at most 1,000)
MAX_AMOUNTS = 1000


def deal_amount(variables: Mapping[str, Any] | None) -> Decimal | None:
    """A cycle's deal amount: its ``amount`` variable (the money field the proposal records) as a
    Decimal of kopecks; None until it has one."""
    return money_value((variables or {}).get("amount"))


def deal_amounts(session: Session, cycle_ids: Sequence[int]) -> dict[int, Decimal]:
    """The deal amount of each of these cycles that has one (a list's page, at most MAX_AMOUNTS),
    in one query; the caller has already decided who may see the cycles."""
    ids = list(dict.fromkeys(cycle_ids))[:MAX_AMOUNTS]
    found = {cycle_id: money_value(value) for cycle_id, value in board_repo.amounts(session, ids).items()}
    return {cycle_id: amount for cycle_id, amount in found.items() if amount is not None}


@dataclass(frozen=True)
class Deal:
    cycle_id: int
    client_id: int
    client_name: str
    owner: str | None
    owner_name: str | None
    stage: str | None
    amount: Decimal | None
    started_at: datetime
    status: str
    regulation: str

    def as_dict(self) -> dict[str, Any]:
        return {"cycle_id": self.cycle_id, "client_id": self.client_id, "client_name": self.client_name,
                "owner": self.owner, "owner_name": self.owner_name, "stage": self.stage,
                "amount": str(self.amount) if self.amount is not None else None,
                "started_at": self.started_at.isoformat(), "status": self.status, "regulation": self.regulation}


@dataclass
class Column:
    stage: str
    deals: list[Deal] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((d.amount for d in self.deals if d.amount is not None), Decimal("0.00"))

    @property
    def without_amount(self) -> int:
        return sum(1 for d in self.deals if d.amount is None)


@dataclass(frozen=True)
class Board:
    columns: tuple[Column, ...]
    owner: str | None
    truncated: bool

    @property
    def total(self) -> Decimal:
        return sum((c.total for c in self.columns), Decimal("0.00"))

    @property
    def count(self) -> int:
        return sum(len(c.deals) for c in self.columns)

    def as_dict(self) -> dict[str, Any]:
        return {"owner": self.owner, "truncated": self.truncated, "total": str(self.total), "count": self.count,
                "stages": [{"stage": c.stage or None, "count": len(c.deals), "total": str(c.total),
                            "without_amount": c.without_amount, "deals": [d.as_dict() for d in c.deals]}
                           for c in self.columns]}


def deal_board(session: Session, actor: Actor, owner: str | None = None, regulation: str | None = None) -> Board:
    require(actor, SELLERS | {"analyst"}, "see the deal board")
    owner_id: int | None = None
    if not actor.reads_all:
        if owner not in (None, "", actor.login):
            raise coded(InputInvalid, "board_own_deals", {}, {"fields": {"owner": "must be yours"}})
        owner, owner_id = actor.login, actor.id
    elif owner:
        user = accounts_repo.user_by_login(session, owner)
        if user is None:
            raise coded(InputInvalid, "board_user_unknown", {"login": repr(owner)}, {"fields": {"owner": f"no user {owner!r}"}})
        owner_id = user.id
    rows = board_repo.open_deals(session, owner_id, regulation or None, MAX_DEALS + 1)
    order: list[str] = []
    for row in rows:
        for stage in row.stages or []:
            if isinstance(stage, str) and stage not in order:
                order.append(stage)
    columns = {stage: Column(stage) for stage in order}
    for row in rows[:MAX_DEALS]:
        stage = row.stage or NO_STAGE
        columns.setdefault(stage, Column(stage)).deals.append(Deal(
            row.id, row.client_id, row.client_name, row.owner, row.owner_name, row.stage,
            deal_amount(row.variables), row.started_at, row.status, row.regulation))
    ordered = [columns[s] for s in order] + [c for s, c in columns.items() if s not in order and s != NO_STAGE]
    if NO_STAGE in columns:
        ordered.append(columns[NO_STAGE])
    return Board(tuple(ordered), owner or None, len(rows) > MAX_DEALS)
