"""A client's one timeline: everything that happened with the client, newest first.

Sources, each one bounded query, merged in memory:

- **cycles**: the history events of every cycle of the client (HistoryEvent by client_id):
  started, tasks created, completed, ended... A completed task carries its done-work row
  (work type, deadline, on time or late). The cycles' "contact" events are left out: the
  ad-hoc contact itself is in the timeline.
- **activities**: ad-hoc contacts (planned, done, cancelled), shown when done, else when they
  were planned; a done one carries its done-work row. Done work of neither a task nor a contact
  is shown on its own.
- **notes**, **ownership** (hand-overs and owner changes "owner", distribution decisions
  "distributed" with their reason) and **edits** (created, edited, merged, imported and any
  other client event): the client's own events (ClientEvent).

Order and paging: entries are sorted by (time, source, id), newest first; sources rank
client events > done work > contacts > cycle history, so a client's own event of a moment comes
before the cycle events of that moment. A page asks every selected source for at most
``limit + 1`` entries older than the cursor, merges them and keeps the first ``limit``; the
cursor of the next page (``after``) is the key of the last entry kept, (ISO time, source, id),
written by the shared cursor codec (engine.shared.cursors) as every other list's. Each source
turns the cursor into its own bound: strictly older than the cursor's time for sources ranked
above the cursor's, the cursor's time included for those below, and (time, id) for the
cursor's own source; so nothing is skipped or repeated even when many entries share a moment.
A page costs one query per selected source plus one for the done-work rows of its tasks and
contacts, and one for the cycles' regulation names.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.clients import error_texts  # noqa: F401  (registers the codes raised here)
from engine.clients.records import get_client
from engine.shared import cursors
from engine.shared.access import Actor
from engine.shared.errors import InputInvalid
from engine.shared.notices import coded
from storage.repositories import timeline as timeline_repo

KINDS = ("cycles", "activities", "notes", "ownership", "edits")
PAGE_SIZE = 100
MAX_PAGE = 500
#: ties at one moment: higher first
_RANK = {"history": 1, "activity": 2, "work": 3, "event": 4}
_BIG = 2 ** 31 - 1  # above any id: primary keys are INTEGER (PostgreSQL refuses larger values)
_EVENT_KINDS = {"note": "notes", "owner": "ownership", "distributed": "ownership"}


@dataclass(frozen=True)
class Entry:
    at: datetime
    source: str  # history, activity, work, event
    id: int
    kind: str  # one of KINDS
    type: str  # the event's type; an activity's status; "work" for other done work
    actor: str | None
    data: dict[str, Any] = field(default_factory=dict)
    cycle_id: int | None = None
    regulation: str | None = None
    task: str | None = None
    #: done-work row of a completed task or done contact: work_type, due_at, on_time
    work: dict[str, Any] | None = None
    task_id: str | None = None

    @property
    def key(self) -> tuple[datetime, int, int]:
        return (self.at, _RANK[self.source], self.id)

    @property
    def cursor(self) -> str:
        return cursors.encode(self.at.isoformat(), self.source, self.id)

    def as_dict(self) -> dict[str, Any]:
        return {"id": f"{self.source}-{self.id}", "at": self.at.isoformat(), "kind": self.kind, "type": self.type,
                "actor": self.actor, "cycle_id": self.cycle_id, "regulation": self.regulation, "task": self.task,
                "data": self.data, "work": self.work}


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    kinds: tuple[str, ...]
    next: str | None  # the cursor of the next (older) page, None on the last

    def as_dict(self) -> dict[str, Any]:
        return {"entries": [e.as_dict() for e in self.entries], "kinds": list(self.kinds), "next": self.next}


def parse_kinds(kinds: Iterable[str] | None) -> tuple[str, ...]:
    chosen = [k.strip() for k in (kinds or ()) if k and k.strip()]
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise coded(InputInvalid, "timeline_kinds", {"unknown": ", ".join(unknown), "known": ", ".join(KINDS)},
                    {"fields": {"kinds": "must be some of " + ", ".join(KINDS)}})
    return tuple(k for k in KINDS if k in chosen) or KINDS


def parse_cursor(text: str | None) -> tuple[datetime, int, int] | None:
    """The (time, source rank, id) of the entry a page ended with; a cursor the timeline did not
    give is a field problem on ``after``."""
    if not text:
        return None
    at, source, id_ = cursors.decode(text, str, str, int)
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise cursors.refused("not a moment") from None
    if moment.tzinfo is None or source not in _RANK:
        raise cursors.refused("not a timeline entry")
    return moment, _RANK[source], id_


def _bound(cursor: tuple[datetime, int, int] | None, source: str) -> tuple[datetime, int] | None:
    """The (time, id) a source's rows must be older than to follow the cursor."""
    if cursor is None:
        return None
    at, rank, id_ = cursor
    if _RANK[source] < rank:
        return at, _BIG  # the cursor's moment included
    if _RANK[source] > rank:
        return at, 0  # strictly older
    return at, id_


def client_timeline(session: Session, actor: Actor, client_id: int, kinds: Iterable[str] | None = None,
                    after: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """A page of the client's timeline, newest first: the entries older than the ``after``
    cursor (the previous page's ``next``)."""
    client = get_client(session, actor, client_id)
    chosen = parse_kinds(kinds)
    cursor = parse_cursor(after)
    if not 1 <= limit <= MAX_PAGE:
        raise coded(InputInvalid, "timeline_limit_range", {"limit": str(MAX_PAGE)}, {"fields": {"limit": f"must be from 1 to {MAX_PAGE}"}})
    take = limit + 1
    entries: list[Entry] = []
    if "cycles" in chosen:
        for e in timeline_repo.history_of_client(session, client.id, _bound(cursor, "history"), take, exclude_types=("contact",)):
            entries.append(Entry(e.at, "history", e.id, "cycles", e.type, e.actor, e.data or {}, e.cycle_id,
                                 task=e.task_name if e.element_id else None, task_id=e.task_id))
    if "activities" in chosen:
        for a in timeline_repo.activities_timeline(session, client.id, _bound(cursor, "activity"), take):
            entries.append(Entry(a.done_at or a.created_at, "activity", a.id, "activities", a.status,
                                 a.assignee if a.done_at else a.created_by,
                                 {"work_type": a.work_type, "note": a.note or None, "assignee": a.assignee,
                                  "planned_at": a.planned_at.isoformat(), "result": a.result,
                                  "created_by": a.created_by}, a.cycle_id))
        for w in timeline_repo.other_work_of_client(session, client.id, _bound(cursor, "work"), take):
            entries.append(Entry(w.done_at, "work", w.id, "activities", "work", w.login,
                                 {"name": w.name, "result": w.result}, w.cycle_id, work=_work(w)))
    event_types = {"notes": ["note"], "ownership": ["owner", "distributed"]}
    wanted = [t for k in chosen for t in event_types.get(k, [])]
    if "edits" in chosen:  # every other type of client event
        others = [t for k, types in event_types.items() if k not in chosen for t in types]
        events = timeline_repo.client_events_page(session, client.id, _bound(cursor, "event"), take, exclude_types=others)
    elif wanted:
        events = timeline_repo.client_events_page(session, client.id, _bound(cursor, "event"), take, types=wanted)
    else:
        events = []
    for ev in events:
        entries.append(Entry(ev.at, "event", ev.id, _EVENT_KINDS.get(ev.type, "edits"), ev.type, ev.actor, ev.data or {}))
    entries.sort(key=lambda e: e.key, reverse=True)
    page, more = entries[:limit], len(entries) > limit
    return Page(_annotated(session, client.id, page), chosen, page[-1].cursor if more and page else None)


def _work(row: Any) -> dict[str, Any]:
    return {"work_type": row.work_type, "due_at": row.due_at.isoformat() if row.due_at else None,
            "on_time": (row.done_at <= row.due_at) if row.due_at else None}


def _annotated(session: Session, client_id: int, page: list[Entry]) -> list[Entry]:
    """Completed tasks and done contacts with their done-work rows; cycles with their regulation."""
    task_ids = [e.task_id for e in page if e.source == "history" and e.type == "completed" and e.task_id]
    activity_ids = [e.id for e in page if e.source == "activity" and e.type == "done"]
    rows = timeline_repo.work_done_of_tasks(session, client_id, task_ids, activity_ids)
    by_task = {r.task_id: _work(r) for r in rows if r.task_id}
    by_activity = {r.activity_id: _work(r) for r in rows if r.activity_id}
    names = timeline_repo.regulation_names_of_cycles(session, sorted({e.cycle_id for e in page if e.cycle_id}))
    out = []
    for e in page:
        work = e.work
        if e.source == "history" and e.type == "completed":
            work = by_task.get(e.task_id or "")
        elif e.source == "activity":
            work = by_activity.get(e.id)
        out.append(Entry(e.at, e.source, e.id, e.kind, e.type, e.actor, e.data, e.cycle_id,
                         names.get(e.cycle_id) if e.cycle_id else None, e.task, work, e.task_id))
    return out
