"""The engine facade: one method per command, each in its own unit of work.

The web layer and the command line call only this. Errors are the engine's
own (engine.errors); a lost optimistic-lock race becomes ConcurrentChange.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
import time
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import (accounts, clients, clock, cycles, documentation, forms, planning, regulations,
                    runtime, work_types)
from engine.access import HEADS, Actor, require
from engine.errors import ConcurrentChange, NotFound
from storage import repositories as repo
from storage import schema
from storage.db import Database
from storage.models import Client, Cycle, OpenTask, utcnow


#: how long a verified API token's user (roles, groups) is reused before it is read again
TOKEN_CACHE_SECONDS = 5.0


class Reglament:
    def __init__(self, db: Database, secret_key: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.specs = runtime.SpecCache()
        self.ctx = cycles.Context(specs=self.specs, now=clock)
        self.tokens = accounts.TokenSigner(secret_key)
        self._token_cache: dict[str, tuple[float, Actor]] = {}

    # -- plumbing
    @contextmanager
    def command(self) -> Iterator[Session]:
        try:
            with clock.using(self.ctx.now), self.db.unit_of_work(write=True) as session:
                yield session
        except StaleDataError:
            raise ConcurrentChange("someone else changed this cycle at the same moment; "
                                   "reload and try again") from None
        except IntegrityError as exc:
            raise ConcurrentChange(f"the change conflicts with another one: {exc.orig}") from None
        except OperationalError as exc:
            if "locked" in str(exc.orig).lower() or "deadlock" in str(exc.orig).lower():
                raise ConcurrentChange("the database is busy with a conflicting change; try again") from None
            raise

    def query(self) -> Any:
        return self.db.unit_of_work(write=False)

    def init_schema(self) -> None:
        schema.upgrade(self.db)

    # -- accounts
    def authenticate(self, login: str, password: str) -> Actor:
        with self.query() as s:
            return accounts.authenticate(s, login, password)

    def actor(self, user_id: int) -> Actor:
        with self.query() as s:
            return accounts.actor_by_id(s, user_id)

    def issue_token(self, actor: Actor) -> str:
        with self.query() as s:
            return self.tokens.issue(s, actor)

    def actor_from_token(self, token: str) -> Actor:
        """The token's user; verified actors are remembered for TOKEN_CACHE_SECONDS."""
        now = time.monotonic()
        cached = self._token_cache.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        with self.query() as s:
            actor = self.tokens.verify(s, token)
        if len(self._token_cache) >= 10_000:
            self._token_cache.clear()
        self._token_cache[token] = (now + TOKEN_CACHE_SECONDS, actor)
        return actor

    def create_user(self, login: str, name: str, password: str, roles: list[str],
                    groups: list[str], locale: str = "en") -> Actor:
        with self.command() as s:
            return accounts.to_actor(accounts.create_user(s, login, name, password, roles, groups, locale))

    def users(self) -> list[Actor]:
        with self.query() as s:
            return [accounts.to_actor(u) for u in repo.users(s)]

    def set_locale(self, actor: Actor, locale: str) -> None:
        with self.command() as s:
            accounts.set_locale(s, actor, locale)

    # -- planning
    def plan_task(self, actor: Actor, task_id: str, planned_at: datetime | None) -> None:
        with self.command() as s:
            planning.plan_task(s, self.ctx, actor, task_id, planned_at)

    def my_plan(self, actor: Actor) -> dict[str, list[OpenTask]]:
        with self.query() as s:
            return planning.my_plan(s, self.ctx, actor)

    def plans_overview(self, actor: Actor) -> dict[str, Any]:
        with self.query() as s:
            return planning.plans_overview(s, self.ctx, actor)

    # -- work types
    def work_types(self) -> list[dict[str, Any]]:
        with self.query() as s:
            return work_types.catalogue(s)

    def save_work_type(self, actor: Actor, name: str, label: str, default_due: str | None) -> None:
        with self.command() as s:
            work_types.save(s, actor, name, label, default_due)
        self.ctx.forget_work_types()

    # -- incidents
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
                     "attempts": j.attempts, "last_error": j.last_error} for j in repo.failed_jobs(s)]

    # -- regulations
    def deploy(self, actor: Actor, files: list[regulations.SourceFile],
               keep_if_not_executable: bool = False) -> regulations.Deployed:
        with self.command() as s:
            return regulations.deploy(s, actor, files, keep_if_not_executable)

    def versions(self, key: str) -> dict[str, Any]:
        with self.query() as s:
            return regulations.list_versions(s, key)

    def version(self, key: str, number: int) -> dict[str, Any]:
        with self.query() as s:
            return regulations.version_dict(regulations.get_version(s, key, number))

    def version_xml(self, key: str, number: int) -> str:
        with self.query() as s:
            return regulations.version_xml(s, key, number)

    def compare_versions(self, key: str, old: int, new: int) -> dict[str, Any]:
        with self.query() as s:
            return regulations.compare(s, key, old, new).as_dict()

    def regulations(self) -> list[dict[str, Any]]:
        with self.query() as s:
            return regulations.list_regulations(s)

    # -- clients
    def create_client(self, actor: Actor, name: str, segment: str | None = None,
                      owner: str | None = None) -> dict[str, Any]:
        with self.command() as s:
            return clients.client_dict(clients.create_client(s, actor, name, segment, owner, self.ctx.now()))

    def client(self, actor: Actor, client_id: int) -> tuple[Client, list[Cycle]]:
        with self.query() as s:
            client = clients.get_client(s, actor, client_id)
            return client, list(repo.cycles_of_client(s, client_id))

    def clients(self, actor: Actor, search: str | None = None) -> list[Client]:
        with self.query() as s:
            return clients.list_clients(s, actor, search)

    def segments(self) -> list[str]:
        with self.query() as s:
            return [x.name for x in repo.segments(s)]

    # -- cycles
    def start_cycle(self, actor: Actor, client_id: int, regulation_key: str) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(cycles.start_cycle(s, self.ctx, actor, client_id, regulation_key))

    def cycles(self, actor: Actor, status: str | None = None) -> list[dict[str, Any]]:
        with self.query() as s:
            return [cycles.cycle_dict(c) for c in cycles.list_cycles(s, actor, status)]

    def cycle(self, actor: Actor, cycle_id: int) -> dict[str, Any]:
        with self.query() as s:
            return cycles.cycle_dict(cycles.get_cycle(s, actor, cycle_id))

    def cycle_page(self, actor: Actor, cycle_id: int
                   ) -> tuple[dict[str, Any], list[dict[str, Any]], list[OpenTask], dict[str, Any]]:
        """A cycle, its history, its open tasks and the path it took through its diagram."""
        with self.query() as s:
            cycle = cycles.get_cycle(s, actor, cycle_id)
            history = cycles.history_dicts(s, cycle)
            open_tasks = list(repo.open_tasks_of_cycle(s, cycle_id))
            return cycles.cycle_dict(cycle), history, open_tasks, cycles.path_taken(cycle, history, open_tasks)

    def history(self, actor: Actor, cycle_id: int) -> list[dict[str, Any]]:
        with self.query() as s:
            return cycles.history_dicts(s, cycles.get_cycle(s, actor, cycle_id))

    def retry(self, actor: Actor, cycle_id: int, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(cycles.retry_cycle(s, self.ctx, actor, cycle_id, variables))

    # -- tasks
    def inbox(self, actor: Actor, scope: str | None = None, cycle_id: int | None = None,
              with_forms: bool = False) -> list[tuple[OpenTask, list[forms.FormField]]]:
        with self.query() as s:
            tasks = cycles.inbox(s, self.ctx, actor, scope, cycle_id)
            return [(t, cycles.task_form(s, self.ctx, t) if with_forms else []) for t in tasks]

    def task(self, actor: Actor, task_id: str) -> tuple[OpenTask, list[forms.FormField], dict[str, Any]]:
        """An open task the actor may see, its form and its cycle's variables."""
        with self.query() as s:
            task = repo.open_task(s, task_id)
            if task is None:
                cycles._open_task_or_conflict(s, task_id)
                raise NotFound(f"no task {task_id}")
            cycle = cycles.get_cycle(s, actor, task.cycle_id)
            return task, cycles.task_form(s, self.ctx, task), dict(cycle.variables)

    def task_documentation(self, task: OpenTask, variables: dict[str, Any]) -> str:
        with self.query() as s:
            cycle = s.get(Cycle, task.cycle_id)
            assert cycle is not None
            spec, subs = self.ctx.specs_for(s, cycle.version)
            task_spec = cycles._find_spec(spec, subs, task.element_id)
            return documentation.render(getattr(task_spec, "documentation", None), variables)

    def complete_task(self, actor: Actor, task_id: str, values: dict[str, Any]) -> dict[str, Any]:
        with self.command() as s:
            return cycles.cycle_dict(cycles.complete_task(s, self.ctx, actor, task_id, values))

    def claim_task(self, actor: Actor, task_id: str) -> None:
        with self.command() as s:
            cycles.claim_task(s, self.ctx, actor, task_id)

    def release_task(self, actor: Actor, task_id: str) -> None:
        with self.command() as s:
            cycles.release_task(s, self.ctx, actor, task_id)
