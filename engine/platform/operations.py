"""What the health checks and the metrics read: the schema's migration against the code's, the
timer backlog, open incidents and the connections in use. The web layer asks here instead of
running SQL or reaching into storage itself."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from alembic.script import ScriptDirectory

from engine.platform.base import Service
from storage import db as storage_db
from storage import schema
from storage.repositories import operations as ops_repo

#: a due timer job still waiting after this long counts as late
LATE_AFTER = timedelta(seconds=60)


@cache
def head_revision() -> str:
    """The newest migration this code ships (read once per process)."""
    return ScriptDirectory(str(schema.MIGRATIONS)).get_current_head() or ""


@dataclass(frozen=True)
class Readiness:
    """The database answered; its schema's migration and the one the code needs."""

    migration: str | None
    head: str

    @property
    def ready(self) -> bool:
        return self.migration == self.head


@dataclass(frozen=True)
class Backlog:
    """Work waiting in the database (the same figures whichever process is asked)."""

    jobs_due: int
    jobs_late: int
    jobs_failed: int
    open_incidents: int


def observe_units_of_work(observer: Callable[[bool, float, bool], None]) -> None:
    """Call ``observer(write, seconds, ok)`` after every unit of work of this process."""
    if observer not in storage_db.UNIT_OF_WORK_OBSERVERS:
        storage_db.UNIT_OF_WORK_OBSERVERS.append(observer)


class OperationsService(Service):
    def readiness(self) -> Readiness:
        """Ask the database for its schema's migration on a connection of the pool; the driver's
        error (unreachable) or the pool's timeout (no connection free) propagates."""
        with self.platform.db.engine.connect() as connection:
            return Readiness(migration=ops_repo.schema_revision(connection), head=head_revision())

    def backlog(self) -> Backlog:
        now = self.platform.ctx.now()
        with self.query() as s:
            due, late, failed = ops_repo.job_backlog(s, now, now - LATE_AFTER)
            return Backlog(jobs_due=due, jobs_late=late, jobs_failed=failed,
                           open_incidents=ops_repo.open_incidents(s))

    def connections_in_use(self) -> int:
        """Connections of this process's pool checked out right now (0 for a pool without a count)."""
        checkedout = getattr(self.platform.db.engine.pool, "checkedout", None)
        return int(checkedout()) if callable(checkedout) else 0
