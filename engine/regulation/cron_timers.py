"""Cron timer cycles in SpiffWorkflow: its cycle timer knows only ISO-8601 repetitions.

When a cycle timer's expression gives a Quartz cron (``0 0 9 ? * MON-FRI``), ``start`` hands the
engine an ISO repetition that begins at the cron's first fire time (from the engine clock) and
keeps the cron and that fire time in the task's internal data. Each time the engine fires the
timer it moves the next time on by a century (parked: no second fire within the step); ``pace`` (run after every engine task and
at the end of each step, see ``steps.pace_cycle_timers``) notices that and puts the next time
where the cron says, never sooner than MIN_TIMER_CYCLE after the previous fire. Missed fires
are not made up: the next one is the cron's next time after now. A cron that fires no more
ends the timer.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.task import Task

from engine.regulation import cron, limits
from engine.shared import clock
from engine.shared.errors import ExpressionError

#: the interval handed to the engine: after a fire it parks the next time this far ahead, so that
#: it cannot fire again before ``pace`` sets the cron's next time (within the same step)
PARKED_SECONDS = 100 * 366 * 86400


def start(task: Task, text: str) -> str:
    """The ISO repetition the engine runs for this cron, remembering the cron on the task."""
    try:
        schedule = cron.parse(text)
    except cron.CronError as exc:
        raise ExpressionError(f"cron {text!r}: {exc}") from None
    first = schedule.next_after(clock.now())
    if first is None:
        raise ExpressionError(f"cron {text!r} never fires")
    task.internal_data.update(cron=text, cron_next=first.isoformat())
    return f"R/{first.isoformat()}/PT{PARKED_SECONDS}S"


def date_from_duration(text: str) -> str:
    """A timeDate written as a duration (``PT5M``), read as Camunda reads it: that long from now."""
    now = clock.now()
    try:
        delta: timedelta = TimerEventDefinition.get_timedelta_from_start(
            TimerEventDefinition.parse_iso_duration(text), now)
    except Exception:  # SpiffWorkflow raises a bare Exception for a malformed duration
        raise ExpressionError(f"timer date {text!r} is neither a date nor an ISO-8601 duration") from None
    return (now + delta).isoformat()


def is_cron_timer(task: Task) -> bool:
    return bool(task.internal_data.get("cron"))


def pace(task: Task, value: dict[str, Any], now: datetime) -> None:
    """After the engine fired a cron timer, its next time is the cron's next fire time."""
    expected = task.internal_data.get("cron_next")
    if expected is None or value.get("next") == expected:
        return  # still waiting for the fire time it was given
    previous = datetime.fromisoformat(expected)
    after = max(now, previous + limits.MIN_TIMER_CYCLE - timedelta(seconds=1))
    following = cron.parse(task.internal_data.get("cron")).next_after(after)
    if following is None:
        paced = {**value, "cycles": 0}
    else:
        paced = {**value, "next": following.isoformat()}
        task.internal_data["cron_next"] = following.isoformat()
    task.internal_data["event_value"] = paced
