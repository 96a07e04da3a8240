"""Deploy-time checks of every value the engine reads at run time, whatever its form.

A value Camunda writes with ``${...}`` (or as mixed text such as ``sales_${region}``) is an
expression: its syntax is checked at deploy, and when it refers to no variable it is evaluated
there too and its result checked like a literal. A value without ``${`` is a literal and is
checked for meaning: a due date ``next week`` is refused at deploy, naming the forms accepted,
instead of sending every cycle that reaches the task into an incident.

Each function returns the problem's message (the caller names the element), or None.
"""
from __future__ import annotations

import ast
import re
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.regulation import cron, expressions, juel, limits, structure
from engine.shared.errors import ExpressionError

DATE_FORMS = ("an ISO-8601 date (2026-12-31), date and time (2026-12-31T17:00:00Z), duration from the task's "
              "start (P2D, PT4H, P1W) or an expression such as ${dateTime().plusDays(2).toDate()}")
TIMER_FORMS = {
    "timeDuration": "an ISO-8601 duration (PT48H, P3D) or an expression giving one, such as ${wait}",
    "timeDate": "an ISO-8601 date and time (2026-12-31T09:00:00Z), a duration from now (PT5M, as Camunda "
                "reads it) or an expression giving one, such as ${dateTime().plusDays(1).toDate()}",
    "timeCycle": "a repetition R<n>/<duration> (R3/PT1H, R/P1D), a cron expression as Camunda writes it "
                 "(0 0 9 ? * MON-FRI) or an expression giving one",
}
MAX_LOGIN = 64
MAX_GROUP = 100
_LITERAL_NAME = re.compile(r"^[^\s,${}]([^,${}]*[^\s,${}])?$")


def is_expression(text: str) -> bool:
    try:
        return juel.split_template(text.strip()) is not None
    except ExpressionError:  # an unclosed ${: an expression, whose check names the problem
        return True


def expression_problem(text: str, timer: bool = False) -> str | None:
    """The syntax (and whitelist) of an expression."""
    try:
        expressions.check(text, timer=timer)
    except ExpressionError as exc:
        return exc.message
    return None


def _constant_value(text: str) -> tuple[bool, Any]:
    """(True, value) when the expression refers to no variable and evaluates; else (False, None)."""
    try:
        tree = ast.parse(expressions.unwrap(text), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False, None
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    if any(isinstance(node, ast.Name) and node.id not in expressions.CONSTANTS
           and not (id(node) in called and node.id in expressions.FUNCTIONS) for node in ast.walk(tree)):
        return False, None
    try:
        return True, expressions.evaluate(text, {})
    except ExpressionError:
        return False, None


def date_problem(text: str) -> str | None:
    """A due or follow-up date: a literal date or duration, or an expression."""
    value = text.strip()
    if not value:
        return "is empty"
    if is_expression(value):
        problem = expression_problem(value)
        if problem:
            return problem
        constant, result = _constant_value(value)
        if not constant or _is_date_or_duration(result):
            return None
        return f"{value!r} gives {result!r}, which is not a date or a duration; write {DATE_FORMS}"
    if _is_date_or_duration(value):
        return None
    return f"{value!r} is not a date or a duration; write {DATE_FORMS}"


def _is_date_or_duration(value: Any) -> bool:
    if isinstance(value, datetime):
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text.upper().startswith("P"):
        return _duration_ok(text)
    try:
        TimerEventDefinition.get_datetime(text)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def _duration_ok(text: str) -> bool:
    try:
        TimerEventDefinition.parse_iso_duration(text)
    except Exception:  # SpiffWorkflow raises a bare Exception for a malformed duration
        return False
    return True


def duration_problem(text: str) -> str | None:
    """The ``due`` property: an ISO-8601 duration."""
    value = text.strip()
    if value.upper().startswith("P") and _duration_ok(value):
        return None
    return f"{value!r} is not an ISO-8601 duration such as P2D, PT4H or P1W"


def timer_problem(kind: str, text: str) -> str | None:
    """A timer's timeDuration, timeDate or timeCycle; the message starts ``timer <kind>: ``
    (a cycle faster than the limit keeps the message of ``structure.timer_cycle_problem``)."""
    value = text.strip()
    forms = TIMER_FORMS.get(kind, TIMER_FORMS["timeDuration"])
    if not value:
        return f"timer {kind}: is empty; write {forms}"
    if is_expression(value):
        problem = expression_problem(value, timer=True)
        if problem:
            return f"timer {kind}: {problem}"
        constant, result = _constant_value(value)
        if not constant:
            return None
        if isinstance(result, datetime):
            result = result.isoformat()
        if not isinstance(result, str):
            return f"timer {kind}: {value!r} gives {result!r}; write {forms}"
        value = result.strip()
    literal = expressions.timer_literal(value)
    text_value = (literal or value).strip()
    if kind == "timeCycle" and cron.is_cron(text_value):
        problem = cron_problem(text_value)
        return f"timer {kind}: {problem}" if problem else None
    if literal is None or not _timer_literal_ok(kind, text_value):
        return f"timer {kind}: {value!r} is not {forms}"
    return structure.timer_cycle_problem(text_value) if kind == "timeCycle" else None


def _timer_literal_ok(kind: str, literal: str) -> bool:
    try:
        if kind == "timeDuration":
            TimerEventDefinition.parse_iso_duration(literal)
            return literal.upper().startswith("P")
        if kind == "timeDate":  # Camunda reads a duration here as "that long from now"
            return isinstance(TimerEventDefinition.parse_time_or_duration(literal), (datetime, dict))
        if not literal.upper().startswith("R"):
            return False
        TimerEventDefinition.parse_iso_recurring_interval(literal)
        return True
    except Exception:  # SpiffWorkflow's parsers raise bare Exceptions
        return False


def cron_problem(text: str) -> str | None:
    """A cron cycle: readable, and firing no more often than MIN_TIMER_CYCLE."""
    try:
        schedule = cron.parse(text)
    except cron.CronError as exc:
        return f"cron {text!r}: {exc}"
    gap = schedule.shortest_gap()
    if gap is not None and gap < limits.MIN_TIMER_CYCLE:
        return (f"cron {text!r} fires every {gap.total_seconds():g} s, more often than a repeating timer may "
                f"fire; {limits.describe('MIN_TIMER_CYCLE', limits.MIN_TIMER_CYCLE)}")
    if gap is None:
        return f"cron {text!r} never fires"
    return None


def split_list(text: str) -> list[str]:
    """A comma-separated list of candidates, commas inside ``${...}`` and quotes not counting."""
    items: list[str] = []
    depth, quote, start = 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif depth and ch in "'\"":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    items.append(text[start:].strip())
    return items


def responsibility_problem(attribute: str, text: str) -> str | None:
    """camunda:assignee (one login) or candidateGroups / candidateUsers (a comma-separated list)."""
    items = [text.strip()] if attribute == "assignee" else split_list(text)
    limit = MAX_GROUP if attribute == "candidateGroups" else MAX_LOGIN
    for item in items:
        if not item:
            return f"{text.strip()!r} has an empty name; separate names with single commas"
        if is_expression(item):
            problem = expression_problem(item)
            if problem:
                return problem
        elif attribute == "assignee" and "," in item:
            return f"{item!r}: a task has one assignee; use candidateUsers for several people"
        elif not _LITERAL_NAME.match(item):
            return f"{item!r} is not a name; write a login or group name, or an expression such as ${{owner}}"
        elif len(item) > limit:
            return f"{item[:40]!r}... is {len(item)} characters long; the limit is {limit}"
    return None


#: the attributes of a user task read at run time, and how a problem names them
USER_TASK_ATTRIBUTES = {"assignee": "assignee", "candidateGroups": "candidate groups",
                        "candidateUsers": "candidate users", "dueDate": "due date",
                        "followUpDate": "follow-up date"}


def user_task_problems(attributes: dict[str, str | None], due_property: str | None) -> list[str]:
    """Every run-time value of a user task, checked whatever its form: one message per problem."""
    out: list[str] = []
    for attribute, label in USER_TASK_ATTRIBUTES.items():
        value = attributes.get(attribute)
        if value is None:
            continue
        if attribute in ("dueDate", "followUpDate"):
            problem = date_problem(value)
        elif not value.strip():
            problem = "is empty; remove the attribute or name someone"
        else:
            problem = responsibility_problem(attribute, value)
        if problem:
            out.append(f"{label}: {problem}")
    if due_property is not None:
        problem = duration_problem(due_property)
        if problem:
            out.append(f"property due: {problem}")
    return out
