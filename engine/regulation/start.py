"""Starting a cycle for a client on the latest version of a regulation."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.clients.records import get_client, record_event
from engine.regulation import incoming, messages, outside, runtime
from engine.regulation import versions as regulations
from engine.regulation.advance import advance
from engine.regulation.context import ACTIVE, Context, Recorder
from engine.regulation.parallel import refuse_parallel
from engine.shared.access import SELLERS, Actor, require
from storage.models import Cycle


def start_cycle(session: Session, ctx: Context, actor: Actor, client_id: int, regulation_key: str,
                allow_parallel: bool = True, business_key: str | None = None,
                start_variables: dict[str, Any] | None = None, by_hand: bool = True) -> Cycle:
    """``allow_parallel=False``: refuse (ParallelCycle) when the client has a running cycle of it.
    ``business_key`` and ``start_variables`` come from the start form or from outside (incoming.py).
    ``by_hand=False``: a message or a signal starts it (its start event then waits for it)."""
    require(actor, SELLERS, "start cycles")
    given, business_key = incoming.check_variables(start_variables), incoming.check_business_key(business_key)
    client = get_client(session, actor, client_id)
    version = regulations.latest_version(session, regulation_key)
    if not allow_parallel:
        refuse_parallel(session, client.id, client.name, version)
    now = ctx.now()
    if client.owner is None and "manager" in actor.roles:
        # the manager who starts work with a free client takes it (recorded on its timeline)
        record_event(session, client.id, "owner", actor, now,
                     {"from": None, "to": actor.login, "how": "taken", "client": client.name})
        client.owner_id = actor.id
        session.flush()
        session.refresh(client)
    owner = client.owner.login if client.owner else None
    variables = {**given, "client_id": client.id, "client_name": client.name,
                 "segment": client.segment.name if client.segment else None, "owner": owner}
    cycle = Cycle(version=version, client=client, status=ACTIVE, state={}, variables=variables,
                  started_at=now, started_by=actor.login, business_key=business_key)
    session.add(cycle)
    session.flush()
    variables["cycle_id"] = cycle.id
    workflow = runtime.new_workflow(ctx.specs_for(session, version), variables)
    if by_hand:
        messages.pass_lone_message_start(workflow)
    rec = Recorder(session, cycle, actor.login, now)
    started = {"regulation": version.regulation.key, "version": version.number, "client": client.name}
    rec.add("started", data={**started, "business_key": business_key} if business_key else started)
    advance(session, ctx, cycle, workflow, rec, known_open={}, timers_before={}, outside_before=outside.NOTHING)
    return cycle
