"""Contact norms, forgotten clients, incidents and failed timer jobs."""
from __future__ import annotations

from typing import Any

from engine.control import norms as norm_rules
from engine.platform.base import Service
from engine.regulation import cycles
from engine.shared.access import HEADS, Actor, require
from storage.repositories import jobs as jobs_repo


class ControlService(Service):
    def norms(self) -> dict[str, Any]:
        with self.query() as s:
            return norm_rules.grid(s)

    def save_norm(self, actor: Actor, stage: str, segment: str | None, max_days: Any) -> None:
        with self.command() as s:
            norm_rules.save(s, actor, stage, segment, max_days)

    def save_norms(self, actor: Actor, values: dict[tuple[str, str | None], str]) -> int:
        with self.command() as s:
            return norm_rules.save_grid(s, actor, values)

    def delete_norm(self, actor: Actor, norm_id: int) -> None:
        with self.command() as s:
            norm_rules.delete(s, actor, norm_id)

    def forgotten(self, actor: Actor) -> list[norm_rules.Forgotten]:
        """Clients past their contact norm: a manager's own, everyone's for heads and analysts."""
        with self.query() as s:
            return norm_rules.forgotten_clients(s, self.base.ctx.now(), actor)

    def remind_forgotten(self) -> int:
        with self.command() as s:
            return norm_rules.remind_forgotten(s, self.base.ctx.now())

    def incidents(self, actor: Actor) -> list[dict[str, Any]]:
        """Cycles in incident and timer jobs that failed every attempt (head, admin)."""
        require(actor, HEADS, "see incidents")
        with self.query() as s:
            return [cycles.cycle_dict(c) for c in cycles.list_cycles(s, actor, cycles.INCIDENT)]

    def failed_jobs(self, actor: Actor) -> list[dict[str, Any]]:
        """Timer jobs that failed every attempt, with their last error (head, admin)."""
        require(actor, HEADS, "see incidents")
        with self.query() as s:
            return [{"id": j.id, "cycle_id": j.cycle_id, "element_id": j.element_id, "due_at": j.due_at,
                     "attempts": j.attempts, "last_error": j.last_error} for j in jobs_repo.failed_jobs(s)]
