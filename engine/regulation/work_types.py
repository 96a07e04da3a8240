"""The work-type catalogue (call, meeting, demo...): labels and default due durations."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import InputInvalid
from storage.models import WorkType
from storage.repositories import regulation as regulation_repo

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
_DURATION = re.compile(r"^P(?=\d|T\d)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?)?$")
DEFAULTS = (
    ("call", "Call", "P1D"), ("meeting", "Meeting", "P3D"), ("demo", "Demo", "P5D"),
    ("email", "E-mail", "P1D"), ("proposal", "Proposal", "P2D"), ("contract", "Contract", "P5D"),
    ("invoice", "Invoice", "P1D"), ("payment", "Payment", "P7D"), ("control", "Control", "P1D"),
)


@dataclass(frozen=True)
class WorkTypeEntry:
    """A work type of the catalogue: its name, its label and its default due duration (ISO 8601)."""

    name: str
    label: str
    default_due: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "default_due": self.default_due}


def catalogue(session: Session) -> list[WorkTypeEntry]:
    return [WorkTypeEntry(w.name, w.label, w.default_due) for w in regulation_repo.work_types(session)]


def default_dues(session: Session) -> dict[str, str]:
    return {w.name: w.default_due for w in regulation_repo.work_types(session) if w.default_due}


def save(session: Session, actor: Actor, name: str, label: str, default_due: str | None) -> None:
    require(actor, HEADS, "edit the work-type catalogue")
    name, label, due = (name or "").strip().lower(), (label or "").strip(), (default_due or "").strip().upper()
    errors = {}
    if not _NAME.match(name):
        errors["name"] = "must be lower-case letters, digits or '_' (like call, site_visit)"
    if not label:
        errors["label"] = "is required"
    if due and not _DURATION.match(due):
        errors["default_due"] = "must be an ISO-8601 duration in weeks, days, hours or minutes, like P2D or PT4H"
    if errors:
        raise InputInvalid("the work type cannot be saved: " + "; ".join(f"{k} {v}" for k, v in errors.items()),
                           {"fields": errors})
    row = session.get(WorkType, name)
    if row is None:
        session.add(WorkType(name=name, label=label, default_due=due or None))
    else:
        row.label, row.default_due = label, due or None


def ensure_defaults(session: Session) -> None:
    for name, label, due in DEFAULTS:
        if session.get(WorkType, name) is None:
            session.add(WorkType(name=name, label=label, default_due=due))
