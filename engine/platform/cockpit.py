"""The process owner's cockpit: operations on running cycles (issue 12).

Commands of operators (process owner, head, admin), each one unit of work on one cycle; the
regulation service keeps starting cycles, tasks and retry."""
from __future__ import annotations

from typing import Any

from engine.platform.base import Service
from engine.regulation import cycles, moves, operations, variable_edits
from engine.shared.access import Actor


class CockpitService(Service):
    def cancel(self, actor: Actor, cycle_id: int, reason: str | None) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(operations.cancel_cycle(s, self.platform.ctx, actor, cycle_id, reason))

    def suspend(self, actor: Actor, cycle_id: int, reason: str | None) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(operations.suspend_cycle(s, self.platform.ctx, actor, cycle_id, reason))

    def resume(self, actor: Actor, cycle_id: int, reason: str | None = None) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(operations.resume_cycle(s, self.platform.ctx, actor, cycle_id, reason))

    def move(self, actor: Actor, cycle_id: int, from_element: str, to_element: str,
             reason: str | None) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(moves.move_token(s, self.platform.ctx, actor, cycle_id, from_element,
                                                      to_element, reason))

    def edit_variables(self, actor: Actor, cycle_id: int, changes: Any, reason: str | None) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(variable_edits.edit_variables(s, self.platform.ctx, actor, cycle_id,
                                                                   changes, reason))

    def retry(self, actor: Actor, cycle_id: int, changes: dict[str, Any] | None) -> dict[str, Any]:
        """Retry a cycle in incident with edited variables, typed like edit_variables."""
        with self.command() as s:
            cycle = cycles.get_cycle(s, actor, cycle_id)
            values = variable_edits.typed(s, self.platform.ctx, cycle.version_id, changes) if changes else None
            return cycles.cycle_dict(cycles.retry_cycle(s, self.platform.ctx, actor, cycle_id, values))
