"""The engine's clock, also for SpiffWorkflow's timers.

SpiffWorkflow's timer events read ``datetime.now(timezone.utc)`` directly. So that a
command's timers use the same clock as the rest of the command (and tests can move time),
the timer module's ``datetime`` is a subclass whose ``now()`` asks the clock of the command
being run (a context variable), falling back to the real time.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

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
