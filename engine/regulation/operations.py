"""Operations on running cycles (the process owner's cockpit): cancel, suspend, resume.

Each is a command of an operator (process owner, head, admin) with a reason, run in one
transaction on the locked cycle; each leaves a history event, which is also an entry on the
client's timeline (the timeline reads every cycle's history by client).

- **cancel**: the cycle ends as ``cancelled`` (no outcome); its open tasks are removed (each with
  a ``cancelled`` task event), its timer jobs dropped, its workflow cancelled.
- **suspend**: the cycle is held: its tasks stay visible but cannot be completed or claimed
  (every task command refuses a cycle that is not active), its timer jobs are dropped so no
  timer fires.
- **resume**: the cycle runs again; timers that fell due meanwhile fire now, the others are
  scheduled again.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.regulation import jobs, runtime
from engine.regulation.advance import advance
from engine.regulation.context import ACTIVE, CANCELLED, INCIDENT, SUSPENDED, Context, Recorder
from engine.regulation.error_texts import cycle_state
from engine.shared.access import OPERATORS, Actor, require
from engine.shared.errors import InputInvalid, NotFound, TaskNotActionable
from engine.shared.notices import coded
from storage.models import Cycle
from storage.repositories import cockpit as cockpit_repo
from storage.repositories import regulation as regulation_repo

#: the longest reason an operator may give
MAX_REASON = 1000
#: statuses a cycle can be cancelled from
CANCELLABLE = (ACTIVE, INCIDENT, SUSPENDED)

def reason_text(reason: str | None, required: bool = True) -> str:
    """The reason, stripped; refused when missing (and required) or longer than MAX_REASON."""
    text = (reason or "").strip()
    if required and not text:
        raise coded(InputInvalid, "cycle_reason_required", {},
                    {"fields": {"reason": "is required"}, "codes": {"reason": {"code": "required"}}})
    if len(text) > MAX_REASON:
        raise coded(InputInvalid, "cycle_reason_too_long", {"limit": str(MAX_REASON)},
                    {"fields": {"reason": f"must be at most {MAX_REASON} characters"},
                            "codes": {"reason": {"code": "maxlength", "limit": MAX_REASON}}})
    return text


def locked_cycle(session: Session, cycle_id: int) -> Cycle:
    cycle = regulation_repo.cycle_for_update(session, cycle_id)
    if cycle is None:
        raise coded(NotFound, "cycle_unknown", {"cycle_id": str(cycle_id)})
    return cycle


#: the refusals of refuse_unless with a code: (statuses, action) -> code
_REFUSALS: dict[tuple[tuple[str, ...], str], str] = {
    (CANCELLABLE, "cancelled"): "cycle_not_cancellable",
    ((ACTIVE,), "suspended"): "cycle_not_suspendable",
    ((SUSPENDED,), "resumed"): "cycle_not_resumable",
    ((ACTIVE, INCIDENT, SUSPENDED), "edited"): "cycle_not_editable",
    ((ACTIVE, INCIDENT), "modified"): "cycle_not_modifiable",
    ((ACTIVE, INCIDENT, SUSPENDED), "migrated"): "cycle_not_migratable",
}


def refuse_unless(cycle: Cycle, statuses: tuple[str, ...], action: str) -> None:
    if cycle.status not in statuses:
        code = _REFUSALS.get((statuses, action))
        if code is not None:
            raise coded(TaskNotActionable, code, {"state": cycle_state(cycle.id, cycle.status)},
                        {"cycle_id": cycle.id, "status": cycle.status})
        raise TaskNotActionable(f"cycle {cycle.id} is {cycle.status}; only a cycle that is "
                                f"{' or '.join(statuses)} can be {action}",
                                {"cycle_id": cycle.id, "status": cycle.status})


def cancel_cycle(session: Session, ctx: Context, actor: Actor, cycle_id: int, reason: str | None) -> Cycle:
    require(actor, OPERATORS, "cancel cycles")
    text = reason_text(reason)
    cycle = locked_cycle(session, cycle_id)
    refuse_unless(cycle, CANCELLABLE, "cancelled")
    workflow = runtime.restore_workflow(ctx.specs_for(session, cycle.version), cycle.state)
    known = {t.id: t for t in regulation_repo.open_tasks_of_cycle(session, cycle.id)}
    now = ctx.now()
    rec = Recorder(session, cycle, actor.login, now)
    rec.add("cycle_cancelled", None, {"reason": text, "from_status": cycle.status,
                                      "incident": cycle.incident})
    workflow.cancel()
    cycle.status, cycle.incident, cycle.outcome, cycle.ended_at = CANCELLED, None, None, now
    cockpit_repo.drop_waits(session, cycle.id)  # the messages it waited for (engine.regulation messaging)
    # not active: advance runs no step; it removes the open tasks, drops the jobs, stores the state
    advance(session, ctx, cycle, workflow, rec, known_open=known)
    return cycle


def suspend_cycle(session: Session, ctx: Context, actor: Actor, cycle_id: int, reason: str | None) -> Cycle:
    require(actor, OPERATORS, "suspend cycles")
    text = reason_text(reason)
    cycle = locked_cycle(session, cycle_id)
    refuse_unless(cycle, (ACTIVE,), "suspended")
    cycle.status = SUSPENDED
    jobs.clear(session, cycle.id)  # timers are held: resume schedules them again
    rec = Recorder(session, cycle, actor.login, ctx.now())
    rec.add("suspended", None, {"reason": text})
    rec.write()
    return cycle


def resume_cycle(session: Session, ctx: Context, actor: Actor, cycle_id: int, reason: str | None) -> Cycle:
    require(actor, OPERATORS, "resume cycles")
    text = reason_text(reason, required=False)
    cycle = locked_cycle(session, cycle_id)
    refuse_unless(cycle, (SUSPENDED,), "resumed")
    workflow = runtime.restore_workflow(ctx.specs_for(session, cycle.version), cycle.state)
    known = {t.id: t for t in regulation_repo.open_tasks_of_cycle(session, cycle.id)}
    cycle.status = ACTIVE
    rec = Recorder(session, cycle, actor.login, ctx.now())
    rec.add("resumed", None, {"reason": text} if text else {})
    # timers due meanwhile fire now; the others get their jobs back (none were kept)
    advance(session, ctx, cycle, workflow, rec, known_open=known, timers_before={})
    return cycle
