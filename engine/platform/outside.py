"""Reaching cycles from outside: external tasks for workers, messages and signals, starts with variables."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from engine.platform.base import Service
from engine.regulation import cycles, external_tasks, forms, incoming, messages, received, signals, start_form
from engine.regulation import versions as regulations
from engine.regulation.reading import CycleView
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import ConcurrentChange, InputInvalid
from storage.repositories import accounts as accounts_repo
from storage.repositories import messaging as messaging_repo
from storage.repositories import signals as signals_repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignalResult:
    """What a signal did inside the call: the cycles it woke and started, and whether it is done
    (not done: the worker delivers the rest)."""

    broadcast_id: int
    woken: tuple[int, ...]
    started: tuple[int, ...]
    done: bool
    units: tuple[signals.Unit, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"broadcast_id": self.broadcast_id, "woken": list(self.woken), "started": list(self.started),
                "done": self.done}


class OutsideService(Service):
    def __init__(self, platform: Any) -> None:
        super().__init__(platform)
        self._start_forms: dict[int, list[forms.FormField]] = {}

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

    # ------------------------------------------------------------------ messages and signals
    def correlate(self, actor: Actor, name: str, cycle_id: int | None = None, business_key: str | None = None,
                  keys: dict[str, object] | None = None, variables: dict[str, object] | None = None,
                  all_: bool = True) -> list[int]:
        """Deliver a message to the cycles waiting for it; returns the cycles it reached."""
        external_tasks.integrator(actor, "send messages to cycles")
        corr = messages.Correlation(name, cycle_id, business_key, dict(keys or {}), dict(variables or {})).check()
        with self.query() as s:
            targets = messages.candidates(s, corr)
            starters = messages.starters(s, self.platform.ctx, corr.name) if not targets else []
        if starters:
            return [self._start_by_message(actor, corr, starters)]
        corr.for_running_cycles()
        if not all_ and len(targets) > 1:
            raise messages.Ambiguous(f"Cannot correlate message '{name}': {len(targets)} cycles wait for it "
                                     f"({', '.join(map(str, targets[:10]))}); name one or send all=true")
        reached = []
        for cycle_id_ in targets:  # at most MAX_TARGETS: candidates refuses more
            with self.command() as s:
                if messages.deliver(s, self.platform.ctx, cycle_id_, "message", corr.name, corr.variables,
                                    actor.login) is not None:
                    reached.append(cycle_id_)
        return reached

    def signal(self, actor: Actor, name: str, variables: dict[str, object] | None = None,
               client_id: int | None = None) -> SignalResult:
        """Broadcast a signal (engine/regulation/signals.py): every cycle waiting for it catches it,
        each in a transaction of its own, and every regulation starting with it starts a cycle for
        ``client_id``. At most ``settings.signal_batch`` cycles are reached inside this call; the
        worker delivers the rest in batches of that size."""
        external_tasks.integrator(actor, "send signals")
        with self.command() as s:
            broadcast_id = signals.send(s, self.platform.ctx, actor, name, variables, client_id).id
        return self._deliver_signal(broadcast_id, self.platform.settings.signal_batch)

    def signal_cycle(self, actor: Actor, cycle_id: int, name: str, variables: dict[str, object] | None = None) -> None:
        """A signal to one waiting cycle only (Camunda's executionId); nothing is started."""
        external_tasks.integrator(actor, "send signals")
        with self.command() as s:
            signals.deliver_to(s, self.platform.ctx, actor, cycle_id, name, variables)

    def deliver_signals(self) -> int:
        """The worker's part: one batch (``settings.signal_batch`` units) of the unfinished broadcasts,
        oldest first (thrown by cycles, or beyond what a request reached); returns the units it ran."""
        budget = self.platform.settings.signal_batch
        with self.query() as s:
            pending = list(signals_repo.unfinished(s, 20))
        ran = 0
        for broadcast_id in pending:
            if ran >= budget:
                break
            ran += len(self._deliver_signal(broadcast_id, budget - ran).units)
        return ran

    def _deliver_signal(self, broadcast_id: int, budget: int) -> SignalResult:
        woken: list[int] = []
        started: list[int] = []
        units: list[signals.Unit] = []
        for _ in range(2 * budget + 2):  # bounded even when other deliverers keep taking units first
            if len(units) >= budget:  # the broadcast's last unit ("done") ends the loop below
                break
            try:
                with self.command() as s:
                    unit = signals.step(s, self.platform.ctx, broadcast_id)
            except (signals.Raced, ConcurrentChange):
                continue  # another deliverer took this unit: read the broadcast again
            except Exception:
                log.exception("signal broadcast %s: a cycle could not take it; the others keep it", broadcast_id)
                self._skip_signal_unit(broadcast_id)
                continue
            units.append(unit)
            if unit.did == "woke" and unit.cycle_id is not None:
                woken.append(unit.cycle_id)
            elif unit.did == "started" and unit.cycle_id is not None:
                started.append(unit.cycle_id)
            elif unit.did == "done":
                break
        with self.query() as s:
            row = signals_repo.broadcast(s, broadcast_id)
            state = row.state if row is not None else signals_repo.DONE
        return SignalResult(broadcast_id, tuple(woken), tuple(started), state == signals_repo.DONE, tuple(units))

    def _skip_signal_unit(self, broadcast_id: int) -> None:
        try:
            with self.command() as s:
                signals.skip(s, broadcast_id)
        except ConcurrentChange:
            pass  # another deliverer moved the broadcast on meanwhile: the next round reads it again

    def user_stamp(self, user_id: int) -> tuple[bool, int, int] | None:
        """(active, token epoch, version) of a user: an /engine-rest login remembered by a host
        holds only while it is unchanged (a deactivated user, a new password or new roles)."""
        with self.query() as s:
            return accounts_repo.user_stamp(s, user_id)

    # ------------------------------------------------------------------ Reglament's own messages
    def receive_message(self, actor: Actor, name: str, message_id: str | None = None, cycle_id: int | None = None,
                        business_key: str | None = None, correlation: dict[str, Any] | None = None,
                        variables: dict[str, Any] | None = None) -> received.MessageView:
        """Store the message, then deliver, keep or triage it (engine/regulation/received.py)."""
        ttl = timedelta(seconds=self.platform.settings.message_ttl_seconds)
        with self.command() as s:
            received.expire(s, self.platform.ctx.now())
            return received.MessageView.of(received.receive(s, self.platform.ctx, actor, name, message_id, cycle_id,
                                                            business_key, correlation, variables, ttl))

    def triage(self, actor: Actor) -> list[received.MessageView]:
        """Messages no cycle took (and those still kept for one), newest first: the head's list."""
        require(actor, HEADS, "see the messages no cycle took")
        with self.command() as s:
            received.expire(s, self.platform.ctx.now())
            return [received.MessageView.of(m) for m in messaging_repo.triage_messages(s)]

    # ------------------------------------------------------------------ starts with variables
    def start_cycle(self, actor: Actor, client_id: int, regulation_key: str, business_key: str | None = None,
                    variables: dict[str, Any] | None = None, allow_parallel: bool = True) -> CycleView:
        """A cycle started with a business key and variables (the start form, the API, /engine-rest)."""
        with self.command() as s:
            return cycles.cycle_view(cycles.start_cycle(s, self.platform.ctx, actor, client_id, regulation_key,
                                                        allow_parallel, business_key=business_key,
                                                        start_variables=variables))

    def _start_by_message(self, actor: Actor, corr: messages.Correlation, keys: list[str]) -> int:
        """A message start event: a new cycle of the regulation, for the client its variables name."""
        if len(keys) > 1:
            raise messages.Ambiguous(f"Cannot correlate message '{corr.name}': it starts {len(keys)} regulations "
                                     f"({', '.join(keys)})")
        variables = dict(corr.variables)
        client_id = variables.pop("client_id", None) or corr.keys.get("client_id")
        if isinstance(client_id, bool) or not isinstance(client_id, int):
            raise InputInvalid(f"message '{corr.name}' starts regulation {keys[0]}: name the client with the "
                               "variable client_id (a cycle is the work with one client)")
        with self.command() as s:
            cycle = cycles.start_cycle(s, self.platform.ctx, actor, client_id, keys[0], business_key=corr.business_key,
                                       start_variables=variables, by_hand=False)
            messages.deliver(s, self.platform.ctx, cycle.id, "message", corr.name, variables, actor.login)
            return cycle.id

    def find_by_business_key(self, actor: Actor, business_key: str) -> list[CycleView]:
        """The cycles with this business key that the actor may see, newest first."""
        key = incoming.check_business_key(business_key)
        if key is None:
            raise InputInvalid("type a business key to find its sale")
        with self.query() as s:
            return [cycles.cycle_view(c) for c in messaging_repo.cycles_by_business_key(s, key)
                    if cycles.may_view_cycle(s, actor, c)]

    def start_form(self, regulation_key: str) -> list[forms.FormField]:
        """The fields the latest version's start event asks for when a sale starts (empty: none)."""
        with self.query() as s:
            version = regulations.latest_version(s, regulation_key)
            found = self._start_forms.get(version.id)
            if found is None:  # versions are immutable: read each one's XML once
                found = self._start_forms[version.id] = start_form.fields(version.xml, regulation_key)
            return found

    def start_with_form(self, actor: Actor, client_id: int, regulation_key: str, business_key: str | None,
                        submitted: dict[str, Any], allow_parallel: bool = True) -> CycleView:
        """Start a sale with its start form's values (FormInvalid names every bad field)."""
        values = forms.validate(self.start_form(regulation_key), submitted)
        return self.start_cycle(actor, client_id, regulation_key, business_key, values, allow_parallel)
