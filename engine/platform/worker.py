"""The job worker: runs due timer jobs, and about once a minute the notification sweep (due
soon, overdue, forgotten clients) followed by the e-mail outbox. ``reglament worker`` runs
one; ``reglament run`` runs one in-process. Several workers (processes, hosts) can share one
PostgreSQL database: jobs are leased, notifications are unique per user and fact, e-mails are
claimed before they are sent."""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy.exc import InterfaceError, OperationalError

from engine.notify import mail
from engine.platform.idempotency import Idempotency
from engine.platform.root import Reglament
from engine.regulation import cycles, jobs
from storage.models import Job

log = logging.getLogger("reglament.worker")

#: how often (engine clock) the notification sweep and the e-mail outbox run
SWEEP_EVERY = timedelta(seconds=60)


class Worker:
    def __init__(self, platform: Reglament, owner: str | None = None, batch: int = 20,
                 max_sleep: float = 1.0, lease: timedelta = jobs.LEASE,
                 sweep_every: timedelta = SWEEP_EVERY) -> None:
        self.platform = platform
        self.sweep_every = sweep_every
        self._next_sweep: datetime | None = None  # the first round sweeps
        self.owner = owner or jobs.new_owner()
        self.batch = batch
        self.lease = lease
        self.max_sleep = max_sleep
        self.stopping = threading.Event()
        self._imports: threading.Thread | None = None

    def run_once(self) -> int:
        """Acquire due jobs and run each in its own transaction; returns how many ran."""
        p = self.platform
        with p.command() as s:
            leases = jobs.acquire(s, self.owner, p.ctx.now(), self.batch, self.lease)
        for lease in leases:
            try:
                with p.command() as s:
                    cycles.fire_timers(s, p.ctx, lease)
            except Exception as exc:
                log.warning("job %s on cycle %s failed: %s", lease.job_id, lease.cycle_id, exc)
                with p.command() as s:
                    job = s.get(Job, lease.job_id)
                    element = job.element_id if job is not None else ""
                    if jobs.record_failure(s, lease, f"{type(exc).__name__}: {exc}", p.ctx.now()):
                        cycles.timer_incident(s, p.ctx, lease.cycle_id, element, str(exc))
        ran = self.platform.cockpit.run_batches(self.owner)  # batch operations on cycles, a round at a time
        ran += self.platform.outside.deliver_signals()  # signals thrown by cycles, a batch at a time
        self.housekeeping()
        self.start_imports()
        return len(leases) + ran

    def run_imports(self) -> int:
        """Run the queued client imports one after another until none waits; how many ran."""
        ran = 0
        while not self.stopping.is_set() and self.platform.clients.run_next_import(self.owner) is not None:
            ran += 1
        return ran

    def start_imports(self) -> None:
        """Imports take minutes: when one waits, they run in a thread beside the timer jobs."""
        if self._imports is not None and self._imports.is_alive():
            return
        if not self.platform.clients.imports_waiting():
            return

        def run() -> None:
            try:
                self.run_imports()
            except Exception:
                log.exception("client imports failed")

        self._imports = threading.Thread(target=run, name="reglament-imports", daemon=True)
        self._imports.start()

    def housekeeping(self) -> None:
        """At most every ``sweep_every``: the notification sweep, then the e-mail outbox; each in
        its own transactions, outside the timer jobs' (and no e-mail inside any)."""
        p = self.platform
        now = p.ctx.now()
        if self._next_sweep is not None and now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_every
        try:
            p.notify.requeue_mail()  # what a stopped worker left claimed goes out again
            p.notify.sweep_notifications()
        except Exception:
            log.exception("notification sweep failed")
        try:
            while p.notify.send_mail() == mail.BATCH:  # a full batch went out: there may be more
                pass
        except Exception:
            log.exception("sending e-mail failed")
        try:
            Idempotency(p).clean(now)  # idempotency keys older than a day
        except Exception:
            log.exception("cleaning idempotency keys failed")

    def idle(self) -> bool:
        """No job is due now (leased ones by other workers included)."""
        with self.platform.query() as s:
            due = jobs.next_due(s)
        return due is None or due > self.platform.ctx.now()

    def sleep_time(self) -> float:
        with self.platform.query() as s:
            due = jobs.next_due(s)
        if due is None:
            return self.max_sleep
        wait = (due - self.platform.ctx.now()) / timedelta(seconds=1)
        return max(0.0, min(self.max_sleep, wait))

    def run_forever(self, exit_when_idle: bool = False) -> None:
        log.info("worker %s started", self.owner)
        while not self.stopping.is_set():
            try:
                if self.run_once():
                    continue
                if exit_when_idle and self.idle():
                    return
                self.stopping.wait(self.sleep_time())
            except (OperationalError, InterfaceError) as exc:  # the database is away: one line, no traceback
                log.warning("database unavailable (%s); retrying in %.1f s", str(exc.orig).strip()[:200], self.max_sleep)
                self.stopping.wait(self.max_sleep)
            except Exception:
                log.exception("worker loop error; retrying in %.1f s", self.max_sleep)
                self.stopping.wait(self.max_sleep)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="reglament-worker", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stopping.set()
