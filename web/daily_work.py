"""Template helpers of the daily-work pages: the deal amount a cycle carries.

A pure filter: the pages' data (files, the fields a history is labelled by, the deal amounts of a
list's rows) comes with their one page-shaped read (``CyclePage``, ``ClientPage``, ``InboxPage``),
never from a service a template calls.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask import Flask

from engine.regulation import board


def deal_amount(variables: Mapping[str, Any] | None) -> Decimal | None:
    """The deal amount a cycle carries (its ``amount``), None until it has one."""
    return board.deal_amount(variables)


def register(app: Flask) -> None:
    app.jinja_env.filters["deal_amount"] = deal_amount
