"""Small helpers shared by the engine tests: finding open tasks and reading history."""
from __future__ import annotations

from typing import Any

from engine.platform.root import Reglament
from engine.regulation.reading import CycleView, HistoryEvent
from engine.shared.access import Actor
from storage.models import OpenTask


def open_task(platform: Reglament, actor: Actor, cycle_id: int, element_id: str) -> OpenTask:
    """The cycle's open task with this element id, as ``actor`` finds it in the inbox."""
    found = [t for t, _ in platform.regulation.inbox(actor, cycle_id=cycle_id) if t.element_id == element_id]
    assert found, (f"{actor.login} has no open task {element_id} in cycle {cycle_id}; "
                   f"sees {visible(platform, actor, cycle_id)}")
    assert len(found) == 1, f"{len(found)} open tasks {element_id} in cycle {cycle_id}"
    return found[0]


def visible(platform: Reglament, actor: Actor, cycle_id: int, scope: str | None = None) -> list[str]:
    """Element ids of the cycle's tasks in the actor's inbox (scope None, 'mine' or 'group')."""
    return [t.element_id for t, _ in platform.regulation.inbox(actor, scope=scope, cycle_id=cycle_id)]


def complete(platform: Reglament, actor: Actor, cycle_id: int, element_id: str,
             values: dict[str, Any]) -> CycleView:
    """Complete the cycle's open task ``element_id`` as ``actor``; returns the cycle."""
    task = open_task(platform, actor, cycle_id, element_id)
    return platform.regulation.complete_task(actor, task.id, values)


def events(history: list[HistoryEvent], type_: str, element_id: str | None = None) -> list[HistoryEvent]:
    return [e for e in history if e.type == type_
            and (element_id is None or (e.task is not None and e.task.element_id == element_id))]


def start(platform: Reglament, owner: Actor, regulation: str = "new_client_sale",
          client_name: str = "Acme") -> CycleView:
    """A new client of ``owner`` and a cycle of ``regulation`` started by them."""
    client = platform.clients.create_client(owner, client_name)
    return platform.regulation.start_cycle(owner, client.id, regulation)
