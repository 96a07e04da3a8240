"""On PostgreSQL every host reads the database's time (by an offset measured once a minute), so
timers, job leases and due dates agree across hosts however far one host's clock drifts."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.platform.root import Reglament
from engine.shared.clock import DatabaseClock, utcnow
from storage.db import Database
from storage.repositories.clock import database_now


def test_a_host_whose_clock_is_an_hour_behind_tells_the_databases_time() -> None:
    drift = timedelta(hours=-1)
    reads: list[int] = []

    def database() -> datetime:
        reads.append(1)
        return utcnow()

    clock = DatabaseClock(database, refresh_seconds=60, local=lambda: utcnow() + drift)
    first, second = clock(), clock()
    assert abs(first - utcnow()) < timedelta(seconds=1) and second >= first
    assert len(reads) == 1, "the database is asked once a minute, not at every call"


def test_a_database_that_is_away_does_not_stop_the_clock() -> None:
    def away() -> datetime:
        raise ConnectionError("no route to host")

    clock = DatabaseClock(away, local=lambda: datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    assert clock() == datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_the_platform_reads_time_from_postgresql_and_its_own_clock_on_sqlite(database: Database) -> None:
    platform = Reglament(database, "test-secret")
    if database.is_postgresql:
        assert isinstance(platform.ctx.now, DatabaseClock)
        with database.unit_of_work(write=False) as session:
            theirs = database_now(session)
        assert abs(platform.ctx.now() - theirs) < timedelta(seconds=2)
    else:  # one host: its own clock
        assert not isinstance(platform.ctx.now, DatabaseClock)
        assert abs(platform.ctx.now() - utcnow()) < timedelta(seconds=1)
