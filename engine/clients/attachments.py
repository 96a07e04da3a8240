"""A client's files: what ``file`` form fields sent, kept in the database with the client and
its cycle, listed on the task, and downloaded as attachments by whoever may see that work.

The bounds (size, kinds) are the form's (engine.regulation.forms checks an upload before it
comes here); who may download is decided by the caller, who knows the cycle's access rules.
"""
from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.shared.errors import NotFound
from storage.models import Attachment
from storage.repositories import attachments as attachments_repo


@dataclass(frozen=True)
class StoredFile:
    id: int
    client_id: int
    cycle_id: int | None
    filename: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime
    task_name: str | None
    field: str | None
    #: the sender's name as people read it (the login when the user is gone)
    uploaded_by_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "client_id": self.client_id, "cycle_id": self.cycle_id, "name": self.filename,
                "content_type": self.content_type, "size": self.size, "uploaded_by": self.uploaded_by,
                "uploaded_by_name": self.uploaded_by_name or self.uploaded_by,
                "uploaded_at": self.uploaded_at.isoformat(), "task": self.task_name, "field": self.field}


def _stored(row: Attachment, names: dict[str, str] | None = None) -> StoredFile:
    return StoredFile(row.id, row.client_id, row.cycle_id, row.filename, row.content_type, row.size,
                      row.uploaded_by, row.uploaded_at, row.task_name, row.field,
                      (names or {}).get(row.uploaded_by, row.uploaded_by))


def _listed(session: Session, rows: Sequence[Attachment]) -> list[StoredFile]:
    names = attachments_repo.sender_names(session, [r.uploaded_by for r in rows])
    return [_stored(r, names) for r in rows]


def content_type_of(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def store(session: Session, *, client_id: int, cycle_id: int | None, task_name: str | None, field: str | None,
          filename: str, data: bytes, login: str, now: datetime) -> StoredFile:
    row = attachments_repo.add_attachment(session, Attachment(
        client_id=client_id, cycle_id=cycle_id, task_name=task_name, field=field, filename=filename[:300],
        content_type=content_type_of(filename)[:100], size=len(data), data=data, uploaded_by=login,
        uploaded_at=now))
    return _stored(row)


def read(session: Session, attachment_id: int) -> tuple[StoredFile, bytes]:
    """A stored file and its bytes; NotFound when there is none."""
    row = attachments_repo.attachment_with_data(session, attachment_id)
    if row is None:
        raise NotFound(f"no file {attachment_id}")
    return _stored(row), row.data


def of_cycle(session: Session, cycle_id: int) -> list[StoredFile]:
    return _listed(session, attachments_repo.attachments_of_cycle(session, cycle_id))


#: the most files the client page lists (the newest)
CLIENT_LIST = 200


def of_client(session: Session, client_id: int) -> list[StoredFile]:
    return _listed(session, attachments_repo.attachments_of_client(session, client_id, CLIENT_LIST))
