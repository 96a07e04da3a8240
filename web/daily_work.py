"""Template helpers of the daily-work pages: the deal amount of a cycle and of a list page's
cycles, the files of a cycle and of a client, the form fields a cycle's history is labelled by.

Each helper is one service call made when a template asks for it (as the cycle page's
``motivation_reversals``); the service checks who may see what.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from flask import Flask, g

from engine.clients.attachments import StoredFile
from engine.regulation import board
from engine.regulation.forms import FormField
from web.views import platform


def deal_amount(variables: Mapping[str, Any] | None) -> Decimal | None:
    """The deal amount a cycle carries (its ``amount``), None until it has one."""
    return board.deal_amount(variables)


def register(app: Flask) -> None:
    app.jinja_env.filters["deal_amount"] = deal_amount

    @app.context_processor
    def _daily_work() -> dict[str, Any]:
        def deal_amounts(cycle_ids: Iterable[int]) -> dict[int, Decimal]:
            return platform().regulation.deal_amounts(list(cycle_ids)) if g.get("actor") is not None else {}

        def cycle_files(cycle_id: int) -> list[StoredFile]:
            return platform().regulation.cycle_files(g.actor, cycle_id)

        def client_files(client_id: int) -> list[StoredFile]:
            return platform().regulation.client_files(g.actor, client_id)

        def history_fields(cycle_id: int) -> dict[str, dict[str, FormField]]:
            return platform().regulation.history_fields(g.actor, cycle_id)

        return {"deal_amounts": deal_amounts, "cycle_files": cycle_files, "client_files": client_files,
                "history_fields": history_fields}
