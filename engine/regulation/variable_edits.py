"""Editing a running cycle's variables: typed and validated against the forms that use them.

A variable that a form of the cycle's version defines is checked and converted as that form
would check it (type, enum options, min/max, lengths; a read-only field may still be fixed by
an operator). Any other variable takes a JSON scalar (text, number, true/false, null). The
variables the platform sets from the client (``client_id``, ``owner``...) are not edited here:
a hand-over changes the owner. New values go into the data of every live task of the workflow
(so the next step, and a retry of a failed one, reads them) and into the cycle's variables.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.regulation import (
    compaction,
    error_texts,  # noqa: F401  (registers the codes raised here)
    forms,
    runtime,
)
from engine.regulation.advance import advance
from engine.regulation.context import ACTIVE, INCIDENT, SUSPENDED, Context, Recorder
from engine.regulation.operations import locked_cycle, reason_text, refuse_unless
from engine.shared.access import OPERATORS, Actor, require
from engine.shared.errors import FormInvalid, InputInvalid
from engine.shared.notices import coded
from engine.shared.numbers import parse_whole_number
from storage.models import Cycle
from storage.repositories import regulation as regulation_repo

#: set by the platform from the client and the cycle; not edited by hand
PROTECTED = frozenset({"client_id", "client_name", "cycle_id", "segment", "owner"})
#: the most variables one edit may change, and the longest text value
MAX_VARIABLES = 50
MAX_TEXT = 10_000
_LIVE = TaskState.NOT_FINISHED_MASK | TaskState.ERROR


def version_fields(session: Session, ctx: Context, version_id: int) -> dict[str, forms.FormField]:
    """Every form field of the version's user tasks, by variable name (the first form wins)."""
    spec, subs = ctx.specs_by_id(session, version_id)
    out: dict[str, forms.FormField] = {}
    for process in (spec, *subs.values()):
        for task_spec in process.task_specs.values():
            for f in forms.fields_of(task_spec):
                out.setdefault(f.id, f)
    return out


def typed(session: Session, ctx: Context, version_id: int, changes: Any) -> dict[str, Any]:
    """The changes as typed values, or FormInvalid naming every bad variable."""
    if not isinstance(changes, dict) or not changes:
        raise coded(InputInvalid, "variables_empty", {},
                    {"fields": {"variables": "must be a non-empty object"}})
    if len(changes) > MAX_VARIABLES:
        raise coded(InputInvalid, "variables_too_many", {"limit": str(MAX_VARIABLES)},
                    {"fields": {"variables": f"at most {MAX_VARIABLES} entries"}})
    known = version_fields(session, ctx, version_id)
    errors: dict[str, str] = {}
    codes: dict[str, tuple[str, dict[str, Any]]] = {}
    values: dict[str, Any] = {}
    for name, raw in changes.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_") or len(name) > 100:
            errors[str(name)[:100]], codes[str(name)[:100]] = "is not a valid variable name", ("invalid_name", {})
        elif name in PROTECTED:
            errors[name], codes[name] = "is set by the platform and cannot be edited", ("protected", {})
        elif name in known:
            field = replace(known[name], readonly=False)
            try:
                values[name] = forms.validate([field], {name: raw})[name]
            except FormInvalid as exc:
                errors[name] = exc.field_errors[name]
                codes[name] = exc.codes.get(name, ("invalid", {}))
        elif isinstance(raw, str) and len(raw) > MAX_TEXT:
            errors[name], codes[name] = f"must be at most {MAX_TEXT} characters", ("maxlength", {"limit": MAX_TEXT})
        elif raw is None or isinstance(raw, (str, bool, int, float)):
            values[name] = raw
        else:
            errors[name], codes[name] = "must be text, a number, true/false or null", ("scalar", {})
    if errors:
        raise FormInvalid(errors, codes)
    return values


def changed(before: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The values that differ from the cycle's (a page sends every variable it shows)."""
    return {k: v for k, v in values.items() if k not in before or before[k] != v or type(before[k]) is not type(v)}


def apply(workflow: Any, values: dict[str, Any]) -> None:
    """Write the values into every live (or failed) task's data and the last task's."""
    for wf in compaction.workflows(workflow):
        for task in wf.tasks.values():
            if task.state & _LIVE and not task.state & TaskState.PREDICTED_MASK:
                task.data.update(values)
        if wf.last_task is not None:
            wf.last_task.data.update(values)


def edit_variables(session: Session, ctx: Context, actor: Actor, cycle_id: int, changes: Any,
                   reason: str | None) -> Cycle:
    require(actor, OPERATORS, "edit cycle variables")
    text = reason_text(reason)
    cycle = locked_cycle(session, cycle_id)
    refuse_unless(cycle, (ACTIVE, INCIDENT, SUSPENDED), "edited")
    before = dict(cycle.variables or {})
    values = changed(before, typed(session, ctx, cycle.version_id, changes))
    if not values:
        raise coded(InputInvalid, "variables_unchanged", {}, {"fields": {"variables": "nothing changed"}})
    workflow = runtime.restore_workflow(ctx.specs_for(session, cycle.version), cycle.state)
    apply(workflow, values)
    known = {t.id: t for t in regulation_repo.open_tasks_of_cycle(session, cycle.id)}
    rec = Recorder(session, cycle, actor.login, ctx.now())
    rec.add("variables_edited", None, {"changes": {k: {"from": before.get(k), "to": v} for k, v in values.items()},
                                       "reason": text})
    advance(session, ctx, cycle, workflow, rec, known_open=known)
    return cycle


def from_text(raw: str) -> Any:
    """A value typed in a page's text box: a number, true, false or null as such, else the text
    (form fields are converted by their form's type in ``typed`` anyway)."""
    text = raw.strip()
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    number = parse_whole_number(text[1:] if text.startswith("-") else text, maximum_digits=17)
    if number is not None:
        return -number if text.startswith("-") else number
    return raw
