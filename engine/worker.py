"""The job worker: runs due timer jobs. ``reglament worker`` runs one; ``reglament run`` runs
one in-process. Several workers (processes, hosts) can share one PostgreSQL database."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from engine import cycles, jobs
from engine.platform import Reglament

log = logging.getLogger("reglament.worker")


class Worker:
    def __init__(self, platform: Reglament, owner: str | None = None, batch: int = 20,
                 max_sleep: float = 1.0, lease: timedelta = jobs.LEASE) -> None:
        self.platform = platform
        self.owner = owner or jobs.new_owner()
        self.batch = batch
        self.lease = lease
        self.max_sleep = max_sleep
        self.stopping = threading.Event()

    def run_once(self) -> int:
        """Acquire due jobs and run each in its own transaction; returns how many ran."""
        p = self.platform
        with p.command() as s:
            leases = jobs.acquire(s, self.owner, p.ctx.now(), self.batch, self.lease)
        for lease in leases:
            try:
                with p.command() as s:
                    cycles.fire_timers(s, p.ctx, lease)
            except Exception as exc:  # noqa: BLE001 - any failure is retried, then an incident
                log.warning("job %s on cycle %s failed: %s", lease.job_id, lease.cycle_id, exc)
                with p.command() as s:
                    job = s.get(jobs.Job, lease.job_id)
                    element = job.element_id if job is not None else ""
                    if jobs.record_failure(s, lease, f"{type(exc).__name__}: {exc}", p.ctx.now()):
                        cycles.timer_incident(s, p.ctx, lease.cycle_id, element, str(exc))
        return len(leases)

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
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
                log.exception("worker loop error; retrying in %.1f s", self.max_sleep)
                self.stopping.wait(self.max_sleep)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="reglament-worker", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stopping.set()
