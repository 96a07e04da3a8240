"""The engine's clock, also for SpiffWorkflow's timers.

SpiffWorkflow's timer events read ``datetime.now(timezone.utc)`` directly. So that a
command's timers use the same clock as the rest of the command (and tests can move time),
the timer module's ``datetime`` is a subclass whose ``now()`` asks the clock of the command
being run (a context variable), falling back to the real time.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

Clock = Callable[[], datetime]
_current: ContextVar[Clock | None] = ContextVar("reglament_clock", default=None)


def utcnow() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    """The time of the command being run (its clock), else the real time; aware, in UTC."""
    clock = _current.get()
    return clock().astimezone(UTC) if clock is not None else utcnow()


class _ClockedDateTime(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def]
        clock = _current.get()
        if clock is None:
            return datetime.now(tz)
        value = clock()
        return value.astimezone(tz) if tz is not None else value.replace(tzinfo=None)


_spiff_timer.datetime = _ClockedDateTime


@contextmanager
def using(clock: Clock) -> Iterator[None]:
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)


class DatabaseClock:
    """The database's time, read by every host without a query per call: the offset between this
    host's clock and the database's is measured (``read`` is a query of the database's time)
    and measured again every ``refresh_seconds``. Timers, job leases and due dates of all hosts
    sharing one database then agree with each other, however far a host's own clock drifts."""

    def __init__(self, read: Clock, refresh_seconds: float = 60.0, local: Clock = utcnow) -> None:
        self._read = read
        self._local = local
        self._refresh = refresh_seconds
        self._offset: timedelta | None = None
        self._measured_at = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        if self._offset is None or time.monotonic() - self._measured_at > self._refresh:
            self._measure()
        assert self._offset is not None
        return self._local() + self._offset

    def _measure(self) -> None:
        with self._lock:
            before = self._local()
            try:
                theirs = self._read()
            except Exception:  # the database is away: keep the last offset (or none) and try later
                if self._offset is None:
                    self._offset = timedelta(0)
                self._measured_at = time.monotonic() - self._refresh + 5.0
                return
            after = self._local()
            self._offset = theirs - (before + (after - before) / 2)
            self._measured_at = time.monotonic()
