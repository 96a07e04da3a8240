"""Deploy-time checks of every value the engine reads at run time, whatever its form.

A value Camunda writes with ``${...}`` (or as mixed text such as ``sales_${region}``) is an
expression: its syntax is checked at deploy, and when it refers to no variable it is evaluated
there too and its result checked like a literal. A value without ``${`` is a literal and is
checked for meaning: a due date ``next week`` is refused at deploy, naming the forms accepted,
instead of sending every cycle that reaches the task into an incident.

Each function returns the problem as a notice (the caller names the element; its codes are in
``problem_texts``), or None.
"""
from __future__ import annotations

import ast
import re
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.regulation import cron, expressions, juel, limits, structure
from engine.regulation.problem_texts import limit, reason
from engine.shared.errors import ExpressionError
from engine.shared.notices import Notice

#: the forms a timer value may take, as a notice's code (engine/regulation/problem_texts.py)
_TIMER_FORMS = {"timeDuration": "timer_forms_duration", "timeDate": "timer_forms_date",
                "timeCycle": "timer_forms_cycle"}
MAX_LOGIN = 64
MAX_GROUP = 100
_LITERAL_NAME = re.compile(r"^[^\s,${}]([^,${}]*[^\s,${}])?$")


def is_expression(text: str) -> bool:
    try:
        return juel.split_template(text.strip()) is not None
    except ExpressionError:  # an unclosed ${: an expression, whose check names the problem
        return True


def expression_problem(text: str, timer: bool = False) -> Notice | str | None:
    """The syntax (and whitelist) of an expression: the checker's notice, or its text."""
    try:
        expressions.check(text, timer=timer)
    except ExpressionError as exc:
        return reason(exc)
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


def date_problem(text: str) -> Notice | str | None:
    """A due or follow-up date: a literal date or duration, or an expression."""
    value = text.strip()
    if not value:
        return Notice("value_empty")
    if is_expression(value):
        problem = expression_problem(value)
        if problem:
            return problem
        constant, result = _constant_value(value)
        if not constant or _is_date_or_duration(result):
            return None
        return Notice("date_expression_not_date", {"value": repr(value), "result": repr(result)})
    if _is_date_or_duration(value):
        return None
    return Notice("date_not_date", {"value": repr(value)})


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


def duration_problem(text: str) -> Notice | None:
    """The ``due`` property: an ISO-8601 duration."""
    value = text.strip()
    if value.upper().startswith("P") and _duration_ok(value):
        return None
    return Notice("due_not_duration", {"value": repr(value)})


def _timer(kind: str, problem: Notice | str) -> Notice:
    return Notice("timer_problem", {"kind": kind, "reason": problem})


def timer_problem(kind: str, text: str) -> Notice | None:
    """A timer's timeDuration, timeDate or timeCycle; the message starts ``timer <kind>: ``
    (a cycle faster than the limit keeps the message of ``structure.timer_cycle_problem``)."""
    value = text.strip()
    forms = Notice(_TIMER_FORMS.get(kind, _TIMER_FORMS["timeDuration"]))
    if not value:
        return _timer(kind, Notice("timer_empty", {"forms": forms}))
    if is_expression(value):
        problem = expression_problem(value, timer=True)
        if problem:
            return _timer(kind, problem)
        constant, result = _constant_value(value)
        if not constant:
            return None
        if isinstance(result, datetime):
            result = result.isoformat()
        if not isinstance(result, str):
            return _timer(kind, Notice("timer_expression_not_value",
                                       {"value": repr(value), "result": repr(result), "forms": forms}))
        value = result.strip()
    literal = expressions.timer_literal(value)
    text_value = (literal or value).strip()
    if kind == "timeCycle" and cron.is_cron(text_value):
        problem = cron_problem(text_value)
        return _timer(kind, problem) if problem else None
    if literal is None or not _timer_literal_ok(kind, text_value):
        return _timer(kind, Notice("timer_value_invalid", {"value": repr(value), "forms": forms}))
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


def cron_problem(text: str) -> Notice | None:
    """A cron cycle: readable, and firing no more often than MIN_TIMER_CYCLE."""
    try:
        schedule = cron.parse(text)
    except cron.CronError as exc:
        return Notice("cron_unreadable", {"cron": repr(text), "reason": str(exc)})
    gap = schedule.shortest_gap()
    if gap is not None and gap < limits.MIN_TIMER_CYCLE:
        return Notice("cron_too_often", {"cron": repr(text), "seconds": f"{gap.total_seconds():g}",
                                         "limit": limit("MIN_TIMER_CYCLE", limits.MIN_TIMER_CYCLE)})
    if gap is None:
        return Notice("cron_never_fires", {"cron": repr(text)})
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


def responsibility_problem(attribute: str, text: str) -> Notice | str | None:
    """camunda:assignee (one login) or candidateGroups / candidateUsers (a comma-separated list)."""
    items = [text.strip()] if attribute == "assignee" else split_list(text)
    most = MAX_GROUP if attribute == "candidateGroups" else MAX_LOGIN
    for item in items:
        if not item:
            return Notice("names_empty_item", {"value": repr(text.strip())})
        if is_expression(item):
            problem = expression_problem(item)
            if problem:
                return problem
        elif attribute == "assignee" and "," in item:
            return Notice("assignee_several", {"value": repr(item)})
        elif not _LITERAL_NAME.match(item):
            return Notice("name_invalid", {"value": repr(item)})
        elif len(item) > most:
            return Notice("name_too_long", {"value": repr(item[:40]), "length": str(len(item)), "limit": str(most)})
    return None


#: the attributes of a user task read at run time, and the code of a problem with each
#: (its English names the attribute: "candidate groups: ...")
USER_TASK_ATTRIBUTES = {"assignee": "user_task_assignee", "candidateGroups": "user_task_candidate_groups",
                        "candidateUsers": "user_task_candidate_users", "dueDate": "user_task_due_date",
                        "followUpDate": "user_task_follow_up_date"}


def user_task_problems(attributes: dict[str, str | None], due_property: str | None) -> list[Notice]:
    """Every run-time value of a user task, checked whatever its form: one notice per problem."""
    out: list[Notice] = []
    for attribute, code in USER_TASK_ATTRIBUTES.items():
        value = attributes.get(attribute)
        if value is None:
            continue
        problem: Notice | str | None
        if attribute in ("dueDate", "followUpDate"):
            problem = date_problem(value)
        elif not value.strip():
            problem = Notice("attribute_empty")
        else:
            problem = responsibility_problem(attribute, value)
        if problem:
            out.append(Notice(code, {"reason": problem}))
    if due_property is not None:
        due = duration_problem(due_property)
        if due:
            out.append(Notice("user_task_due_property", {"reason": due}))
    return out
