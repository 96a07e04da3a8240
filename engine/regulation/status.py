"""The vocabulary of a cycle's life."""
from __future__ import annotations

from enum import StrEnum


class CycleStatus(StrEnum):
    """Where a cycle stands: running, decided (won or lost), stuck on an incident, cancelled, or suspended."""

    ACTIVE = "active"
    WON = "won"
    LOST = "lost"
    INCIDENT = "incident"
    CANCELLED = "cancelled"
    SUSPENDED = "suspended"  # held by an operator: tasks not completable, timers held (issue 12)


#: statuses of a cycle that still runs (its tasks and timers are live)
LIVE = frozenset({CycleStatus.ACTIVE, CycleStatus.INCIDENT})
#: the outcomes an end event may decide
OUTCOMES = (CycleStatus.WON, CycleStatus.LOST)
