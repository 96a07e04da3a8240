"""Read models of the client base: a client and its contact persons, notes, possible duplicates,
the client card, merging and imports. Frozen: pages and API answers read them; ``as_dict()`` is
the JSON the API answers."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.models import Client, ClientEvent, Contact, ImportRun


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class Owner:
    """Someone who may own clients."""

    login: str
    name: str


@dataclass(frozen=True)
class ContactView:
    """A contact person of a client."""

    id: int
    client_id: int
    name: str
    position: str | None
    phone: str | None
    email: str | None

    @classmethod
    def of(cls, contact: Contact) -> ContactView:
        return cls(id=contact.id, client_id=contact.client_id, name=contact.name, position=contact.position,
                   phone=contact.phone, email=contact.email)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "client_id": self.client_id, "name": self.name, "position": self.position,
                "phone": self.phone, "email": self.email}


@dataclass(frozen=True)
class ClientView:
    """A client: a company or a person. ``contacts`` is None when they were not read."""

    id: int
    name: str
    kind: str
    tax_id: str | None
    industry: str | None
    region: str | None
    size: str | None
    segment: str | None
    source: str | None
    status: str
    owner: str | None
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime | None
    last_contact_at: datetime | None
    contacts: tuple[ContactView, ...] | None = None
    #: the owner's name (pages show it; the API gives the login)
    owner_name: str | None = None

    @classmethod
    def of(cls, client: Client, with_contacts: bool = False) -> ClientView:
        return cls(id=client.id, name=client.name, kind=client.kind, tax_id=client.tax_id, industry=client.industry,
                   region=client.region, size=client.size, segment=client.segment.name if client.segment else None,
                   source=client.source, status=client.status, owner=client.owner.login if client.owner else None,
                   merged_into_id=client.merged_into_id, created_at=client.created_at, updated_at=client.updated_at,
                   last_contact_at=client.last_contact_at,
                   contacts=tuple(ContactView.of(c) for c in client.contacts) if with_contacts else None,
                   owner_name=client.owner.name if client.owner else None)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "name": self.name, "kind": self.kind, "tax_id": self.tax_id, "industry": self.industry,
            "region": self.region, "size": self.size, "segment": self.segment, "source": self.source,
            "status": self.status, "owner": self.owner, "merged_into_id": self.merged_into_id,
            "created_at": self.created_at.isoformat(), "updated_at": _iso(self.updated_at),
            "last_contact_at": _iso(self.last_contact_at),
        }
        if self.contacts is not None:
            out["contacts"] = [c.as_dict() for c in self.contacts]
        return out


@dataclass(frozen=True)
class NoteView:
    id: int
    client_id: int
    at: datetime
    actor: str | None
    text: str | None

    @classmethod
    def of(cls, event: ClientEvent) -> NoteView:
        return cls(id=event.id, client_id=event.client_id, at=event.at, actor=event.actor,
                   text=(event.data or {}).get("text"))

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "client_id": self.client_id, "at": self.at.isoformat(), "actor": self.actor,
                "text": self.text}


@dataclass(frozen=True)
class DuplicateReason:
    what: str  # tax_id, phone, email, name, other
    value: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"what": self.what, "value": self.value, "text": self.text}


@dataclass(frozen=True)
class DuplicateView:
    """A client the one at hand may duplicate, as the reader may know it: one he may not see is
    only "a client of another manager" (hidden), without id, status or owner."""

    id: int | None
    name: str
    status: str | None
    owner: str | None
    hidden: bool
    reasons: tuple[DuplicateReason, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "status": self.status, "owner": self.owner, "hidden": self.hidden,
                "reasons": [r.as_dict() for r in self.reasons]}


@dataclass(frozen=True)
class ClientCard:
    """A client with its contact persons, and what the reader may do with it."""

    data: ClientView
    may_change: bool
    may_merge: bool
    duplicates: tuple[DuplicateView, ...]


@dataclass(frozen=True)
class MergeSide:
    client: ClientView
    #: how many rows of each kind (cycles, contacts, notes...) the client has
    counts: Mapping[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"client": self.client.as_dict(), "counts": dict(self.counts)}


@dataclass(frozen=True)
class MergePreview:
    """Both clients side by side, the fields the survivor would take, the status it would have."""

    survivor: MergeSide
    other: MergeSide
    filled: Mapping[str, Any]
    status: str

    def as_dict(self) -> dict[str, Any]:
        return {"survivor": self.survivor.as_dict(), "other": self.other.as_dict(), "filled": dict(self.filled),
                "status": self.status}


@dataclass(frozen=True)
class Merged:
    """The survivor of a merge, the client folded into it, what moved and what was filled."""

    client: ClientView
    merged_id: int
    merged_name: str
    moved: Mapping[str, int]
    filled: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"client": self.client.as_dict(), "merged_id": self.merged_id, "merged_name": self.merged_name,
                "moved": dict(self.moved), "filled": dict(self.filled)}


@dataclass(frozen=True)
class ImportRunView:
    """An import of a file: queued, running, done or failed, and how far it got."""

    id: int
    filename: str
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    status: str
    mapping: Mapping[str, str]
    total: int
    processed: int
    imported: int
    rejected_count: int
    error: str | None
    percent: int
    #: the rows refused, each {"row", "reason", ...}; None when not read
    rejected: tuple[Mapping[str, Any], ...] | None = None

    @classmethod
    def of(cls, run: ImportRun, percent: int, with_rejected: bool = True) -> ImportRunView:
        rejected = list(run.rejected or [])
        return cls(id=run.id, filename=run.filename, created_by=run.created_by, created_at=run.created_at,
                   finished_at=run.finished_at, status=run.status, mapping=dict(run.mapping or {}), total=run.total,
                   processed=run.processed, imported=run.imported, rejected_count=len(rejected), error=run.error,
                   percent=percent, rejected=tuple(rejected) if with_rejected else None)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "filename": self.filename, "created_by": self.created_by,
            "created_at": self.created_at.isoformat(), "finished_at": _iso(self.finished_at), "status": self.status,
            "mapping": dict(self.mapping), "total": self.total, "processed": self.processed, "imported": self.imported,
            "rejected_count": self.rejected_count, "error": self.error, "percent": self.percent}
        if self.rejected is not None:
            out["rejected"] = [dict(r) for r in self.rejected]
        return out


@dataclass(frozen=True)
class RowOutcome:
    """What importing one row of a file would do."""

    accepted: bool
    new_client: bool
    #: an accepted row that is another contact of an earlier row's client: that row
    adds_to_row: int | None
    #: why the row would be refused ({"row", "reason", "problems"}), None when accepted
    rejected: Mapping[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "new_client": self.new_client, "adds_to_row": self.adds_to_row,
                "rejected": dict(self.rejected) if self.rejected is not None else None}


@dataclass(frozen=True)
class PreviewRow:
    row: int
    cells: tuple[str, ...]
    #: None when the mapping cannot be used
    result: RowOutcome | None

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "cells": list(self.cells), "result": self.result.as_dict() if self.result else None}


@dataclass(frozen=True)
class ImportPreview:
    """An uploaded file: its headers, the mapping (guessed or chosen), why it cannot be used
    (``error``, with ``mapping_problems``), and its first rows with what importing them does."""

    upload: str
    filename: str
    headers: tuple[str, ...]
    mapping: Mapping[str, str]
    error: str | None
    mapping_problems: Mapping[str, Any]
    rows: tuple[PreviewRow, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"upload": self.upload, "filename": self.filename, "headers": list(self.headers),
                "mapping": dict(self.mapping), "error": self.error, "mapping_problems": dict(self.mapping_problems),
                "rows": [r.as_dict() for r in self.rows]}
