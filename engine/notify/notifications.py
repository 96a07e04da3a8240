"""Notifications: in-app (a count in the header, a list) and, when configured, e-mail.

Every notification has a ``key`` unique per user, so the same fact (task X is overdue)
notifies once however often the sweep runs. Rows are inserted in the transaction of the
command that caused them; e-mail is sent later, outside any transaction, from an outbox
(``email_status = 'pending'``, see engine.mail).

Who hears of what:

- a new task: its assignee (``assigned``), unless the assignee caused it; a task with
  candidate groups and no assignee: every active member of those groups (``group``), except
  the person who caused it. A task a timer created (no actor) is a ``reminder``, or an
  ``escalation`` when the diagram's ``notify`` property on the task says so.
- the sweep (the worker, about once a minute): an assigned open task due within
  ``DUE_SOON`` (``due_soon``) and once it is overdue (``overdue``); a planned ad-hoc contact
  coming up (``due_soon``) and once its time passed (``contact_due``). A task created due
  within ``DUE_SOON`` gets no separate due-soon notice (its news shows the due time).
  Group tasks nobody holds remind nobody: the group's inbox marks them overdue, and whoever
  claims one is reminded from then on (``OpenTask.reminded`` counts what was sent, not to
  whom). Forgotten clients (engine.norms) and returning hand-overs follow in the platform's sweep.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from engine.shared import (
    cursors,
    error_texts,  # noqa: F401  (registers the codes raised here)
)
from engine.shared.access import Actor
from engine.shared.errors import NotFound
from engine.shared.notices import coded
from storage.models import Activity, Notification, OpenTask
from storage.repositories import notify as notify_repo
from storage.repositories import regulation as regulation_repo


class NotificationKind(StrEnum):
    """The kinds of notification a user can receive."""

    ASSIGNED = "assigned"
    GROUP = "group"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    REMINDER = "reminder"
    FORGOTTEN_CLIENT = "forgotten_client"
    CONTACT_DUE = "contact_due"
    CLIENT_ASSIGNED = "client_assigned"
    INCIDENT = "incident"  # a cycle entered an incident (engine.regulation.incident_alerts)


KINDS = tuple(NotificationKind)
#: how far ahead the sweep warns that work is due
DUE_SOON = timedelta(hours=24)
#: the unit of work's ``session.info`` key saying whether notifications also go out by e-mail
EMAIL_ENABLED = "reglament_email"


@dataclass(frozen=True)
class Note:
    """One notification to one user."""

    login: str
    kind: str
    key: str
    title: str  # English text; the UI renders it from kind + data in the user's language
    link: str | None = None
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


def notify(session: Session, notes: list[Note], now: datetime, email: bool | None = None) -> None:
    """Insert the notes in one statement; a note whose (login, key) exists is skipped.

    ``email``: queue an e-mail to each recipient who has an address; None (the default) does
    so when the unit of work says e-mail is configured (``session.info[EMAIL_ENABLED]``)."""
    if not notes:
        return
    if kind_unknown := {n.kind for n in notes} - set(KINDS):
        raise ValueError(f"unknown notification kinds {sorted(kind_unknown)}")
    unique = list({(n.login, n.key): n for n in notes}.values())
    if email is None:
        email = bool(session.info.get(EMAIL_ENABLED))
    mailed = set(notify_repo.logins_with_email(session, sorted({n.login for n in unique}))) if email else set()
    rows = [{"login": n.login, "kind": n.kind, "key": n.key[:200], "title": n.title[:300],
             "data": n.data, "link": n.link, "created_at": now,
             "email_status": "pending" if n.login in mailed else None, "email_attempts": 0}
            for n in unique]
    notify_repo.insert_notifications(session, rows)


# ---------------------------------------------------------------- new tasks

@dataclass(frozen=True)
class NewTask:
    """A task a step created, with its diagram's ``notify`` property (if any)."""

    row: OpenTask
    notify: str | None = None


def tasks_created(session: Session, client_name: str, tasks: Sequence[NewTask], actor: str | None,
                  now: datetime) -> None:
    """Tell the people responsible for new tasks (see the module's notes): at most one query
    for group members (only when a group task appears) and one insert."""
    if not tasks:
        return
    group_keys = sorted({g for t in tasks if t.row.assignee is None for g in _groups(t.row)})
    members: dict[str, set[str]] = {}
    for key, login in (notify_repo.active_candidates(session, group_keys) if group_keys else ()):
        members.setdefault(key, set()).add(login)
    notes: list[Note] = []
    for new in tasks:
        row = new.row
        if row.due_at is not None and row.due_at <= now + DUE_SOON:
            row.reminded = 1  # created due soon: the news of the task says so; overdue still follows
        if row.assignee:
            recipients = [row.assignee]
        else:
            recipients = sorted({login for key in _groups(row) for login in members.get(key, [])})
        kind = _kind(new, actor)
        data = {"task": row.name, "client": client_name, "client_id": row.client_id,
                "cycle_id": row.cycle_id, "task_id": row.id, "stage": row.stage,
                "work_type": row.work_type, "groups": None if row.assignee else _groups(row),
                "due_at": row.due_at.isoformat() if row.due_at else None}
        title = f"{_TITLES[kind]}: {row.name} — {client_name}"
        notes.extend(Note(login, kind, f"task:{row.id}", title, f"/tasks/{row.id}", data)
                     for login in recipients if login != actor)
    notify(session, notes, now)


_TITLES = {"assigned": "New task", "group": "New task for your group", "escalation": "Escalation",
           "reminder": "Reminder"}


def _kind(new: NewTask, actor: str | None) -> str:
    if new.notify == "escalation" or new.notify == "reminder":
        return new.notify
    if actor is None:
        return "reminder"  # a timer created it
    return "assigned" if new.row.assignee else "group"


def _groups(row: OpenTask) -> list[str]:
    return sorted(g.group_name for g in row.group_rows)


# ---------------------------------------------------------------- the sweep

def sweep(session: Session, now: datetime) -> int:
    """Due-soon and overdue reminders for assigned tasks and planned contacts, each sent once;
    then forgotten clients (engine.norms, when present). Returns the notes written here."""
    horizon = now + DUE_SOON
    notes: list[Note] = []
    soon: list[str] = []
    late: list[str] = []
    for task in notify_repo.open_tasks_to_remind(session, now, horizon):
        assert task.due_at is not None and task.assignee is not None
        overdue = task.due_at < now
        (late if overdue else soon).append(task.id)
        kind = "overdue" if overdue else "due_soon"
        data = {"task": task.name, "client": task.client.name, "client_id": task.client_id,
                "cycle_id": task.cycle_id, "task_id": task.id, "stage": task.stage,
                "work_type": task.work_type, "due_at": task.due_at.isoformat()}
        title = f"{'Overdue' if overdue else 'Due soon'}: {task.name} — {task.client.name}"
        notes.append(Note(task.assignee, kind, f"{kind}:task:{task.id}", title, f"/tasks/{task.id}", data))
    soon_contacts: list[int] = []
    late_contacts: list[int] = []
    for activity in notify_repo.activities_to_remind(session, now, horizon):
        passed = activity.planned_at < now
        (late_contacts if passed else soon_contacts).append(activity.id)
        kind = "contact_due" if passed else "due_soon"
        data = {"activity_id": activity.id, "client": activity.client.name, "client_id": activity.client_id,
                "cycle_id": activity.cycle_id, "work_type": activity.work_type, "note": activity.note[:300],
                "planned_at": activity.planned_at.isoformat()}
        title = f"{'Planned contact is due' if passed else 'Planned contact soon'}: " \
                f"{activity.work_type} — {activity.client.name}"
        notes.append(Note(activity.assignee, kind, f"{kind}:activity:{activity.id}", title,
                          f"/clients/{activity.client_id}", data))
    notify(session, notes, now)
    notify_repo.set_reminded(session, OpenTask, soon, 1)
    notify_repo.set_reminded(session, OpenTask, late, 2)
    notify_repo.set_reminded(session, Activity, soon_contacts, 1)
    notify_repo.set_reminded(session, Activity, late_contacts, 2)
    return len(notes)


# ---------------------------------------------------------------- reading

def listing(session: Session, actor: Actor, unread_only: bool = False, limit: int = 200,
            after: str | None = None) -> tuple[list[Notification], str | None]:
    """A page of the actor's notifications, newest first, and the cursor of the next page (None on
    the last); ``after`` is the cursor of the page before."""
    limit = max(1, min(limit, 500))
    key = None
    if after:
        at, number = cursors.decode(after, str, int)
        try:
            key = (datetime.fromisoformat(at), number)
        except ValueError:
            raise cursors.refused("not a moment") from None
    rows = list(notify_repo.notifications_of(session, actor.login, unread_only, limit + 1, key))
    page = rows[:limit]
    more = len(rows) > limit and bool(page)
    return page, cursors.encode(page[-1].created_at.isoformat(), page[-1].id) if more else None


def unread_count(session: Session, actor: Actor) -> int:
    return notify_repo.unread_notification_count(session, actor.login)


def mark_read(session: Session, actor: Actor, ids: Sequence[int] | None, now: datetime) -> int:
    """Mark the actor's notifications read (all when ``ids`` is None); others' are untouched."""
    return notify_repo.mark_notifications_read(session, actor.login, ids, now)


def open_one(session: Session, actor: Actor, notification_id: int, now: datetime) -> str:
    """Mark one notification read; returns where it leads: its task while the task is open,
    else the task's cycle, else its link."""
    note = notify_repo.notification_of(session, actor.login, notification_id)
    if note is None:
        raise coded(NotFound, "notification_unknown", {"notification_id": str(notification_id)})
    if note.read_at is None:
        note.read_at = now
    data = note.data or {}
    task_id, cycle_id = data.get("task_id"), data.get("cycle_id")
    if task_id and regulation_repo.open_task(session, str(task_id)) is None and isinstance(cycle_id, int):
        return f"/cycles/{cycle_id}"
    return note.link or "/notifications"


@dataclass(frozen=True)
class NotificationView:
    """A notification as its reader's list shows it (the title is English; pages render the kind
    and data in the reader's language)."""

    id: int
    kind: str
    title: str
    data: Mapping[str, Any]
    link: str | None
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, note: Notification) -> NotificationView:
        return cls(id=note.id, kind=note.kind, title=note.title, data=dict(note.data or {}), link=note.link,
                   created_at=note.created_at, read_at=note.read_at)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "title": self.title, "data": dict(self.data), "link": self.link,
                "created_at": self.created_at.isoformat(),
                "read_at": self.read_at.isoformat() if self.read_at else None}
