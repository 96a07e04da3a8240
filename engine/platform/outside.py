"""Reaching cycles from outside: external tasks for workers, messages and signals, starts with variables."""
from __future__ import annotations

from engine.platform.base import Service
from engine.regulation import external_tasks
from engine.shared.access import Actor


class OutsideService(Service):
    # ------------------------------------------------------------------ external tasks
    def fetch_and_lock(self, actor: Actor, worker_id: str, max_tasks: int,
                       topics: list[external_tasks.TopicRequest], by_priority: bool = True
                       ) -> list[external_tasks.LockedTask]:
        with self.command() as s:
            return external_tasks.fetch_and_lock(s, actor, worker_id, max_tasks, topics, by_priority)

    def complete_external(self, actor: Actor, task_id: str, worker_id: str,
                          variables: dict[str, object] | None = None) -> None:
        with self.command() as s:
            external_tasks.complete(s, self.platform.ctx, actor, task_id, worker_id, variables)

    def fail_external(self, actor: Actor, task_id: str, worker_id: str, message: str | None,
                      details: str | None = None, retries: int | None = None, retry_timeout_ms: int = 0) -> None:
        with self.command() as s:
            external_tasks.failure(s, self.platform.ctx, actor, task_id, worker_id, message, details, retries,
                                   retry_timeout_ms)

    def bpmn_error(self, actor: Actor, task_id: str, worker_id: str, code: str, message: str | None = None,
                   variables: dict[str, object] | None = None) -> None:
        with self.command() as s:
            external_tasks.bpmn_error(s, self.platform.ctx, actor, task_id, worker_id, code, message, variables)

    def extend_lock(self, actor: Actor, task_id: str, worker_id: str, new_duration_ms: int) -> None:
        with self.command() as s:
            external_tasks.extend_lock(s, actor, task_id, worker_id, new_duration_ms)

    def unlock(self, actor: Actor, task_id: str) -> None:
        with self.command() as s:
            external_tasks.unlock(s, actor, task_id)
