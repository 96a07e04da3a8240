"""Contact norms and forgotten clients.

A norm is the most days allowed between contacts with a client whose active cycle is at a
stage, for one segment or for any segment; a segment's own norm wins over the any-segment
one. The head of sales (HEADS) sets them; the stages are those the regulations' latest
versions list (their ``stages`` property).

A client is forgotten when its active cycle's stage has a norm and the last contact is more
than that many days ago. The last contact is the later of the client's latest done work
(Client.last_contact_at: a completed task of a work type, a done ad-hoc contact) and the
cycle's start, so a cycle just started is not forgotten for a contact made long before it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.control.filters import Filters
from engine.notify import notifications
from engine.shared.access import HEADS, Actor, require
from engine.shared.errors import InputInvalid, NotFound
from storage.models import ContactNorm
from storage.repositories import clients as clients_repo
from storage.repositories import planning as planning_repo

MAX_DAYS = 365


@dataclass(frozen=True)
class Forgotten:
    """A client in an active cycle with no contact for longer than its norm."""

    client_id: int
    client_name: str
    segment: str | None
    owner_login: str | None
    owner_name: str | None
    cycle_id: int
    stage: str
    last_contact_at: datetime
    days_since: int
    max_days: int

    def as_dict(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "client_name": self.client_name, "segment": self.segment,
                "owner": self.owner_login, "owner_name": self.owner_name, "cycle_id": self.cycle_id,
                "stage": self.stage, "last_contact_at": self.last_contact_at.isoformat(),
                "days_since": self.days_since, "max_days": self.max_days}


@dataclass(frozen=True)
class NormCell:
    """A norm set in the grid: its id and the most days between contacts."""

    id: int
    max_days: int


@dataclass(frozen=True)
class NormGrid:
    """Norms as a grid: a row per stage, a column for "any segment" (None) and one per segment;
    a cell is None where no norm is set."""

    stages: tuple[str, ...]
    segments: tuple[str, ...]
    #: the stages the regulations list (a row not among them only keeps an old norm)
    known_stages: tuple[str, ...]
    cells: Mapping[str, Mapping[str | None, NormCell | None]]

    @property
    def columns(self) -> tuple[str | None, ...]:
        """None (any segment), then each segment."""
        return (None, *self.segments)


def stages(session: Session) -> list[str]:
    """The stages of every regulation's latest version, in their order, each once."""
    found: dict[str, None] = {}
    for listed in planning_repo.latest_stage_lists(session):
        for stage in listed or []:
            found.setdefault(str(stage), None)
    return list(found)


def grid(session: Session) -> NormGrid:
    """Norms as a grid: a row per stage (those of the regulations, then any others still having
    a norm), a column for "any segment" (None) and one per segment."""
    norms = planning_repo.contact_norms(session)
    known = stages(session)
    rows = known + sorted({n.stage for n in norms} - set(known))
    segments = [s.name for s in clients_repo.segments(session)]
    cells = {(n.stage, n.segment.name if n.segment else None): NormCell(n.id, n.max_days) for n in norms}
    return NormGrid(tuple(rows), tuple(segments), tuple(known),
                    {stage: {segment: cells.get((stage, segment)) for segment in [None, *segments]} for stage in rows})


def save(session: Session, actor: Actor, stage: str, segment: str | None, max_days: Any) -> ContactNorm:
    """Set the norm of a stage (for a segment, or for any segment when ``segment`` is empty)."""
    require(actor, HEADS, "set contact norms")
    stage, segment = (stage or "").strip(), (segment or "").strip() or None
    errors: dict[str, str] = {}
    known = stages(session)
    if stage not in known:
        errors["stage"] = f"unknown stage {stage!r} (the regulations name: {', '.join(known) or 'none'})"
    segment_row = clients_repo.segment_by_name(session, segment) if segment else None
    if segment and segment_row is None:
        errors["segment"] = f"unknown segment {segment!r}"
    days = _days(max_days, errors)
    if errors:
        raise InputInvalid("the norm cannot be saved: " + "; ".join(f"{k} {v}" for k, v in errors.items()),
                           {"fields": errors})
    segment_id = segment_row.id if segment_row else None
    norm = planning_repo.contact_norm(session, stage, segment_id)
    if norm is None:
        norm = ContactNorm(stage=stage, segment_id=segment_id, max_days=days)
        session.add(norm)
    else:
        norm.max_days = days
    session.flush()
    return norm


def delete(session: Session, actor: Actor, norm_id: int) -> None:
    require(actor, HEADS, "delete contact norms")
    norm = session.get(ContactNorm, norm_id)
    if norm is None:
        raise NotFound(f"no contact norm {norm_id}")
    session.delete(norm)


def forgotten_clients(session: Session, now: datetime, actor: Actor | None) -> list[Forgotten]:
    """Clients past their contact norm, most overdue first: a manager's own, or everyone's for
    those who read everything (and for the system, ``actor=None``). Two queries in all."""
    norms = planning_repo.contact_norms(session)
    if not norms:
        return []
    by_key = {(n.stage, n.segment_id): n.max_days for n in norms}
    shortest = min(by_key.values())
    owner_id = None if actor is None or actor.reads_all else actor.id
    found = []
    for row in planning_repo.cycles_without_contact_since(session, sorted({n.stage for n in norms}),
                                                 now - timedelta(days=shortest), owner_id):
        max_days = by_key.get((row.stage, row.segment_id), by_key.get((row.stage, None)))
        last = max(row.started_at, row.last_contact_at or row.started_at)
        if max_days is None or now - last <= timedelta(days=max_days):
            continue
        found.append(Forgotten(
            client_id=row.client_id, client_name=row.client_name, segment=row.segment,
            owner_login=row.owner_login, owner_name=row.owner_name, cycle_id=row.cycle_id,
            stage=row.stage, last_contact_at=last, days_since=(now - last).days, max_days=max_days))
    found.sort(key=lambda f: (f.max_days - f.days_since, f.last_contact_at, f.cycle_id))
    return found


def forgotten_by_owner(session: Session, actor: Actor, filters: Filters, now: datetime) -> dict[str | None, int]:
    """How many forgotten clients each owner has (by login; None: clients without one), as the
    dashboard and managers side by side count them: the segment and manager filters apply."""
    counts: dict[str | None, int] = {}
    for f in forgotten_clients(session, now, actor):
        if filters.segment is not None and f.segment != filters.segment:
            continue
        if filters.manager is not None and f.owner_login != filters.manager:
            continue
        counts[f.owner_login] = counts.get(f.owner_login, 0) + 1
    return counts


def remind_forgotten(session: Session, now: datetime) -> int:
    """Tell each owner about clients past their norm, once per breach: the key holds the cycle
    and the day of the last contact, so a new breach after a later contact tells again.
    Returns how many notifications were new."""
    notes = [notifications.Note(
        login=f.owner_login, kind="forgotten_client",
        key=f"forgotten_client:{f.cycle_id}:{f.last_contact_at.date().isoformat()}",
        title=f"No contact with {f.client_name} for {f.days_since} days (the norm at {f.stage} is "
              f"{f.max_days})",
        link=f"/clients/{f.client_id}",
        data={"client_id": f.client_id, "client_name": f.client_name, "cycle_id": f.cycle_id,
              "stage": f.stage, "days": f.days_since, "max_days": f.max_days,
              "last_contact_at": f.last_contact_at.isoformat()})
        for f in forgotten_clients(session, now, None) if f.owner_login]
    if not notes:
        return 0
    sent = planning_repo.existing_notification_keys(session, [(n.login, n.key) for n in notes])
    new = [n for n in notes if (n.login, n.key) not in sent]
    notifications.notify(session, new, now)
    return len(new)


def _days(value: Any, errors: dict[str, str]) -> int:
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        errors["max_days"] = "must be a whole number of days"
        return 0
    if not 1 <= days <= MAX_DAYS:
        errors["max_days"] = f"must be between 1 and {MAX_DAYS}"
    return days


def save_grid(session: Session, actor: Actor, values: dict[tuple[str, str | None], str]) -> int:
    """Set several norms at once, as the grid page sends them: per (stage, segment or None) a
    number of days, or an empty value for no norm. Returns how many norms changed."""
    require(actor, HEADS, "set contact norms")
    existing = {(n.stage, n.segment.name if n.segment else None): n for n in planning_repo.contact_norms(session)}
    errors: dict[str, str] = {}
    changed = 0
    for (stage, segment), raw in values.items():
        raw = (raw or "").strip()
        norm = existing.get((stage, segment))
        if not raw:
            if norm is not None:
                session.delete(norm)
                changed += 1
            continue
        if norm is not None and str(norm.max_days) == raw:
            continue
        try:
            save(session, actor, stage, segment, raw)
        except InputInvalid as exc:
            errors[grid_key(stage, segment)] = "; ".join(exc.details.get("fields", {}).values()) or exc.message
        else:
            changed += 1
    if errors:
        raise InputInvalid("some norms cannot be saved: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
                           {"fields": errors})
    return changed


def grid_key(stage: str, segment: str | None) -> str:
    """The name of a grid cell's field: ``stage|segment`` (``stage|`` for any segment)."""
    return f"{stage}|{segment or ''}"
