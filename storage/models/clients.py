"""Clients, contact persons, the client's own events, import runs."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, utcnow

if TYPE_CHECKING:
    from storage.models.accounts import User
    from storage.models.organization import Segment


def _trigram(name: str, column: str) -> Index:
    """An index for substring search: trigram GIN on PostgreSQL, a plain index elsewhere."""
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})



class Client(Base):
    """A company or a person the department sells to."""

    __tablename__ = "clients"
    # equality (duplicates, imports) by b-tree; substring search by trigrams on PostgreSQL
    __table_args__ = (Index("ix_clients_name_key_eq", "name_key"), _trigram("ix_clients_name_key", "name_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    # the name normalised (case, quotes, legal forms, spaces): search and duplicate detection
    name_key: Mapped[str] = mapped_column(String(300), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(8), default="company", server_default="company")  # or person
    tax_id: Mapped[str | None] = mapped_column(String(20), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[str | None] = mapped_column(String(20))  # micro, small, medium, large
    source: Mapped[str | None] = mapped_column(String(100))
    # lead, prospect, customer, inactive; merged: folded into merged_into_id
    status: Mapped[str] = mapped_column(String(16), default="lead", server_default="lead", index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column()
    # the latest done work with the client (a task of a work type, an ad-hoc contact): contact norms
    last_contact_at: Mapped[datetime | None] = mapped_column()
    segment: Mapped[Segment | None] = relationship()
    owner: Mapped[User | None] = relationship()
    contacts: Mapped[list[Contact]] = relationship(
        cascade="all, delete-orphan", lazy="select", order_by="Contact.id")



class Contact(Base):
    """A person at a client: name, position, phone, e-mail."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_phone_key_eq", "phone_key"), Index("ix_contacts_email_key_eq", "email_key"),
                      _trigram("ix_contacts_phone_key", "phone_key"), _trigram("ix_contacts_email_key", "email_key"),
                      _trigram("ix_contacts_name", "name"))
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    phone_key: Mapped[str | None] = mapped_column(String(20))  # digits only, national prefix normalised
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254))  # lower-case
    created_at: Mapped[datetime] = mapped_column(default=utcnow)



class ClientEvent(Base):
    """The client's own history beside its cycles': notes, edits, ownership changes,
    distribution decisions (with their reason), merges, imports."""

    __tablename__ = "client_events"
    __table_args__ = (Index("ix_client_events_client_at", "client_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    type: Mapped[str] = mapped_column(String(32))  # note, created, edited, owner, distributed, merged, imported
    actor: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)



class ImportRun(Base):
    """One import of a client file: progress, and a report of every rejected row."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, done, failed
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)  # file column -> client field
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[list[Any]] = mapped_column(default=list)  # [{"row": n, "reason": "..."}]
    error: Mapped[str | None] = mapped_column(Text)
    #: the stored upload a worker imports (gone once the run ends)
    upload_id: Mapped[str | None] = mapped_column(String(64))
    #: the worker running it and until when its claim holds (renewed after every batch)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_import_runs_status", "status"),)


class StoredUpload(Base):
    """A file uploaded for import, kept in the database so that any host's worker can read it."""

    __tablename__ = "stored_uploads"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(300))
    suffix: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class UploadChunk(Base):
    """One piece (at most a megabyte) of a stored upload, in order."""

    __tablename__ = "upload_chunks"
    upload_id: Mapped[str] = mapped_column(ForeignKey("stored_uploads.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)

