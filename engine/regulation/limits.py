"""Every bound on the work an uploaded diagram may cause, in one place.

A regulation is untrusted input: whoever may deploy one must not be able to stop
everyone else. Each limit below is checked where the work happens, and a breach
becomes either a refusal at deploy (naming the element and the limit) or, for what
only shows at run time, an incident on the cycle (naming the limit). The names are
the ones the messages quote, so an operator can find them here.

Expressions (conditions, cardinalities, timer and due-date expressions, DMN cells):
    MAX_VALUE_SIZE          size of any value an expression builds, in characters as
                            written out (a list counts its items, a string its length)
    MAX_INT_DIGITS          digits of an integer an expression builds
    MAX_EXPRESSION_STEPS    nodes evaluated for one expression
    MAX_EXPRESSION_SECONDS  wall time of one evaluation

Task documentation (Jinja sandbox):
    MAX_DOCUMENTATION_STEPS    loop iterations, calls and filters of one rendering
    MAX_DOCUMENTATION_LENGTH   characters of any text built and of the output
    MAX_DOCUMENTATION_SECONDS  wall time of one rendering

Diagram structure (checked at deploy, and again at run time for dynamic values):
    MAX_LOOP_CARDINALITY    instances of one multi-instance activity
    MAX_GATEWAY_FAN_OUT     outgoing flows of one element that splits the token
    MIN_TIMER_CYCLE         shortest interval of a repeating (cycle) timer
    MAX_CALL_DEPTH          call activities nested in one another at run time
                            (calls that form a cycle are refused at deploy)

One step of a cycle (a command: start, complete, retry, a timer firing):
    MAX_STEP_TASKS          engine tasks (gateways, events, calls) run by one step
    MAX_TASK_DEPTH          tasks on one path of a cycle's task tree: an engine loop with no
                            wait state grows it by one per pass (SpiffWorkflow itself fails
                            silently near a thousand)
    MAX_STEP_SECONDS        wall time of the engine's part of one step
    MAX_LIVE_TOKENS         tasks a cycle may hold open or waiting at once
    MAX_CYCLE_TASKS         tasks a cycle's state may hold in all (its stored size)
"""
from __future__ import annotations

from datetime import timedelta

MAX_VALUE_SIZE = 100_000
MAX_INT_DIGITS = 1_000
MAX_EXPRESSION_STEPS = 10_000
MAX_EXPRESSION_SECONDS = 0.5

MAX_DOCUMENTATION_STEPS = 10_000
MAX_DOCUMENTATION_LENGTH = 20_000
MAX_DOCUMENTATION_SECONDS = 0.5

MAX_LOOP_CARDINALITY = 1_000
MAX_GATEWAY_FAN_OUT = 50
MIN_TIMER_CYCLE = timedelta(minutes=1)
MAX_CALL_DEPTH = 10

MAX_STEP_TASKS = 2_000
MAX_TASK_DEPTH = 500
MAX_STEP_SECONDS = 2.0
MAX_LIVE_TOKENS = 2_000
MAX_CYCLE_TASKS = 20_000


def describe(name: str, value: object) -> str:
    """``the limit is 1,000 (MAX_LOOP_CARDINALITY)``: how every message names a limit."""
    if isinstance(value, timedelta):
        shown = _duration(value)
    elif isinstance(value, int):
        shown = f"{value:,}"
    else:
        shown = str(value)
    return f"the limit is {shown} ({name})"


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
