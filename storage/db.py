"""Database engines, sessions and the unit of work.

SQLite is the embedded default; PostgreSQL is the scale-out path. Both get one
transaction per command. On SQLite a writing command opens its transaction with
``BEGIN IMMEDIATE`` so two writers serialise instead of failing late; on
PostgreSQL the cycle row is locked with ``SELECT ... FOR UPDATE``.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

_WRITE = "reglament_write"
#: called after every unit of work with (write, seconds, committed or read without error): the metrics
UNIT_OF_WORK_OBSERVERS: list[Callable[[bool, float, bool], None]] = []


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # Take transaction control from the driver: we emit BEGIN ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        _configure_sqlite(engine)
        return engine
    # every process keeps at most pool_size + max_overflow connections (README, Deployment);
    # a dead connection (database restarted, backend terminated) is noticed and replaced on
    # checkout (pre-ping), so the app recovers without a restart; a database that does not
    # answer fails the request after connect_timeout seconds (503) instead of hanging it
    args: dict[str, object] = {} if "connect_timeout" in (parsed.query or {}) else {"connect_timeout": CONNECT_TIMEOUT}
    return create_engine(url, pool_size=_env_int("REGLAMENT_DB_POOL_SIZE", 10),
                         max_overflow=_env_int("REGLAMENT_DB_MAX_OVERFLOW", 20),
                         pool_timeout=_env_int("REGLAMENT_DB_POOL_TIMEOUT", 10),
                         pool_pre_ping=True, connect_args=args)


#: seconds to wait for PostgreSQL to accept a connection
CONNECT_TIMEOUT = 5


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number, not {raw!r}")
    return int(raw)


@dataclass
class Database:
    """One database: an engine and two session factories (read and write)."""

    url: str
    engine: Engine = field(init=False)
    _read: sessionmaker[Session] = field(init=False, repr=False)
    _write: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.url)
        self._read = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write = sessionmaker(
            self.engine.execution_options(**{_WRITE: True}), expire_on_commit=False, autoflush=False
        )
        # PostgreSQL: a read of one statement needs no BEGIN and ROLLBACK (two round trips)
        self._lookup = sessionmaker(self.engine.execution_options(isolation_level="AUTOCOMMIT"),
                                    expire_on_commit=False, autoflush=False) if self.is_postgresql else self._read

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def unit_of_work(self, write: bool = True) -> Iterator[Session]:
        """One transaction per command: commit on success, roll back on any error."""
        session = (self._write if write else self._read)()
        started, ok = time.perf_counter(), False
        try:
            yield session
            if write:
                session.commit()
            ok = True
            # a read ends with close(): loaded objects stay usable, detached
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            for observe in UNIT_OF_WORK_OBSERVERS:
                observe(write, time.perf_counter() - started, ok)

    @contextmanager
    def lookup(self) -> Iterator[Session]:
        """A read of a single statement. On PostgreSQL it runs without a transaction of its own (under
        READ COMMITTED a statement is its own snapshot, so nothing changes but the BEGIN and ROLLBACK
        round trips saved); elsewhere it is a read unit of work. Never for several statements that must
        agree with each other."""
        session = self._lookup()
        started, ok = time.perf_counter(), False
        try:
            yield session
            ok = True
        finally:
            session.close()
            for observe in UNIT_OF_WORK_OBSERVERS:
                observe(False, time.perf_counter() - started, ok)

    def dispose(self) -> None:
        self.engine.dispose()
