"""Signals: a broadcast to every cycle waiting for it, and a start for every regulation that
starts with it (Camunda 7's signal events).

A signal comes from a cycle's throw event (``signal_throws.py``) or from outside (the API, an
integrator). Either way it is recorded as a broadcast, then delivered one unit at a time, each
unit in a transaction of its own that also moves the broadcast on (compare-and-set on its row):

1. **waking**: the active cycles that waited for the signal when it was thrown, in id order;
   each catches it (intermediate catch events, boundary events interrupting or not, event
   subprocess starts) and runs on (``messages.deliver``);
2. **starting**: one new cycle of every regulation whose latest version has a signal start
   event of that name, for the broadcast's client, with the signal's variables;
3. **done**.

A unit that another deliverer took first is given up (``Raced``) and the next one read again, so
two workers, or a request and a worker, never deliver a unit twice; a crash between units
leaves the broadcast where the last committed unit left it. A signal nobody waits for and no
regulation starts with is done at once: signals are not kept (unlike messages).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from sqlalchemy.orm import Session

from engine.regulation import incoming, messages, signal_spec
from engine.regulation.context import Context
from engine.regulation.start import start_cycle
from engine.shared.access import Actor
from engine.shared.errors import InputInvalid, NotFound
from engine.shared.notices import coded
from storage.models import SignalBroadcast
from storage.repositories import clients as clients_repo
from storage.repositories import regulation as regulation_repo
from storage.repositories import signals as signals_repo

#: who starts the cycles a signal start event starts: the engine, for the sender
_ENGINE_ROLES = frozenset({"head"})
ENGINE_LOGIN = "engine"


class Raced(Exception):
    """Another deliverer moved the broadcast first: the caller rolls this unit back."""


@dataclass(frozen=True)
class Unit:
    """What one delivery unit did: ``woke`` a cycle, ``passed`` one that no longer waited,
    ``started`` a new cycle, or found the broadcast ``done``."""

    did: str
    cycle_id: int | None = None


@dataclass(frozen=True)
class Broadcast:
    """A signal's delivery as far as it went."""

    id: int
    name: str
    state: str
    woken: int
    started: int

    @property
    def done(self) -> bool:
        return self.state == signals_repo.DONE

    @classmethod
    def of(cls, row: SignalBroadcast) -> Broadcast:
        return cls(row.id, row.name, row.state, row.woken, row.started)


def check_name(name: Any) -> str:
    """A signal name from outside: literal text of at most MAX_NAME characters."""
    if not isinstance(name, str) or not name.strip():
        raise InputInvalid("the signal needs a name, as the regulation's signal events name it",
                           {"fields": {"name": "is required"}})
    problem = signal_spec.name_problem(name)
    if problem is not None:
        raise coded(InputInvalid, problem.code, problem.params, {"fields": {"name": problem.text}})
    return name


def starters(session: Session, ctx: Context, name: str) -> list[str]:
    """Keys of the regulations whose latest version starts with a signal start event of this name."""
    found = []
    for regulation in regulation_repo.regulations(session):
        version = regulation_repo.latest_version(session, regulation.key)
        if version is None or not version.executable:
            continue
        spec, _ = ctx.specs_by_id(session, version.id)
        if any(isinstance(ts, StartEvent) and isinstance(getattr(ts, "event_definition", None), SignalEventDefinition)
               and ts.event_definition.name == name for ts in spec.task_specs.values()):
            found.append(regulation.key)
    return sorted(found)


def send(session: Session, ctx: Context, sender: Actor, name: str, variables: Any,
         client_id: Any = None) -> SignalBroadcast:
    """Record a signal from outside. Its variables may not name a running cycle's client or id;
    ``client_id`` names the client of the cycles it starts, and is required when it starts any
    (a cycle is the work with one client) and refused when it starts none."""
    name = check_name(name)
    given = incoming.check_variables(variables, "variables", protect=False)
    if "client_id" in given:
        if client_id is not None and client_id != given["client_id"]:
            raise InputInvalid("client_id is given twice with two values")
        client_id = given.pop("client_id")
    given = incoming.check_variables(given, "variables")  # cycle_id: a running cycle's identity
    keys = starters(session, ctx, name)
    if client_id is not None and not keys:
        raise InputInvalid(f"client_id names the client of the cycles a signal starts, and no regulation starts "
                           f"with signal {name!r}; a running cycle's client cannot be changed by a signal")
    if keys and (isinstance(client_id, bool) or not isinstance(client_id, int)):
        raise InputInvalid(f"signal {name!r} starts regulation {', '.join(keys)}: name the client of the new "
                           "cycles with client_id (a cycle is the work with one client)")
    if client_id is not None and clients_repo.client_by_id(session, client_id) is None:
        raise NotFound(f"no client {client_id}")
    return signals_repo.add_broadcast(session, name=name, variables=given, client_id=client_id,
                                      source_cycle_id=None, skip_cycle_id=None, sender=sender.login[:64],
                                      watermark=signals_repo.newest_subscription_id(session), created_at=ctx.now())


def _engine(row: SignalBroadcast) -> Actor:
    return Actor(id=0, login=(row.sender or ENGINE_LOGIN)[:64], name="Reglament", roles=_ENGINE_ROLES,
                 groups=frozenset())


def _current(session: Session, broadcast_id: int) -> SignalBroadcast:
    row = signals_repo.broadcast(session, broadcast_id)
    if row is None:
        raise InputInvalid(f"no signal broadcast {broadcast_id}")
    return row


def step(session: Session, ctx: Context, broadcast_id: int) -> Unit:
    """Deliver the broadcast's next unit in the caller's transaction (Raced: another deliverer
    took it; roll back and call again)."""
    row = _current(session, broadcast_id)
    if row.state == signals_repo.WAKING:
        cycle_id = signals_repo.next_waiting_cycle(session, row.name, row.watermark, row.cursor, row.skip_cycle_id)
        if cycle_id is not None:
            if not signals_repo.claim_cycle(session, row.id, row.cursor, cycle_id):
                raise Raced()
            if messages.deliver(session, ctx, cycle_id, "signal", row.name, dict(row.variables or {}),
                                row.sender or ENGINE_LOGIN, {"broadcast": row.id}) is None:
                return Unit("passed", cycle_id)
            signals_repo.count_woken(session, row.id)
            return Unit("woke", cycle_id)
        keys = starters(session, ctx, row.name) if row.client_id is not None else []
        if not signals_repo.claim_starting(session, row.id, keys):
            raise Raced()
        row = _current(session, broadcast_id)
    if row.state == signals_repo.STARTING:
        keys = list(row.starters or [])
        if row.started >= len(keys):
            if not signals_repo.claim_done(session, row.id, ctx.now()):
                raise Raced()
            return Unit("done")
        if not signals_repo.claim_start(session, row.id, row.started):
            raise Raced()
        if row.client_id is None:
            return Unit("passed")
        variables = dict(row.variables or {})
        cycle = start_cycle(session, ctx, _engine(row), row.client_id, keys[row.started], start_variables=variables,
                            by_hand=False)
        messages.deliver(session, ctx, cycle.id, "signal", row.name, variables, row.sender or ENGINE_LOGIN,
                         {"broadcast": row.id})
        return Unit("started", cycle.id)
    return Unit("done")


def skip(session: Session, broadcast_id: int) -> None:
    """Move the broadcast past the unit that failed (the failure is logged by the caller): the
    other cycles keep the signal."""
    row = _current(session, broadcast_id)
    if row.state == signals_repo.WAKING:
        cycle_id = signals_repo.next_waiting_cycle(session, row.name, row.watermark, row.cursor, row.skip_cycle_id)
        if cycle_id is not None:
            signals_repo.claim_cycle(session, row.id, row.cursor, cycle_id)
        else:
            signals_repo.claim_starting(session, row.id, [])
    elif row.state == signals_repo.STARTING:
        signals_repo.claim_start(session, row.id, row.started)


def deliver_to(session: Session, ctx: Context, sender: Actor, cycle_id: int, name: Any, variables: Any) -> None:
    """A signal to one cycle only (Camunda's ``executionId``): it catches it now, or InputInvalid
    says it does not wait for it; no regulation is started."""
    name = check_name(name)
    given = incoming.check_variables(variables, "variables")
    if messages.deliver(session, ctx, cycle_id, "signal", name, given, sender.login) is None:
        raise InputInvalid(f"cycle {cycle_id} does not wait for signal {name!r}")
