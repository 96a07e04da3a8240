"""What a person needs beside a task's form: the client card and what earlier steps recorded.

The data of earlier steps is read from the cycle's completions (history), labelled by the form
fields of the task that recorded them (in the cycle's own version), in the order they were
entered; a later completion of the same field shows its newer value only. By default every
field entered by a form is shown; a task may choose with the extension property ``context``:
field ids separated by commas, or ``none``. Files of ``file`` fields come as ``FileRef``
values (downloaded through the cycle's access rules).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.regulation import forms
from engine.regulation.context import Context
from engine.regulation.tasks import find_spec
from storage.models import Cycle, OpenTask
from storage.repositories import task_context as context_repo

#: the most completions, notes and done work a task page reads
MAX_STEPS = 200
MAX_NOTES = 3
MAX_WORK = 5


@dataclass(frozen=True)
class ShownValue:
    field: str
    label: str
    type: str
    value: Any  # a Decimal for money, a dict {"file_id", "name", "size"} for a file, else as entered
    currency: str | None = None


@dataclass(frozen=True)
class EarlierStep:
    name: str
    at: datetime
    actor: str | None
    values: tuple[ShownValue, ...]


@dataclass(frozen=True)
class ClientCard:
    id: int
    name: str
    kind: str
    tax_id: str | None
    status: str
    segment: str | None
    industry: str | None
    region: str | None
    owner_login: str | None
    owner_name: str | None
    contacts: tuple[dict[str, Any], ...]
    notes: tuple[dict[str, Any], ...]
    work: tuple[dict[str, Any], ...]
    last_contact_at: datetime | None


@dataclass(frozen=True)
class TaskContext:
    client: ClientCard
    steps: tuple[EarlierStep, ...]

    def as_dict(self) -> dict[str, Any]:
        c = self.client
        return {
            "client": {"id": c.id, "name": c.name, "kind": c.kind, "tax_id": c.tax_id, "status": c.status,
                       "segment": c.segment, "industry": c.industry, "region": c.region,
                       "owner": c.owner_login, "owner_name": c.owner_name, "contacts": list(c.contacts),
                       "notes": [{**n, "at": n["at"].isoformat()} for n in c.notes],
                       "work": [{**w, "done_at": w["done_at"].isoformat()} for w in c.work],
                       "last_contact_at": c.last_contact_at.isoformat() if c.last_contact_at else None},
            "steps": [{"task": s.name, "at": s.at.isoformat(), "actor": s.actor,
                       "values": [{"field": v.field, "label": v.label, "type": v.type,
                                   "value": str(v.value) if isinstance(v.value, Decimal) else v.value,
                                   "currency": v.currency} for v in s.values]} for s in self.steps],
        }


def client_card(session: Session, cycle: Cycle) -> ClientCard:
    client = cycle.client
    notes = tuple({"at": e.at, "actor": e.actor, "text": str((e.data or {}).get("text") or "")}
                  for e in context_repo.latest_notes(session, client.id, MAX_NOTES))
    work = tuple({"done_at": w.done_at, "login": w.login, "name": w.name, "work_type": w.work_type,
                  "result": w.result} for w in context_repo.latest_work(session, client.id, MAX_WORK))
    contacts = tuple({"name": c.name, "position": c.position, "phone": c.phone, "email": c.email}
                     for c in client.contacts)
    return ClientCard(client.id, client.name, client.kind, client.tax_id, client.status,
                      client.segment.name if client.segment else None, client.industry, client.region,
                      client.owner.login if client.owner else None, client.owner.name if client.owner else None,
                      contacts, notes, work, client.last_contact_at)


def chosen_fields(task_spec: Any) -> set[str] | None:
    """The fields a task shows of earlier steps (its ``context`` property); None: all of them."""
    chosen = ((getattr(task_spec, "extensions", None) or {}).get("context") or "").strip()
    if not chosen:
        return None
    if chosen.lower() == "none":
        return set()
    return {name.strip() for name in chosen.split(",") if name.strip()}


def earlier_steps(session: Session, ctx: Context, cycle: Cycle, chosen: set[str] | None) -> list[EarlierStep]:
    spec, subs = ctx.specs_by_id(session, cycle.version_id)
    labels: dict[str, list[forms.FormField]] = {}
    events = context_repo.completed_steps(session, cycle.id, MAX_STEPS)
    newest: dict[str, int] = {}  # a field shows at the step that last recorded it
    for index, event in enumerate(events):
        for name in ((event.data or {}).get("variables") or {}):
            newest[name] = index
    steps = []
    for index, event in enumerate(events):
        recorded = (event.data or {}).get("variables") or {}
        element = event.element_id or ""
        if element not in labels:
            labels[element] = forms.fields_of(find_spec(spec, subs, element))
        shown = tuple(_shown(f, recorded[f.id]) for f in labels[element]
                      if f.id in recorded and newest.get(f.id) == index and _present(recorded[f.id])
                      and (chosen is None or f.id in chosen))
        if shown:
            steps.append(EarlierStep(event.task_name or event.element_id or "", event.at, event.actor, shown))
    return steps


def _present(value: Any) -> bool:
    return value is not None and value != ""


def _shown(f: forms.FormField, value: Any) -> ShownValue:
    if f.type == "money":
        value = forms.money_value(value) if forms.money_value(value) is not None else value
    elif f.type == "enum":
        value = dict(f.options).get(str(value), value)
    return ShownValue(f.id, f.label, f.type, value, f.currency)


def history_fields(session: Session, ctx: Context, cycle: Cycle) -> dict[str, dict[str, forms.FormField]]:
    """The form fields of each task the cycle's history recorded data for, by element id and field
    id: what the history shows a value under (its label, the name of an option, the money's
    currency) instead of the variable's key."""
    spec, subs = ctx.specs_by_id(session, cycle.version_id)
    return {element: {f.id: f for f in forms.fields_of(find_spec(spec, subs, element))}
            for element in context_repo.recorded_elements(session, cycle.id)}


def task_context(session: Session, ctx: Context, cycle: Cycle, task: OpenTask) -> TaskContext:
    spec, subs = ctx.specs_by_id(session, task.version_id)
    chosen = chosen_fields(find_spec(spec, subs, task.element_id))
    return TaskContext(client_card(session, cycle), tuple(earlier_steps(session, ctx, cycle, chosen)))
