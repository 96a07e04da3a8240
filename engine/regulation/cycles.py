"""Cycles: start, advance, complete, claim, release, retry; projection and history.

The public face of the cycle commands, one module per concern behind it. Every command runs
inside one unit of work: a command that advances a cycle locks it (row lock on PostgreSQL, the
write transaction on SQLite, the lock version everywhere), restores the workflow onto its
version's cached spec, advances it, then writes state, the open-task projection and history
together.
"""
from __future__ import annotations

from engine.regulation.advance import advance
from engine.regulation.context import ACTIVE, CANCELLED, INCIDENT, LOST, STATUSES, WON, Context, Recorder
from engine.regulation.incidents import fire_timers, retry_cycle, timer_incident
from engine.regulation.reading import (
    CycleView,
    HistoryEvent,
    PathTaken,
    cycle_view,
    get_cycle,
    history_of,
    inbox,
    inbox_cursor,
    list_cycles,
    may_view_cycle,
    path_taken,
)
from engine.regulation.start import start_cycle
from engine.regulation.tasks import (
    claim_task,
    complete_task,
    find_spec,
    lock_task,
    not_yours,
    not_yours_error,
    open_task_or_conflict,
    release_task,
    task_form,
)

__all__ = [
    "inbox_cursor",
    "ACTIVE",
    "CANCELLED",
    "Context",
    "INCIDENT",
    "LOST",
    "Recorder",
    "STATUSES",
    "WON",
    "start_cycle",
    "claim_task",
    "complete_task",
    "find_spec",
    "lock_task",
    "not_yours",
    "not_yours_error",
    "open_task_or_conflict",
    "release_task",
    "task_form",
    "advance",
    "fire_timers",
    "retry_cycle",
    "timer_incident",
    "CycleView",
    "HistoryEvent",
    "PathTaken",
    "cycle_view",
    "get_cycle",
    "history_of",
    "inbox",
    "list_cycles",
    "may_view_cycle",
    "path_taken",
]
