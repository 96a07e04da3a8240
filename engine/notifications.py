"""Notifications: in-app (a count in the header, a list) and, when configured, e-mail.

Every notification has a ``key`` unique per user, so the same fact (task X is overdue)
notifies once however often the sweep runs. Rows are inserted in the transaction of the
command that caused them; e-mail is sent later, outside any transaction, from an outbox
(``email_status = 'pending'``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Notification

#: the kinds a user can receive
KINDS = ("assigned", "group", "due_soon", "overdue", "escalation", "reminder", "forgotten_client",
         "contact_due")


@dataclass(frozen=True)
class Note:
    """One notification to one user."""

    login: str
    kind: str
    key: str
    title: str  # English text; the UI renders it from kind + data in the user's language
    link: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def notify(session: Session, notes: list[Note], now: datetime, email: bool = False) -> None:
    """Insert the notes in one statement; a note whose (login, key) exists is skipped."""
    if not notes:
        return
    if kind_unknown := {n.kind for n in notes} - set(KINDS):
        raise ValueError(f"unknown notification kinds {sorted(kind_unknown)}")
    rows = [{"login": n.login, "kind": n.kind, "key": n.key[:200], "title": n.title[:300],
             "data": n.data, "link": n.link, "created_at": now,
             "email_status": "pending" if email else None, "email_attempts": 0}
            for n in dict.fromkeys(notes, None)]  # type: ignore[arg-type]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Notification.__table__).on_conflict_do_nothing(index_elements=["login", "key"])
    session.execute(stmt, rows)
