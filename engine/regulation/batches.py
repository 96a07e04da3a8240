"""Batch operations on the cycles of an explorer filter: cancel, retry, migrate.

Starting a batch (one transaction) fixes its cycles: the ids the filter gives at that moment,
one ``cycle_batch_items`` row each. The worker then runs the batch (``run_some``): it leases the
batch, and runs each pending cycle in its own transaction with the batch creator's rights; a
cycle that fails is marked failed with the reason and the batch goes on (a failure never stops
the rest). The counters (processed, succeeded, failed) are the page's progress bar; the failed
items are the report.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.accounts.users import to_actor
from engine.regulation import (
    error_texts,  # noqa: F401  (registers the codes raised here)
    explorer,
)
from engine.regulation.context import Context
from engine.regulation.incidents import retry_cycle
from engine.regulation.operations import cancel_cycle, reason_text
from engine.shared.access import OPERATORS, Actor, require
from engine.shared.errors import InputInvalid, NotFound, ReglamentError
from engine.shared.notices import coded
from storage.models import CycleBatch
from storage.repositories import cockpit as cockpit_repo

KINDS = ("cancel", "retry", "migrate")
#: the most cycles one batch takes, and how many a worker round runs before it looks at timers again
MAX_BATCH = 100_000
ROUND = 200
LEASE = timedelta(minutes=2)
#: how many failures the report lists
REPORT = 500

Units = Callable[[], AbstractContextManager[Session]]
#: runs one cycle of a batch inside the session: (session, ctx, actor, cycle id, params)
Operation = Callable[[Session, Context, Actor, int, dict[str, Any]], None]


def _cancel(session: Session, ctx: Context, actor: Actor, cycle_id: int, params: dict[str, Any]) -> None:
    cancel_cycle(session, ctx, actor, cycle_id, params.get("reason"))


def _retry(session: Session, ctx: Context, actor: Actor, cycle_id: int, params: dict[str, Any]) -> None:
    cycle = retry_cycle(session, ctx, actor, cycle_id, params.get("variables") or None)
    if cycle.status == "incident":  # the step failed again: committed as a new incident, reported
        raise _FailedAgain(str((cycle.incident or {}).get("message") or "the step failed again"))


class _FailedAgain(Exception):
    pass


OPERATIONS: dict[str, Operation] = {"cancel": _cancel, "retry": _retry}


def register(kind: str, operation: Operation) -> None:
    """A kind whose operation lives in another module (migrate: engine.regulation.version_migration)."""
    OPERATIONS[kind] = operation


def start(session: Session, actor: Actor, kind: str, filters: Mapping[str, Any], params: dict[str, Any],
          now: datetime) -> CycleBatch:
    require(actor, OPERATORS, "run batch operations on cycles")
    if kind not in KINDS:
        raise coded(InputInvalid, "batch_kind", {"kinds": ", ".join(KINDS)}, {"fields": {"kind": "unknown"}})
    if kind == "cancel":
        params = {**params, "reason": reason_text(params.get("reason"))}
    if kind == "migrate" and (isinstance(params.get("to_version"), bool) or not isinstance(params.get("to_version"), int)):
        raise coded(InputInvalid, "batch_migration_version", {},
                    {"fields": {"to_version": "must be an integer"}})
    query = explorer.parse(session, actor, filters)
    ids = cockpit_repo.ids(session, query.criteria, MAX_BATCH + 1)
    if len(ids) > MAX_BATCH:
        raise coded(InputInvalid, "batch_too_many", {"limit": MAX_BATCH},
                    {"fields": {"filter": f"at most {MAX_BATCH} cycles"}})
    if not ids:
        raise coded(InputInvalid, "batch_no_cycle", {}, {"fields": {"filter": "no cycle"}})
    batch = CycleBatch(kind=kind, status="queued", created_by=actor.login, created_at=now,
                       params={**params, "filter": {k: v for k, v in filters.items() if k in explorer.FILTER_KEYS}},
                       total=len(ids), processed=0, succeeded=0, failed=0)
    cockpit_repo.add_batch(session, batch, ids)
    return batch


@dataclass(frozen=True)
class Failure:
    cycle_id: int
    reason: str | None


@dataclass(frozen=True)
class BatchReport:
    """A batch's progress and its failures (the first REPORT of them)."""

    id: int
    kind: str
    status: str
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    total: int
    processed: int
    succeeded: int
    failed: int
    #: what it was started with (the reason, the filter...), the migration plan left out
    params: Mapping[str, Any]
    failures: tuple[Failure, ...]

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 100

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status, "created_by": self.created_by,
                "created_at": self.created_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "total": self.total, "processed": self.processed, "succeeded": self.succeeded, "failed": self.failed,
                "percent": self.percent, "params": dict(self.params),
                "failures": [{"cycle_id": f.cycle_id, "reason": f.reason} for f in self.failures]}


def report(session: Session, actor: Actor, batch_id: int) -> BatchReport:
    require(actor, OPERATORS, "see batch operations")
    batch = session.get(CycleBatch, batch_id)
    if batch is None:
        raise coded(NotFound, "batch_unknown", {"batch_id": str(batch_id)})
    return BatchReport(id=batch.id, kind=batch.kind, status=batch.status, created_by=batch.created_by,
                       created_at=batch.created_at, finished_at=batch.finished_at, total=batch.total,
                       processed=batch.processed, succeeded=batch.succeeded, failed=batch.failed,
                       params={k: v for k, v in batch.params.items() if k != "plan"},
                       failures=tuple(Failure(i.cycle_id, i.message)
                                      for i in cockpit_repo.failures(session, batch_id, REPORT)))


class _LeaseLost(Exception):
    """The batch's lease is no longer this worker's: stop, the holder goes on."""


class _AlreadyFinished(Exception):
    """Another worker finished the item meanwhile: this run of it is rolled back, not counted."""


def run_some(command: Units, ctx: Context, owner: str, limit: int = ROUND) -> int:
    """Run up to ``limit`` cycles of the oldest unfinished batch; returns how many ran.

    The lease is renewed by compare-and-set in each cycle's transaction (before the operation), so
    a worker whose lease ran out and was taken stops at its next cycle; an item is counted once,
    by the transaction that moves it from pending (another worker's run of it is rolled back)."""
    now = ctx.now()
    with command() as s:
        batch = cockpit_repo.next_batch(s, now)
        if batch is None:
            return 0
        batch.status, batch.lease_owner, batch.lease_until = "running", owner, now + LEASE
        batch_id, kind, params, login = batch.id, batch.kind, dict(batch.params), batch.created_by
        items = [(i.id, i.cycle_id) for i in cockpit_repo.pending_items(s, batch.id, limit)]
        user = cockpit_repo.user(s, login)
        if user is None or not user.active:
            # the batch runs with its creator's rights: a deactivated or deleted creator has none
            gone = "is gone" if user is None else "is no longer active"
            cockpit_repo.fail_pending_items(s, batch_id, f"not run: the user {login} who started the batch {gone}")
            batch.status, batch.finished_at = "done", now
            batch.lease_owner = batch.lease_until = None
            return 0
        actor = to_actor(user)
    operation = OPERATIONS[kind]
    ran = 0
    for item_id, cycle_id in items:
        try:
            with command() as s:
                if not cockpit_repo.renew_batch_lease(s, batch_id, owner, ctx.now() + LEASE):
                    raise _LeaseLost()
                operation(s, ctx, actor, cycle_id, params)
                if not cockpit_repo.finish_item(s, item_id, batch_id, True, None):
                    raise _AlreadyFinished()
        except _LeaseLost:
            return ran
        except _AlreadyFinished:
            continue
        except (ReglamentError, _FailedAgain, Exception) as exc:  # a failure never stops the rest
            message = exc.message if isinstance(exc, ReglamentError) else str(exc) or type(exc).__name__
            with command() as s:
                if not cockpit_repo.renew_batch_lease(s, batch_id, owner, ctx.now() + LEASE):
                    return ran
                cockpit_repo.finish_item(s, item_id, batch_id, False, message[:2000])
        ran += 1
    with command() as s:
        if cockpit_repo.release_batch_lease(s, batch_id, owner) and not cockpit_repo.pending_items(s, batch_id, 1):
            batch = s.get(CycleBatch, batch_id)
            if batch is not None:
                batch.status, batch.finished_at = "done", ctx.now()
    return ran
